"""Every diagnose test starts a fresh guard run, so 'once per run' never hides a warning."""
import pytest

from nnforge.mistake_warnings import new_run


@pytest.fixture(autouse=True)
def _fresh_guard_run():
    new_run()
    yield
    new_run()

"""Shared test fixtures: a seeded generator per test; every test starts a new guard run."""
import numpy as np
import pytest

from nnforge import mistake_warnings


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def fresh_guard_run():
    """Guards warn once per run: reset so one test's warning cannot hide another's."""
    mistake_warnings.new_run()
    yield

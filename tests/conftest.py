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


def pytest_report_header(config):
    """The suite runs once per backend (make test): say which one this run uses."""
    from nnforge import get_backend
    return f"nnforge backend: {get_backend()}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failure names the backend it happened under, in its summary line and its report."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        from nnforge import get_backend
        backend = get_backend()
        report.sections.append(("nnforge backend", f"failed with the {backend} backend"))
        crash = getattr(report.longrepr, "reprcrash", None)
        if crash is not None:
            crash.message = f"[{backend} backend] {crash.message}"


def pytest_terminal_summary(terminalreporter):
    """The header is hidden under -q (the project's default): name the backend at the end."""
    from nnforge import get_backend
    terminalreporter.write_line(f"nnforge backend: {get_backend()}")

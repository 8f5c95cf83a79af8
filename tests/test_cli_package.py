"""The command line as a package: `python -m nnforge`, the console script's target and each
command module's standalone entry point behave as the single-module CLI did."""
import subprocess
import sys

import pytest

import nnforge
from nnforge import cli


def _run(*args):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120)


def test_python_dash_m_and_the_version():
    result = _run("-m", "nnforge", "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"nnforge {nnforge.__version__}"


def test_every_command_has_its_module_and_help():
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert list(commands) == ["train", "tune", "data", "doctor", "runs", "report", "evaluate",
                              "predict"]
    assert all(hasattr(module, "add_subparser") for module in cli.COMMANDS)


def test_help_loads_no_optional_dependency():
    code = ("import sys, nnforge.cli; nnforge.cli.build_parser(); "
            "print(sorted(m for m in ('pydantic', 'matplotlib', 'optuna', 'sklearn') "
            "if m in sys.modules))")
    result = _run("-c", code)
    assert result.returncode == 0 and result.stdout.strip() == "[]"


def test_tune_runs_standalone():
    result = _run("-m", "nnforge.cli.tune", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: nnforge tune")


def test_user_error_is_one_line_and_traceback_reraises(tmp_path, capsys):
    missing = tmp_path / "missing.toml"
    assert cli.main(["train", str(missing)]) == 2
    assert capsys.readouterr().err == f"nnforge: error: {missing}: no such config file\n"
    with pytest.raises(ValueError, match="no such config file"):
        cli.main(["--traceback", "train", str(missing)])

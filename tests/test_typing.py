"""mypy on the whole package with the settings in pyproject.toml: today's code passes, so a
new type error (or an unannotated function in nnforge.train) fails here."""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("mypy")

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_errors():
    cache = os.path.join(tempfile.gettempdir(), "nnforge-mypy-cache")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", cache, str(ROOT / "src" / "nnforge")],
        capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr

"""`nnforge data describe CONFIG` on the shipped digits config: the three splits' sizes,
class balance, feature ranges and NaN counts, before scaling (and after with --scaled)."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from nnforge.cli import main

ROOT = Path(__file__).resolve().parents[1]
DIGITS = ROOT / "examples" / "digits_mlp.toml"


def test_describe_digits_splits(capsys):
    assert main(["data", "describe", str(DIGITS)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("config digits-mlp: dataset digits, 1797 samples; split train 1079, "
                          "val 359, test 359; values before scaling (scaler: standard)")
    blocks = {name: text for name, text in re.findall(r"\[(train|val|test)\]\n(.*?)(?=\n\n|\Z)",
                                                      out, flags=re.S)}
    assert set(blocks) == {"train", "val", "test"}
    for name, n in (("train", 1079), ("val", 359), ("test", 359)):
        assert f"samples     {n}" in blocks[name]
        assert "NaN / Inf   0 / 0 in X" in blocks[name]
        assert "classes     10" in blocks[name]
        assert "X values    range [0, 16]" in blocks[name]
    # class balance of the stratified train split: counts per class sum to its size
    counts = [int(c) for c in re.findall(r"^  \d\s+(\d+)\s+[\d.]+%$", blocks["train"], re.M)]
    assert len(counts) == 10 and sum(counts) == 1079 and max(counts) - min(counts) <= 6
    assert "pixel_0_2                       0          16" in blocks["train"]
    assert "... 52 more features" in blocks["train"]


def test_describe_counts_nans_and_scaled_shows_the_scaler(tmp_path, capsys):
    X = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
    X[[3, 7], 1] = np.nan
    np.savez(tmp_path / "d.npz", X=X, y=np.arange(50) % 2)
    config = tmp_path / "c.toml"
    config.write_text(f'[data]\ndataset = "npz"\npath = "{tmp_path / "d.npz"}"\n'
                      '[model]\nlayers = [{type = "Linear", in_features = 3, '
                      'out_features = 2}]\n')
    assert main(["data", "describe", str(config)]) == 0
    out = capsys.readouterr().out
    nan_counts = [int(n) for n in re.findall(r"NaN / Inf   (\d+) / 0 in X", out)]
    assert len(nan_counts) == 3 and sum(nan_counts) == 2       # both NaNs, in some split
    assert main(["data", "describe", str(DIGITS), "--scaled"]) == 0
    out = capsys.readouterr().out
    assert "values after the standard scaler" in out and "range [0, 16]" not in out
    mean = float(re.search(r"\[train\].*?X values .*? mean (\S+),", out, re.S).group(1))
    assert abs(mean) < 1e-6                                     # standardized train split


def test_describe_bad_config_is_one_line():
    result = subprocess.run([sys.executable, "-m", "nnforge", "data", "describe", "nope.toml"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == "nnforge: error: nope.toml: no such config file\n"

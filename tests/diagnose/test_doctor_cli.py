"""`nnforge doctor CONFIG`: one line per check, exit 0 on a healthy config, 1 on a broken
one, 2 on a user error (like every command)."""
from nnforge.cli import main


def test_doctor_passes_the_shipped_digits_config(capsys, tmp_path):
    status = main(["doctor", "examples/digits_mlp.toml", "--plot-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0
    lines = [line for line in out.splitlines() if line[:4] in ("PASS", "WARN", "FAIL")]
    assert len(lines) == 12 and all(line.startswith("PASS") for line in lines)
    assert "12 passed, 0 warnings, 0 failed" in out
    assert (tmp_path / "lr_range_test.png").stat().st_size > 10_000


def test_doctor_fails_a_broken_config_with_a_fix(capsys, tmp_path):
    config = tmp_path / "softmax.toml"
    config.write_text("""
[data]
dataset = "digits"
[model]
layers = [{ type = "Linear", in_features = 64, out_features = 10 }, { type = "Softmax", dim = 1 }]
[loss]
type = "CrossEntropyLoss"
""")
    status = main(["doctor", str(config), "--checks", "output", "labels"])
    out = capsys.readouterr().out
    assert status == 1
    assert "FAIL  output layer vs loss" in out
    assert "fix: remove the final Softmax layer" in out
    assert "PASS  data: labels vs output" in out


def test_doctor_reports_user_errors_in_one_line(capsys, tmp_path):
    assert main(["doctor", str(tmp_path / "missing.toml")]) == 2
    assert capsys.readouterr().err.startswith("nnforge: error:")

"""`nnforge train`: a run folder on success; one `nnforge: error:` line and exit 2 for
every user mistake (config, files, labels, shapes, divergence) - never a traceback."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnforge.build
from nnforge.cli import main
from nnforge.train import LambdaCallback

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "digits_mlp.toml"


def fast_config(tmp_path, replace=(), name="fast.toml"):
    """The example with 3 epochs, plus text replacements."""
    text = EXAMPLE.read_text().replace("epochs = 30", "epochs = 3")
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text)
    return path


def run_main(capsys, argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_writes_the_run_folder(tmp_path, capsys):
    out_dir = tmp_path / "run"
    code, out, err = run_main(capsys, ["train", fast_config(tmp_path), "--out", out_dir])
    assert code == 0
    assert "epoch 1/3  loss" in err and "epoch 3/3" in err          # plain lines: no TTY
    assert "test_accuracy" in out and f"run folder: {out_dir}" in out
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "checkpoints", "config.json", "confusion_matrix.json", "grad_norms.csv",
        "history.csv", "labels.json", "metrics.json", "model.safetensors", "plots",
        "report.html", "scaler.safetensors", "steps.json"]
    metrics = json.loads((out_dir / "metrics.json").read_text())
    for key in ("test_accuracy", "test_loss", "epochs", "seconds", "best_epoch", "stop_reason"):
        assert key in metrics
    assert metrics["epochs"] == 3 and metrics["status"] == "finished"
    assert metrics["test_accuracy"] > 0.8
    assert (out_dir / "history.csv").read_text().count("\n") == 4    # header + 3 epochs
    config = json.loads((out_dir / "config.json").read_text())
    assert config["train"]["epochs"] == 3
    assert config["optimizer"] == {"type": "Adam", "lr": 1e-3, "l1": None, "l2": None,
                                   "regularize_biases": False}
    weights = nnforge.load(out_dir / "model.safetensors")
    assert sorted(weights) == ["0.bias", "0.weight", "3.bias", "3.weight", "5.bias", "5.weight"]


def test_log_interval_key_prints_lines_within_each_epoch(tmp_path, capsys):
    path = fast_config(tmp_path, [("epochs = 3", "epochs = 3\nlog_interval = 10")])
    code, _, err = run_main(capsys, ["train", path, "--out", tmp_path / "run"])
    assert code == 0
    lines = err.splitlines()
    assert lines[0].startswith("epoch 1/3  [") and "%]  loss " in lines[0]
    assert any(line.startswith("epoch 3/3  [") for line in lines)


def test_quiet_prints_only_the_result(tmp_path, capsys):
    code, out, err = run_main(capsys, ["train", fast_config(tmp_path), "--out",
                                       tmp_path / "r", "--quiet"])
    assert code == 0 and err == "" and out.startswith("test_loss ")


@pytest.mark.parametrize("replace, expected", [
    ((("lr = 1e-3", "lrr = 1e-3"),), "optimizer.lrr: unknown key (allowed: type, lr,"),
    ((("epochs = 3", 'epochs = "three"'),), "train.epochs: Input should be a valid integer"),
    ((("in_features = 64, out_features = 128", "in_features = 64, out_feature = 128"),),
     "model.layers.0.out_feature: unknown key"),
    ((("batch_size = 32", "batch_size = 32,,"),), "invalid TOML"),
    ((("in_features = 64, out_features = 128", "in_features = 65, out_features = 128"),),
     "Linear"),
    ((("in_features = 64, out_features = 10", "in_features = 64, out_features = 5"),),
     "target"),
])
def test_user_errors_are_one_line_with_exit_2(tmp_path, capsys, replace, expected):
    path = fast_config(tmp_path, replace)
    code, out, err = run_main(capsys, ["train", path, "--out", tmp_path / "r", "--quiet"])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnforge: error: "), err
    assert expected in lines[0]
    assert "Traceback" not in err


def test_traceback_flag_reraises_the_error_for_bug_reports(tmp_path):
    path = fast_config(tmp_path, [("in_features = 64, out_features = 10",
                                   "in_features = 64, out_features = 5")])
    with pytest.raises(IndexError, match="target"):
        main(["--traceback", "train", str(path), "--out", str(tmp_path / "r"), "--quiet"])


def test_build_time_errors_name_the_file_and_layer(tmp_path, capsys):
    path = fast_config(tmp_path, [("{ type = \"Dropout\", p = 0.2 }",
                                   "{ type = \"Dropout\", p = 1.5 }")])
    code, _, err = run_main(capsys, ["train", path, "--out", tmp_path / "r", "--quiet"])
    assert code == 2
    assert err.startswith(f"nnforge: error: {path}: model.layers.2 (Dropout): Dropout: p ")


def test_missing_config_file(tmp_path, capsys):
    code, _, err = run_main(capsys, ["train", tmp_path / "missing.toml"])
    assert code == 2 and err.strip() == f"nnforge: error: {tmp_path / 'missing.toml'}: no such " \
                                        "config file"


def test_nan_injected_mid_training_stops_the_cli(tmp_path, capsys, monkeypatch):
    real_fit_run = nnforge.build.fit_run

    def fit_with_injection(run, **kwargs):
        def inject(batch, logs):
            if run.trainer.global_step == 40:
                run.model[3].weight.data[0, 0] = np.nan
        run.trainer.callbacks.append(LambdaCallback(on_batch_end=inject))
        return real_fit_run(run, **kwargs)

    monkeypatch.setattr(nnforge.build, "fit_run", fit_with_injection)
    out_dir = tmp_path / "r"
    code, _, err = run_main(capsys, ["train", fast_config(tmp_path), "--out", out_dir, "--quiet"])
    assert code == 2
    line = err.strip()
    assert "\n" not in line and line.startswith("nnforge: error: training diverged at epoch 2, "
                                                "step 41: loss is nan")
    assert "parameter '3.weight' of layer 3 (Linear)" in line
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["status"] == "diverged" and metrics["epochs"] == 1


def test_python_dash_m_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('seed = 0\n[model]\nlayers = [{type = "Linear", in_features = 64, '
                   'out_features = 10}]\n[train]\nepoch = 3\n')
    result = subprocess.run([sys.executable, "-m", "nnforge", "train", str(bad)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == (f"nnforge: error: {bad}: train.epoch: unknown key (allowed: "
                             "epochs, batch_size, shuffle, metrics, early_stopping, nan_guard, "
                             "guards, silence, eval_batch_size, log_interval, accumulate_steps, "
                             "clip_grad_norm, clip_grad_value, time_budget, stop_threshold)\n")


def test_default_run_folder_is_runs_name_timestamp(tmp_path, capsys, monkeypatch):
    config = fast_config(tmp_path, name="quick.toml")
    monkeypatch.chdir(tmp_path)
    assert main(["train", str(config), "--quiet"]) == 0
    assert main(["train", str(config), "--quiet"]) == 0          # same second: no clash
    folders = sorted(p.name for p in (tmp_path / "runs").iterdir() if p.is_dir())
    assert len(folders) == 2 and all(f.startswith("digits-mlp-2") for f in folders)
    assert f"run folder: {Path('runs') / folders[0]}" in capsys.readouterr().out

"""Crash safety: training processes are killed with SIGKILL at random moments;
every checkpoint left on disk must load, and resuming from it must complete the run with
the same weights and history as a run that was never killed. An orderly stop (SIGTERM,
SIGINT) finishes the batch, writes a checkpoint, exits 143/130 with one line, and resuming
is bit-identical too.

To keep 20+ kills fast, one driver process imports nnforge once and forks a child per run
(the child is the training process that gets killed); the driver reports each child's pid
and exit status over a pipe.
"""
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import nnforge
from nnforge.train.checkpoint import CheckpointError, load_checkpoint

CONFIG = """
name = "crash"
seed = 3
[data]
dataset = "blobs"
options = {n_samples = 120, centers = 3, cluster_std = 4.0}
[model]
layers = [{type = "Linear", in_features = 2, out_features = 12}, {type = "ReLU"},
          {type = "Dropout", p = 0.2}, {type = "Linear", in_features = 12, out_features = 3}]
[optimizer]
type = "Adam"
lr = 0.01
[scheduler]
type = "StepLR"
step_size = 3
gamma = 0.8
[train]
epochs = 8
batch_size = 8
metrics = ["accuracy"]
early_stopping = {monitor = "val_loss", patience = 50}
"""

DRIVER = textwrap.dedent("""
    import os, sys
    import nnforge.build, nnforge.report
    from nnforge.config import load_config
    nnforge.report.write_report = lambda run_dir: None   # reports are tested elsewhere
    config = load_config(sys.argv[1])
    for line in sys.stdin:
        out_dir, resume = line.split()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                nnforge.build.run_experiment(config, out_dir, quiet=True, resume=resume == "1")
            except BaseException as exc:
                print(f"child error: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                code = 1
            os._exit(code)
        print("pid", pid, flush=True)
        _, status = os.waitpid(pid, 0)
        print("exit", os.waitstatus_to_exitcode(status), flush=True)
""")


class Driver:
    def __init__(self, config):
        self.proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(config)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)

    def start(self, out_dir, resume=False):
        self.proc.stdin.write(f"{out_dir} {int(resume)}\n")
        self.proc.stdin.flush()
        kind, pid = self.proc.stdout.readline().split()
        assert kind == "pid"
        return int(pid)

    def wait(self):
        kind, code = self.proc.stdout.readline().split()
        assert kind == "exit"
        return int(code)

    def run(self, out_dir, resume=False):
        self.start(out_dir, resume)
        return self.wait()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash")
    config = root / "crash.toml"
    config.write_text(CONFIG)
    driver = Driver(config)
    start = time.perf_counter()
    assert driver.run(root / "runs" / "reference") == 0
    duration = time.perf_counter() - start
    yield root, config, driver, duration
    driver.close()


def same_result(run_dir, reference):
    a = nnforge.load(run_dir / "model.safetensors")
    b = nnforge.load(reference / "model.safetensors")
    assert list(a) == list(b) and all(np.array_equal(a[k], b[k]) for k in a)
    strip = lambda text: [line.rsplit(",", 1)[0] for line in text.splitlines()]  # no seconds
    assert strip((run_dir / "history.csv").read_text()) == \
        strip((reference / "history.csv").read_text())


def test_sigkill_at_random_moments_then_resume(setup):
    root, _, driver, duration = setup
    reference = root / "runs" / "reference"
    rng = random.Random(1234)
    resumed = fresh = 0
    for i in range(20):
        run_dir = root / "runs" / f"kill{i}"
        pid = driver.start(run_dir)
        time.sleep(rng.uniform(0.1, 0.9) * duration)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:          # it had already finished
            pass
        code = driver.wait()
        assert code in (0, -signal.SIGKILL)
        for sidecar in (run_dir / "checkpoints").glob("*.json"):
            state = load_checkpoint(sidecar)            # every checkpoint left loads
            assert 1 <= state.epoch <= 8 and not state.partial
        saved = [run_dir / "checkpoints" / f"{kind}.json" for kind in ("last", "best")]
        if any(sidecar.exists() for sidecar in saved):  # "best" alone: killed between the two
            assert driver.run(run_dir, resume=True) == 0
            resumed += 1
        else:                               # killed before the first epoch ended
            with pytest.raises(CheckpointError):
                load_checkpoint(run_dir)
            assert driver.run(run_dir) == 0
            fresh += 1
        same_result(run_dir, reference)
        assert json.loads((run_dir / "metrics.json").read_text())["status"] == "finished"
        left = sorted(p.name for p in (run_dir / "checkpoints").iterdir())   # no debris
        referenced = [json.loads((run_dir / "checkpoints" / n).read_text())["weights"]
                      for n in left if n.endswith(".json")]
        assert sorted(n for n in left if not n.endswith(".json")) == sorted(referenced)
    assert resumed >= 10, (resumed, fresh)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_orderly_stop_writes_a_checkpoint_and_resume_is_bit_identical(setup, signum):
    root, config, _, duration = setup
    reference = root / "runs" / "reference"
    run_dir = root / "runs" / f"stop-{signum}"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "nnforge", "train", str(config), "--out",
                             str(run_dir), "--quiet"], stderr=subprocess.PIPE, text=True,
                            env=env)
    history = run_dir / "checkpoints" / "last.json"
    deadline = time.monotonic() + 60
    while not history.exists() and time.monotonic() < deadline:
        time.sleep(0.05)                    # the first epoch is done: training is under way
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal arrived (machine too fast)")
    assert proc.returncode == 128 + signum
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"nnforge: interrupted by "
                                                   f"{signal.Signals(signum).name}")
    assert f"checkpoint written to {run_dir / 'checkpoints' / 'last.json'}" in lines[0]
    assert load_checkpoint(run_dir).partial
    assert json.loads((run_dir / "metrics.json").read_text())["status"] == "interrupted"
    done = subprocess.run([sys.executable, "-m", "nnforge", "train", str(config), "--resume",
                           str(run_dir), "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    same_result(run_dir, reference)

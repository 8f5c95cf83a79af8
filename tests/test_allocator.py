"""nnforge.allocator: `nnforge.perf.enable()` sets glibc's malloc thresholds (unless opted
out), so a freed large array stays in the process instead of being trimmed back to the
kernel; `import nnforge` alone leaves malloc as it was."""
import os
import subprocess
import sys

import pytest

from nnforge import allocator

pytestmark = pytest.mark.skipif(not allocator.supported(), reason="needs Linux with glibc")

PROBE = """
import resource, numpy as np
import sys
import nnforge, nnforge.allocator as a, nnforge.perf
imported_untouched = not a.tuned()
if sys.argv[1] == "enable":
    nnforge.perf.enable()
from nnforge import nn, optim
rng = np.random.default_rng(0)
model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64),
                      nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 128),
                      nn.ReLU(), nn.Linear(128, 10))
opt = optim.Adam(model.parameters())
X = rng.random((128, 1, 28, 28), dtype=np.float32); y = rng.integers(0, 10, 128)
def step():
    opt.zero_grad()
    nn.functional.cross_entropy(model(nnforge.tensor(X)), y).backward()
    opt.step()
for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(4):
    step()
print(imported_untouched, a.tuned(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _probe(switch, env_value="1"):
    env = {"PATH": "/usr/bin:/bin", "NNFORGE_MALLOC_TUNING": env_value}
    for name in ("PYTHONPATH", "NNFORGE_BACKEND", "NUMBA_CACHE_DIR", "HOME"):
        if name in os.environ:
            env[name] = os.environ[name]
    out = subprocess.run([sys.executable, "-c", PROBE, switch], capture_output=True,
                         text=True, env=env, check=True).stdout.split()
    assert out[0] == "True", "import nnforge changed malloc's thresholds"
    return out[1] == "True", int(out[2])


def test_perf_enable_tunes_malloc_and_training_steps_stop_faulting_pages_in():
    tuned, faults = _probe("enable")
    untuned, default_faults = _probe("none")
    assert tuned and not untuned
    # a CNN step (batch 128) frees and reallocates tens of MiB; with glibc's defaults the
    # heap is trimmed and faulted in again every step, tuned the memory is reused
    assert faults * 3 < default_faults, (faults, default_faults)


def test_environment_opts_out_of_the_switch():
    tuned, _ = _probe("enable", env_value="0")
    assert not tuned

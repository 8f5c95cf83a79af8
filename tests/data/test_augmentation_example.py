"""examples/augmentation_grid.py runs and writes a non-blank PNG."""
import pathlib
import subprocess
import sys

import numpy as np

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "augmentation_grid.py"


def test_augmentation_grid_writes_a_png(tmp_path):
    out = tmp_path / "grid.png"
    done = subprocess.run([sys.executable, str(EXAMPLE), str(out), "--rows", "3"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    import matplotlib.image
    pixels = matplotlib.image.imread(out)
    assert pixels.shape[0] > 100 and pixels.shape[1] > 300
    assert np.std(pixels[..., :3]) > 0.05              # not a blank canvas

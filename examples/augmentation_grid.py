"""A grid of augmented images: one row per sample, one column per augmentation
(crops, flips, brightness, noise). Uses Fashion-MNIST from Debian's dataset-fashion-mnist, or
scikit-learn's 8x8 digits when it is not installed.

    .venv/bin/python examples/augmentation_grid.py [OUTPUT.png] [--seed 0] [--rows 6]
"""
import argparse

import numpy as np

from nnforge.data import (Compose, GaussianNoise, RandomBrightness, RandomCrop, RandomErasing,
                          RandomHorizontalFlip, RandomRotation, RandomShift,
                          RandomVerticalFlip, RandomZoom, load_digits, load_fashion_mnist)


def images(rows, seed):
    """`rows` images of different classes as (N, 1, H, W) floats in [0, 1], and names."""
    try:
        train, _ = load_fashion_mnist()
        source = "Fashion-MNIST"
    except FileNotFoundError:
        digits = load_digits()
        X = (digits.X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
        train = type(digits)(X, digits.y, digits.class_names, name="digits")
        source = "digits (Fashion-MNIST not installed)"
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(train.y == c)) for c in range(rows)]
    return train.X[picks], [train.class_names[train.y[i]] for i in picks], source


def columns(size):
    shift = pad = max(1, size // 7)
    return [("original", None),
            ("h-flip", RandomHorizontalFlip(1.0)),
            ("v-flip", RandomVerticalFlip(1.0)),
            (f"shift ±{shift}", RandomShift(shift)),
            ("rotate ±30°", RandomRotation(30)),
            ("zoom 0.8-1.2", RandomZoom((0.8, 1.2))),
            ("brightness ±0.3", RandomBrightness(0.3, clip=(0, 1))),
            ("noise σ=0.1", GaussianNoise(0.1, clip=(0, 1))),
            (f"crop, pad {pad}", RandomCrop(size, padding=pad)),
            ("erasing", RandomErasing(1.0)),
            ("all composed", Compose([RandomHorizontalFlip(), RandomShift(shift),
                                      RandomRotation(15), GaussianNoise(0.05, clip=(0, 1)),
                                      RandomErasing(0.5)]))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default="augmentation_grid.png")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rows", type=int, default=6)
    args = parser.parse_args()

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, names, source = images(args.rows, args.seed)
    cols = columns(X.shape[-1])
    generator = np.random.default_rng(args.seed)
    fig, axes = plt.subplots(len(X), len(cols), figsize=(1.3 * len(cols), 1.4 * len(X)),
                             squeeze=False)
    for c, (title, transform) in enumerate(cols):
        batch = X if transform is None else transform(X, generator)
        for r in range(len(X)):
            ax = axes[r, c]
            ax.imshow(batch[r, 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(title, fontsize=8)
            if c == 0:
                ax.set_ylabel(names[r], fontsize=8)
    fig.suptitle(f"nnforge.data augmentation on {source} (seed {args.seed})", fontsize=10)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

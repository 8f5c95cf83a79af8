"""Weight initialization in a deep tanh network: the classic figure.

    .venv/bin/python examples/initializations.py [OUT.png] [--fast]

Ten Linear(500, 500) + tanh layers, N(0, 1) inputs, three initializations:
- N(0, 0.01^2): each layer multiplies the spread by about 0.01 * sqrt(500) = 0.22, so the
  activations collapse to 0 layer after layer and so do the weight gradients;
- N(0, 1): pre-activations of size ~sqrt(500) saturate tanh at +-1, gradients ~0;
- Xavier normal, std sqrt(2 / (fan_in + fan_out)): the spread stays of order 1.
Writes one histogram per layer and initialization and prints each layer's std.
"""
import argparse
from pathlib import Path

from nnforge.diagnose.stats import initialization_demo, plot_histograms


def main(argv=None):
    parser = argparse.ArgumentParser(description="tanh activation histograms per layer")
    parser.add_argument("out", nargs="?", default="out/initializations.png")
    parser.add_argument("--fast", action="store_true", help="6 layers x 100 units")
    args = parser.parse_args(argv)
    depth, width = (6, 100) if args.fast else (10, 500)
    stats = initialization_demo(depth=depth, width=width, n_samples=300 if args.fast else 1000)
    for label, layers in stats.items():
        print(f"{label:>14}: std per layer " + " ".join(f"{s.std:.2g}" for s in layers)
              + f"; saturated (|h| > 0.99) in the last layer: "
              f"{layers[-1].saturated_fraction:.0%}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    plot_histograms(stats, out, title=f"tanh activations, {depth} layers x {width} units")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

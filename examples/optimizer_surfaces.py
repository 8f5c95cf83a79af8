"""The library's optimizers on 2-D surfaces.

    .venv/bin/python examples/optimizer_surfaces.py [OUT.png] [--fast]

The real `nnforge.optim` classes (the ones that train networks) minimize three functions
written with Tensor operations (`nnforge.diagnose.playground`):
- a narrow valley 0.5 x1^2 + 25 x2^2: plain SGD zig-zags across the valley and crawls
  along it; momentum and Adam do not;
- the saddle x1^4 - 2 x1^2 + x2^2: started on the x2-axis gradient descent converges
  to the saddle at the origin; a nudge of 0.01 lets it escape to a minimum;
- Rosenbrock's banana, minimum at (1, 1).
"""
import argparse
from pathlib import Path

from nnforge import optim
from nnforge.diagnose.playground import SURFACES, plot_trajectories, run_optimizer

RUNS = {
    "valley": [("SGD lr=0.035", optim.SGD, {"lr": 0.035}),
               ("SGD momentum 0.9", optim.SGD, {"lr": 0.01, "momentum": 0.9}),
               ("Adam lr=0.3", optim.Adam, {"lr": 0.3}),
               ("RMSprop lr=0.1", optim.RMSprop, {"lr": 0.1})],
    "saddle": [("SGD from (0, 1.5)", optim.SGD, {"lr": 0.05}, (0.0, 1.5)),
               ("SGD from (0.01, 1.5)", optim.SGD, {"lr": 0.05}, (0.01, 1.5)),
               ("Adam from (0.01, 1.5)", optim.Adam, {"lr": 0.05}, (0.01, 1.5))],
    "rosenbrock": [("SGD lr=1e-3", optim.SGD, {"lr": 1e-3}),
                   ("SGD Nesterov", optim.SGD, {"lr": 5e-4, "momentum": 0.9, "nesterov": True}),
                   ("Adam lr=0.05", optim.Adam, {"lr": 0.05}),
                   ("Adagrad lr=0.5", optim.Adagrad, {"lr": 0.5})],
}


def main(argv=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description="optimizer trajectories on 2-D surfaces")
    parser.add_argument("out", nargs="?", default="out/optimizer_surfaces.png")
    parser.add_argument("--fast", action="store_true", help="fewer steps")
    args = parser.parse_args(argv)
    steps = {"valley": 100, "saddle": 150, "rosenbrock": 2000}
    if args.fast:
        steps = {k: v // 10 for k, v in steps.items()}
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    for ax, (name, runs) in zip(axes, RUNS.items()):
        paths = {}
        for label, cls, kw, *start in runs:
            paths[label] = run_optimizer(cls, name, start=start[0] if start else None,
                                         steps=steps[name], **kw)
            end = paths[label][-1]
            value = float(SURFACES[name](__import__("nnforge").tensor(end)).data)
            print(f"{name:>10} {label:<22} after {steps[name]:>4} steps: x = "
                  f"({end[0]: .4f}, {end[1]: .4f}), f = {value:.3g}")
        plot_trajectories(name, paths, ax=ax)
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

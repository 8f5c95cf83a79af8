"""Batch-size growth vs LR decay (Smith et al. 2017), through the same
config -> Trainer path as `nnforge train`.

    .venv/bin/python examples/batch_size_vs_lr.py [--seeds 0 1 2] [--epochs 30]

Trains examples/batch_size_vs_lr_decay.toml (lr /5 at epochs 10 and 20, batch 16) and
examples/batch_size_vs_lr_growth.toml (lr fixed, batch x5 at the same epochs) for each seed
and prints a markdown table: validation accuracy per seed, mean validation loss,
parameter updates, and the SGD
noise scale g = lr/(1 - momentum) * (N/B - 1) in the last epoch. The paper's claim: the
two reach comparable accuracy, the growing batch with far fewer updates.
"""
import argparse
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = {"LR decay": "batch_size_vs_lr_decay.toml",
        "batch growth": "batch_size_vs_lr_growth.toml"}


def run(path, seed, epochs=None):
    """(val accuracy, val loss, parameter updates, History) of one config at `seed`."""
    from nnforge.build import build_run, fit_run
    from nnforge.config import load_config, parse_config

    raw = load_config(path).model_dump(mode="json")
    raw["seed"] = seed
    if epochs is not None:
        raw["train"]["epochs"] = epochs
    built = build_run(parse_config(raw, source=str(path)))
    history = fit_run(built, verbose=0)
    val = built.trainer.evaluate(built.val)
    return val["accuracy"], val["loss"], int(sum(history["updates"])), history


def table(seeds=(0, 1, 2), epochs=None):
    """The markdown table (a list of lines) for the two runs."""
    lines = ["| run | parameter updates | val accuracy (seeds " + " / ".join(map(str, seeds))
             + ") | val loss (mean) | final noise scale |", "|---|---:|---|---:|---:|"]
    for label, name in RUNS.items():
        results = [run(HERE / name, seed, epochs) for seed in seeds]
        updates = {r[2] for r in results}
        history = results[0][3]
        mean_loss = sum(r[1] for r in results) / len(results)
        lines.append(f"| {label} | {'/'.join(map(str, sorted(updates)))} | "
                     + " / ".join(f"{r[0]:.3f}" for r in results)
                     + f" | {mean_loss:.4f} | {history['noise_scale'][-1]:.3f} |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=None,
                        help="override both configs' epochs (fast mode)")
    args = parser.parse_args(argv)
    print("\n".join(table(tuple(args.seeds), args.epochs)))


if __name__ == "__main__":
    main()

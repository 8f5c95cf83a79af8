"""Every learning-rate scheduler's curve, plotted side by side before any training — plus the
momentum ramp and a batch-size schedule.

    .venv/bin/python examples/lr_schedules.py [OUT_DIR]     (default ./out/)

Writes OUT_DIR/lr_schedules.png. The curves come from the real scheduler classes
(`lr_scheduler.preview` builds each on a throwaway optimizer and reads its closed form), so
what you see is what training will use.
"""
import sys
from pathlib import Path

from nnforge.optim import BatchSizeSchedule, lr_scheduler as L, schedules

STEPS = 100
PANELS = [
    ("StepLR(step_size=30)", L.StepLR, dict(step_size=30)),
    ("MultiStepLR([30, 60, 80])", L.MultiStepLR, dict(milestones=[30, 60, 80])),
    ("ExponentialLR(0.97)", L.ExponentialLR, dict(gamma=0.97)),
    ("InverseTimeLR(0.05)", L.InverseTimeLR, dict(gamma=0.05)),
    ("PolynomialLR(100, power=2)", L.PolynomialLR, dict(total_iters=100, power=2.0)),
    ("CosineAnnealingLR(T_max=100)", L.CosineAnnealingLR, dict(T_max=100)),
    ("CosineAnnealingWarmRestarts(10, 2)", L.CosineAnnealingWarmRestarts,
     dict(T_0=10, T_mult=2, eta_min=0.001)),
    ("LinearLR warm-up (0.1 -> 1, 20)", L.LinearLR, dict(start_factor=0.1, total_iters=20)),
    ("ConstantLR(1/3, 25)", L.ConstantLR, dict(factor=1 / 3, total_iters=25)),
    ("LambdaLR(0.98 ** e)", L.LambdaLR, dict(lr_lambda=lambda e: 0.98 ** e)),
    ("MultiplicativeLR(0.97)", L.MultiplicativeLR, dict(lr_lambda=lambda e: 0.97)),
    ("CyclicLR triangular", L.CyclicLR, dict(base_lr=0.01, max_lr=0.1, step_size_up=10)),
    ("CyclicLR triangular2", L.CyclicLR, dict(base_lr=0.01, max_lr=0.1, step_size_up=10,
                                              mode="triangular2")),
    ("CyclicLR exp_range(0.98)", L.CyclicLR, dict(base_lr=0.01, max_lr=0.1, step_size_up=10,
                                                  mode="exp_range", gamma=0.98)),
    ("OneCycleLR cos", L.OneCycleLR, dict(max_lr=0.1, total_steps=STEPS)),
    ("OneCycleLR linear, three_phase", L.OneCycleLR,
     dict(max_lr=0.1, total_steps=STEPS, anneal_strategy="linear", three_phase=True)),
]


def _sequential_warmup_cosine():
    """SequentialLR: 10 warm-up steps, then cosine — via the same preview machinery."""
    import numpy as np
    from nnforge.autograd import Tensor
    from nnforge.optim import SGD
    optimizer = SGD([Tensor(np.zeros(1))], lr=0.1)
    warmup = L.LinearLR(optimizer, start_factor=0.01, total_iters=10)
    cosine = L.CosineAnnealingLR(optimizer, T_max=STEPS - 10)
    return L.SequentialLR(optimizer, [warmup, cosine], milestones=[10]).schedule_values(STEPS)


def main(out_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = len(PANELS) + 3
    columns = 4
    rows = -(-panels // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.6 * rows))
    axes = axes.ravel()
    for axis, (title, cls, kwargs) in zip(axes, PANELS):
        curves = L.preview(cls, STEPS, lr=0.1, **kwargs)
        axis.plot(curves["lr"], color="tab:blue")
        if "momentum" in curves:
            twin = axis.twinx()
            twin.plot(curves["momentum"], color="tab:orange", linestyle="--")
            twin.set_ylabel("momentum", color="tab:orange", fontsize=8)
            twin.tick_params(labelsize=7)
        axis.set_title(title, fontsize=9)
    extra = axes[len(PANELS):]
    extra[0].plot(_sequential_warmup_cosine(), color="tab:blue")
    extra[0].set_title("SequentialLR: LinearLR(10) then cosine", fontsize=9)
    ramp = schedules.linear_ramp(0.5, 0.9, 20)
    extra[1].plot([ramp(t) for t in range(STEPS)], color="tab:orange")
    extra[1].set_title("MomentumScheduler 0.5 -> 0.9", fontsize=9)
    batch = BatchSizeSchedule(32, milestones=[30, 60, 80], factor=4, max_batch_size=1024)
    extra[2].step(range(STEPS), batch.values(STEPS), where="post", color="tab:green")
    extra[2].set(yscale="log")
    extra[2].set_title("BatchSizeSchedule x4 at 30/60/80, cap 1024", fontsize=9)
    for axis in axes[panels:]:
        axis.axis("off")
    for axis in axes[:panels]:
        axis.tick_params(labelsize=7)
        axis.grid(alpha=0.3)
    figure.suptitle(f"Schedules over {STEPS} steps (base LR 0.1; dashed: momentum)")
    figure.tight_layout()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "lr_schedules.png"
    figure.savefig(path, dpi=100)
    print(f"wrote {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))

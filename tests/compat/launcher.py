"""Run a PyTorch-style script with `torch` bound to PyTorch or to nnforge.

    python launcher.py torch|nnforge script.py

For nnforge, `sys.modules` maps torch's module paths onto nnforge's before the script
runs, so its own `import torch`, `from torch import nn`, `import torch.nn.functional as F`
and `from torch.utils.data import DataLoader` lines work unmodified.
"""
import runpy
import sys

ALIASES = {
    "torch": "nnforge",
    "torch.nn": "nnforge.nn",
    "torch.nn.functional": "nnforge.nn.functional",
    "torch.nn.init": "nnforge.nn.init",
    "torch.nn.utils": "nnforge.nn.utils",
    "torch.optim": "nnforge.optim",
    "torch.optim.lr_scheduler": "nnforge.optim.lr_scheduler",
    "torch.autograd": "nnforge.autograd",
    "torch.utils": "nnforge.utils",
    "torch.utils.data": "nnforge.utils.data",
}


def bind_torch_to_nnforge():
    import importlib

    for alias, target in ALIASES.items():
        sys.modules[alias] = importlib.import_module(target)


def main(backend, script):
    if backend == "nnforge":
        bind_torch_to_nnforge()
    elif backend == "torch":
        import torch
        torch.set_num_threads(1)
    else:
        raise SystemExit(f"launcher: backend must be 'torch' or 'nnforge', got {backend!r}")
    sys.argv = [script]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main(*sys.argv[1:3])

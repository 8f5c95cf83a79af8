"""Who uses the two cores: the bench CNN's training step (bench/cnn.py) under each thread
setting, one fresh process per setting and round, alternating, median of rounds.

Settings: OpenBLAS with 1 or 2 threads, and OpenBLAS's spin-wait after each GEMM at its
default (workers poll for about 2^28 cycles before sleeping) or cut short with
OPENBLAS_THREAD_TIMEOUT=4 (2^4 cycles). The numba kernels are single-threaded on the
main thread in every setting (nnforge never starts numba's thread pool). Reported: wall
ms/step and the process's CPU ms/step (all threads; CPU time above wall time is a second
thread working or spinning).

    .venv/bin/python bench/threads.py [--rounds 3] [--steps 30] [--library nnforge-numba]
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CNN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cnn.py")
SETTINGS = {
    "BLAS 1 thread": {"OPENBLAS_NUM_THREADS": "1"},
    "BLAS 2 threads": {"OPENBLAS_NUM_THREADS": "2"},
    "BLAS 2 threads, spin 2^4 cycles": {"OPENBLAS_NUM_THREADS": "2",
                                        "OPENBLAS_THREAD_TIMEOUT": "4"},
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--library", default="nnforge-numba",
                        choices=["nnforge-numba", "nnforge-numpy", "pytorch"])
    args = parser.parse_args(argv)
    results = {name: [] for name in SETTINGS}
    names = list(SETTINGS)
    for r in range(args.rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            env = dict(SETTINGS[name])
            if args.library == "pytorch":
                env["OMP_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"]
            results[name].append(harness.run_worker(
                CNN, args.library, ["--steps", args.steps, "--warmup", 5], env=env))
    print(f"bench CNN step, {args.library}, median of {args.rounds} rounds x {args.steps} "
          f"steps; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print("| setting | wall ms/step | CPU ms/step |\n|---|---:|---:|")
    for name, runs in results.items():
        wall = statistics.median(r["seconds_per_step"] for r in runs) * 1e3
        cpu = statistics.median(r["cpu_seconds_per_step"] for r in runs) * 1e3
        print(f"| {name} | {wall:.1f} | {cpu:.1f} |")
    return results


if __name__ == "__main__":
    main()

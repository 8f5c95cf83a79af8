"""Who uses the two cores: the bench CNN's training step (bench/cnn.py, numba backend)
under each thread plan, in one process, alternating short blocks of steps.

Plans (see nnforge.threads):
  serial kernels     the kernels on the calling thread, OpenBLAS with its own threads
                     (its workers spin for a while after each product);
  side by side       the kernels on numba's threads and OpenBLAS on its own threads: two
                     pools whose idle workers compete for the same cores;
  kernels own cores  nnforge.threads' plan: the kernels on numba's threads, OpenBLAS on
                     one thread, the convolutions' batched products split over threads;
  one thread         everything on the calling thread.

Blocks of `--steps` steps run in turn, `--rounds` times, so that a change in the machine's
load hits every plan alike; reported: the fastest block and the median block, wall ms
per step, and the process's CPU ms per step (all threads) of the median block.

    .venv/bin/python bench/threads.py [--rounds 15] [--steps 5]
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnn  # noqa: E402


def plans():
    """name -> a function that puts the process into that plan."""
    from threadpoolctl import threadpool_limits

    from nnforge import threads
    blas = max(1, os.cpu_count() or 1)

    def serial():
        threads.disable()
        threadpool_limits(blas, user_api="blas")

    def side_by_side():
        threads.disable()
        threadpool_limits(blas, user_api="blas")
        threads.enable()
        threads._pool.shutdown()            # products unsplit, on OpenBLAS's threads
        threads._pool = None
        threadpool_limits(blas, user_api="blas")

    def own():
        threads.disable()
        threadpool_limits(blas, user_api="blas")
        threads.enable()

    def one():
        threads.disable()
        threadpool_limits(1, user_api="blas")

    return {"serial kernels": serial, "side by side": side_by_side,
            "kernels own cores": own, "one thread": one}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--only", nargs="+", help="plans to run (default: all)")
    args = parser.parse_args(argv)
    import numpy as np

    import nnforge
    import nnforge.perf
    nnforge.set_backend("numba")
    nnforge.perf.enable(kernel_threads=False)
    rng = np.random.default_rng(0)
    X, y, _ = cnn.load_data(rng)
    state, _ = cnn.build(seed=0, torch_model=False)
    batches = cnn.make_batches(X, y, rng, args.steps, args.batch_size)
    chosen = {name: setup for name, setup in plans().items()
              if not args.only or name in args.only}
    for setup in chosen.values():               # compile every variant first
        setup()
        cnn.nnforge_steps(batches[:2], state)
    wall = {name: [] for name in chosen}
    cpu = {name: [] for name in chosen}
    load = os.getloadavg()[0]
    for r in range(args.rounds):
        order = list(chosen) if r % 2 == 0 else list(chosen)[::-1]
        for name in order:
            chosen[name]()
            cnn.nnforge_steps(batches[:1], state)
            start, process = time.perf_counter(), time.process_time()
            cnn.nnforge_steps(batches, state)
            wall[name].append((time.perf_counter() - start) / args.steps * 1e3)
            cpu[name].append((time.process_time() - process) / args.steps * 1e3)
    print(f"bench CNN step (numba backend), {args.rounds} blocks x {args.steps} steps per "
          f"plan, alternating; load average {load:.2f} at the start, "
          f"{os.getloadavg()[0]:.2f} at the end, on {os.cpu_count()} CPUs")
    print("| plan | fastest block ms/step | median block ms/step | CPU ms/step (median) |")
    print("|---|---:|---:|---:|")
    for name in chosen:
        print(f"| {name} | {min(wall[name]):.1f} | {statistics.median(wall[name]):.1f} | "
              f"{statistics.median(cpu[name]):.1f} |")
    return wall


if __name__ == "__main__":
    main()

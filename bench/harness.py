"""What the speed benchmarks share: each library in its own process, the machine's GEMM
peak, and the report.

Why separate processes: in one process OpenBLAS's and OpenMP's spinning worker threads
steal the other library's cores, and process-wide settings of one library (malloc
thresholds, flush-to-zero) change the other's speed. So every measurement is a fresh
`python bench/<script>.py --worker LIBRARY ...` that prints one JSON line; the parent
alternates which library goes first in each round and reports the medians.

Each library runs as its users run it: nnforge with `nnforge.perf.enable()` (what
`nnforge train` and `Trainer.fit` switch on) and its default backend, PyTorch with its
defaults; both with their default thread counts unless `--threads` pins them.

The GEMM peak is float32 matrix multiplication through NumPy's BLAS at its default thread
count, best of several 2048^3 products, measured in its own process too.
"""
import json
import os
import statistics
import subprocess
import sys
import time

GEMM_PEAK_CODE = """
import json, time, numpy as np
n = 2048
a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
b = a.T.copy()
c = np.empty_like(a)
np.matmul(a, b, out=c)
best = float("inf")
for _ in range(7):
    start = time.perf_counter()
    np.matmul(a, b, out=c)
    best = min(best, time.perf_counter() - start)
print(json.dumps({"gflops": 2 * n ** 3 / best / 1e9}))
"""


def _environment(threads):
    env = dict(os.environ)
    if threads:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                     "NUMBA_NUM_THREADS"):
            env[name] = str(threads)
    return env


def _last_json(stdout, what):
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"{what} printed no JSON result; its output was:\n{stdout}")


def fastest_cpu_ms(fn, repeats=15):
    """CPU milliseconds of the fastest of `repeats` calls of `fn` (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return 1e3 * best


def gemm_peak(threads=None):
    """GFLOP/s of float32 GEMM through NumPy's BLAS on this machine (own process)."""
    done = subprocess.run([sys.executable, "-c", GEMM_PEAK_CODE], capture_output=True,
                          text=True, env=_environment(threads), check=True)
    return _last_json(done.stdout, "the GEMM peak probe")["gflops"]


def run_worker(script, library, worker_args, threads=None, env=None):
    """Run `script --worker library worker_args` in a fresh process (with `env` added to
    the environment); its JSON result."""
    command = [sys.executable, script, "--worker", library, *map(str, worker_args)]
    if threads:
        command += ["--threads", str(threads)]
    done = subprocess.run(command, capture_output=True, text=True,
                          env=dict(_environment(threads), **(env or {})))
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return _last_json(done.stdout, " ".join(command))


def alternate(script, libraries, rounds, worker_args, threads=None, log=sys.stderr):
    """Run every library once per round, alternating which goes first; returns
    {library: [result, ...]}."""
    results = {name: [] for name in libraries}
    for r in range(rounds):
        order = list(libraries) if r % 2 == 0 else list(reversed(libraries))
        for name in order:
            result = run_worker(script, name, worker_args, threads)
            results[name].append(result)
            print(f"  round {r + 1}/{rounds} {name}: {result['seconds_per_step'] * 1e3:.2f} "
                  f"ms/step", file=log, flush=True)
    return results


def set_threads(threads):
    """In a worker: pin NumPy's BLAS and torch to `threads` when given (else defaults)."""
    if not threads:
        return
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads)
    except ImportError:
        pass
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def report(title, results, flops_per_step, peak, reference="pytorch"):
    """Markdown table: ms/step (median), ratio to `reference`, GFLOP/s, share of peak, and
    the median CPU time per step of all the process's threads (on a loaded machine the
    wall times drift; with one thread the CPU time is the steadier figure)."""
    medians = {name: statistics.median(r["seconds_per_step"] for r in runs)
               for name, runs in results.items()}
    lines = [title, "",
             f"GEMM peak (float32, NumPy's BLAS): {peak:.1f} GFLOP/s; "
             f"{flops_per_step / 1e9:.3f} GFLOP per step",
             "", "| library | ms/step (median) | all rounds | ratio to PyTorch | GFLOP/s "
             "| share of GEMM peak | CPU ms/step |", "|---|---:|---|---:|---:|---:|---:|"]
    for name, seconds in medians.items():
        rate = flops_per_step / seconds / 1e9
        rounds = ", ".join(f"{r['seconds_per_step'] * 1e3:.1f}" for r in results[name])
        label = results[name][0].get("label", name)
        cpu = statistics.median(r.get("cpu_seconds_per_step", float("nan"))
                                for r in results[name])
        lines.append(f"| {label} | {seconds * 1e3:.2f} | {rounds} | "
                     f"{seconds / medians[reference]:.2f} | {rate:.1f} | "
                     f"{100 * rate / peak:.0f} % | {cpu * 1e3:.1f} |")
    return "\n".join(lines)

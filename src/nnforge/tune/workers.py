"""Worker processes: W processes on one machine (or the same command on many machines)
pop the study's waiting trials until none is left.

A worker loop is: mark trials of dead workers failed (and re-enqueue them), pop one
WAITING trial atomically (the storage refuses a second pop), stamp it with host, pid and a
heartbeat, run the objective while a thread refreshes the heartbeat, and tell the study
the outcome (COMPLETE, PRUNED, or FAIL with the error recorded). Finished trials are in
the storage the moment they are told, so killing a worker loses only its running trial.
"""
from __future__ import annotations

import multiprocessing
import os
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional, Union

from .study import fail_stale_trials, open_storage

if TYPE_CHECKING:
    from optuna.pruners import BasePruner
    from optuna.samplers import BaseSampler
    from optuna.storages import BaseStorage
    from optuna.study import Study
    from optuna.trial import Trial

#: what a trial runs: the objective, given the trial, returns the value (or raises)
Objective = Callable[["Trial"], Optional[float]]

__all__ = ["pop_waiting_trial", "run_worker", "run_workers"]


def pop_waiting_trial(study: Study) -> Optional[int]:
    """The id of a WAITING trial this process now owns (state set to RUNNING), or None.

    Uses only the public storage API: `set_trial_state_values(id, RUNNING)` returns False
    (or raises UpdateFinishedTrialError) when another worker popped the trial first."""
    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.trial import TrialState
    storage = study._storage
    for trial in study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
        try:
            if storage.set_trial_state_values(trial._trial_id, TrialState.RUNNING):
                return trial._trial_id
        except UpdateFinishedTrialError:
            continue
    return None


class _Heartbeat:
    """Refreshes the trial's "heartbeat" user attr every `interval` seconds in a thread,
    so workers on other hosts can tell a slow trial from a dead worker."""

    def __init__(self, study: Study, trial_id: int, interval: float) -> None:
        self.study, self.trial_id, self.interval = study, trial_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.study._storage.set_trial_user_attr(self.trial_id, "heartbeat", time.time())
            except Exception:              # the trial finished meanwhile: nothing to do
                return

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _run_one(study: Study, trial_id: int, objective: Objective, worker: int,
             heartbeat_interval: float) -> str:
    import optuna
    from optuna.trial import TrialState
    trial = optuna.trial.Trial(study, trial_id)
    trial.set_user_attr("host", socket.gethostname())
    trial.set_user_attr("pid", os.getpid())
    trial.set_user_attr("worker", worker)
    trial.set_user_attr("heartbeat", time.time())
    with _Heartbeat(study, trial_id, heartbeat_interval):
        try:
            value = objective(trial)
        except optuna.TrialPruned:
            study.tell(trial, state=TrialState.PRUNED)
            return "pruned"
        except Exception as error:         # one bad trial must not end the study
            trial.set_user_attr("error", f"{type(error).__name__}: {error}")
            trial.set_user_attr("traceback", traceback.format_exc()[-4000:])
            study.tell(trial, state=TrialState.FAIL)
            return "failed"
    if value is None or not isinstance(value, (int, float)) or value != value:
        trial.set_user_attr("error", f"objective returned {value!r}, not a number")
        study.tell(trial, state=TrialState.FAIL)
        return "failed"
    study.tell(trial, float(value))
    return "complete"


def run_worker(storage: Union[str, os.PathLike[str], BaseStorage], study_name: str,
               objective: Objective, sampler: Optional[BaseSampler] = None,
               pruner: Optional[BasePruner] = None, worker: int = 0,
               heartbeat_interval: float = 10.0, grace_period: float = 120.0,
               threads: Optional[int] = None) -> dict[str, int]:
    """Run waiting trials of a study until none is left; returns {status: count}.

    `storage` is a URL/path (opened here, so the process owns its connections) or an
    Optuna storage object. `threads` limits BLAS threads (one worker per core)."""
    import optuna
    if isinstance(storage, (str, os.PathLike)):
        storage = open_storage(storage)
    study = optuna.load_study(study_name=study_name, storage=storage, sampler=sampler,
                              pruner=pruner)
    limiter = _limit_threads(threads)
    counts = {"complete": 0, "pruned": 0, "failed": 0}
    try:
        while True:
            fail_stale_trials(study, grace_period=grace_period)
            trial_id = pop_waiting_trial(study)
            if trial_id is None:
                break
            counts[_run_one(study, trial_id, objective, worker, heartbeat_interval)] += 1
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
    return counts


def _limit_threads(threads: Optional[int]) -> Any:
    if not threads:
        return None
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=int(threads))


def _child(storage_url: str, study_name: str, objective: Objective,
           sampler: Optional[BaseSampler], pruner: Optional[BasePruner], worker: int,
           options: dict[str, Any]) -> None:
    if worker > 0 and sampler is not None:
        # Forked children inherit the parent's generator state: without a reseed, TPE's
        # start-up draws would repeat in every worker. (nnforge's own samplers draw from
        # (seed, trial number) and ignore this.)
        sampler.reseed_rng()
    try:
        run_worker(storage_url, study_name, objective, sampler, pruner, worker, **options)
    except KeyboardInterrupt:
        sys.exit(130)


def run_workers(storage_url: str, study_name: str, objective: Objective, n_workers: int = 1,
                sampler: Optional[BaseSampler] = None, pruner: Optional[BasePruner] = None,
                heartbeat_interval: float = 10.0, grace_period: float = 120.0
                ) -> Union[dict[str, int], list[Optional[int]]]:
    """Run `n_workers` worker processes (forked, so the objective may be any callable) on
    the study and wait for them; one worker runs in this process. Returns the list of
    exit codes (0 = finished normally) or, for one worker, its counts."""
    options: dict[str, Any] = {"heartbeat_interval": heartbeat_interval,
                               "grace_period": grace_period}
    if n_workers < 1:
        raise ValueError(f"tune: --workers must be >= 1, got {n_workers}")
    if n_workers == 1:
        return run_worker(storage_url, study_name, objective, sampler, pruner, 0, **options)
    cores = os.cpu_count() or 1
    options["threads"] = max(1, cores // n_workers)
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_child, name=f"nnforge-tune-{i}",
                                 args=(storage_url, study_name, objective, sampler, pruner,
                                       i, options))
                 for i in range(n_workers)]
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.join()
    except KeyboardInterrupt:
        for process in processes:
            process.terminate()
        for process in processes:
            process.join()
        raise
    return [process.exitcode for process in processes]

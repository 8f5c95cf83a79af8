"""Studies and where they live: storage URLs, creating a study before any worker starts,
topping it up with trials to run, and finding trials whose worker died.

Storage URLs:
- a file path (default `runs/tune/<study>.journal`, also `journal:PATH`): Optuna's
  journal file, shared by the worker processes of one machine;
- `sqlite:///file.db`, `postgresql+psycopg://user:pass@host:port/db`: Optuna's RDB
  storage; PostgreSQL is what several machines share (run the same command on each).

Every trial to run is created up front as a WAITING trial (fixed values for grid and
one-factor sweeps, empty for sampled strategies) by whichever process creates the study.
Workers pop waiting trials atomically, so N planned trials are run exactly once each
however many workers or machines take part, and a study interrupted half-way resumes by
popping what is left. A RUNNING trial whose worker died (same host: its pid is gone;
another host: no heartbeat for `grace_period` seconds) is marked FAIL and replaced by a
new waiting trial with the same fixed values.
"""
from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Optional

if TYPE_CHECKING:
    from optuna.pruners import BasePruner
    from optuna.samplers import BaseSampler
    from optuna.storages import BaseStorage
    from optuna.study import Study

__all__ = ["StorageError", "create_or_load_study", "default_storage", "fail_stale_trials",
           "open_storage", "redact", "top_up"]

PLANNED = "nnforge_planned"      # user attr on enqueued trials: their index in the plan
LOCK_GRACE = 10                   # seconds before a journal lock of a dead worker is broken


Direction = Literal["minimize", "maximize"]


class StorageError(RuntimeError):
    """A study storage that cannot be opened or reached."""


def redact(url: object) -> str:
    """The URL with any password replaced by ***, for messages and reports."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", str(url))


def default_storage(study_name: str, root: str = "runs/tune") -> str:
    """The journal file one machine's workers share: `runs/tune/<study>.journal`."""
    return os.path.join(root, f"{study_name}.journal")


def open_storage(url: str | os.PathLike[str]) -> BaseStorage:
    """An Optuna storage for `url`, or one StorageError line saying why it cannot be used."""
    import optuna
    url = os.fspath(url)
    if "://" not in url:
        path = url[len("journal:"):] if url.startswith("journal:") else url
        directory = os.path.dirname(os.path.abspath(path))
        try:
            os.makedirs(directory, exist_ok=True)
            from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock
            # A worker killed while it holds the file lock leaves the lock file behind;
            # the others break it after LOCK_GRACE seconds (a write holds it for ~1 ms).
            return optuna.storages.JournalStorage(
                JournalFileBackend(path, lock_obj=JournalFileOpenLock(path, LOCK_GRACE)))
        except OSError as error:
            raise StorageError(f"cannot open journal storage {path}: {error.strerror or error}") \
                from None
    scheme = url.split("://", 1)[0]
    if not (scheme.startswith("sqlite") or scheme.startswith("postgresql")
            or scheme.startswith("mysql")):
        raise StorageError(f"unsupported storage URL {redact(url)}: expected a journal file "
                           "path, sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DB")
    engine_kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if scheme.startswith("postgresql"):
        engine_kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        import sqlalchemy.exc
        return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs,
                                          skip_compatibility_check=False)
    except ImportError as error:
        raise StorageError(f"storage {redact(url)} needs {error.name}; install it with "
                           "`pip install nnforge[tune]`") from None
    except sqlalchemy.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise StorageError(f"cannot reach storage {redact(url)}: {reason}") from None


def create_or_load_study(storage: BaseStorage, study_name: str, direction: Direction,
                         sampler: Optional[BaseSampler], pruner: Optional[BasePruner],
                         attrs: Optional[Mapping[str, Any]] = None) -> tuple[Study, bool]:
    """Create the study (recording `attrs` as study user attrs) or load it when it exists.

    Returns (study, created). Creation is atomic in the storage: when two processes race,
    one creates and the other loads."""
    import optuna
    try:
        study = optuna.create_study(storage=storage, study_name=study_name,
                                    direction=direction, sampler=sampler, pruner=pruner)
        created = True
    except optuna.exceptions.DuplicatedStudyError:
        study = optuna.load_study(storage=storage, study_name=study_name, sampler=sampler,
                                  pruner=pruner)
        created = False
        wanted = direction.lower()
        if study.direction.name.lower() != wanted:
            raise ValueError(f"study {study_name!r} exists with direction "
                             f"{study.direction.name.lower()}, not {wanted}") from None
    if created:
        for key, value in (attrs or {}).items():
            study.set_user_attr(key, json.loads(json.dumps(value, default=str)))
    return study, created


def top_up(study: Study, n_trials: Optional[int],
           planned: Optional[Sequence[dict[str, Any]]] = None) -> int:
    """Enqueue waiting trials until the study holds `n_trials` trials that are waiting,
    running, complete or pruned (failed trials do not count: they are re-run).

    `planned` (grid / one-factor points) caps the study at the plan: points already
    enqueued (by index) are skipped, the rest are enqueued in order."""
    from optuna.trial import TrialState
    live = (TrialState.WAITING, TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED)
    trials = study.get_trials(deepcopy=False, states=live)
    if planned is not None:
        done = {t.user_attrs.get(PLANNED) for t in trials}
        added = 0
        for index, point in enumerate(planned):
            if index not in done and (n_trials is None or len(trials) + added < n_trials):
                study.enqueue_trial(point, user_attrs={PLANNED: index},
                                    skip_if_exists=False)
                added += 1
        return added
    if n_trials is None:
        raise ValueError("top_up: n_trials is needed for a study without a plan")
    missing = max(0, int(n_trials) - len(trials))
    for _ in range(missing):
        study.enqueue_trial({}, skip_if_exists=False)
    return missing


def _pid_alive(pid: Any) -> bool:
    """True when process `pid` of this host runs (a zombie, killed but not yet reaped by
    its parent, counts as dead)."""
    try:
        os.kill(int(pid), 0)                   # `pid` is a user attr: any JSON value
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, TypeError):
        return True
    try:
        with open(f"/proc/{int(pid)}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return True


def fail_stale_trials(study: Study, grace_period: float = 120.0, now: Optional[float] = None
                      ) -> list[int]:
    """Mark RUNNING trials whose worker died as FAIL and enqueue a replacement for each.

    A trial is stale when its worker ran on this host and its pid no longer exists, or
    when its last heartbeat (user attr, refreshed by the worker) is older than
    `grace_period` seconds. Only the process whose state change succeeds re-enqueues, so
    racing workers never duplicate a trial. Returns the numbers of the failed trials."""
    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.trial import TrialState
    now = time.time() if now is None else now
    host = socket.gethostname()
    failed: list[int] = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        attrs = trial.user_attrs
        if "pid" not in attrs:        # popped but not stamped: starting, or died right then
            started = trial.datetime_start.timestamp() if trial.datetime_start else now
            stale = now - started > grace_period
        elif attrs.get("host") == host:
            stale = not _pid_alive(attrs["pid"])
        else:
            stale = now - float(attrs.get("heartbeat", now)) > grace_period
        if not stale:
            continue
        storage = study._storage
        try:
            storage.set_trial_user_attr(trial._trial_id, "fail_reason",
                                        f"worker {attrs.get('host')}:{attrs.get('pid')} died")
            changed = storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        except UpdateFinishedTrialError:
            continue
        if not changed:
            continue
        fixed = trial.system_attrs.get("fixed_params", {})
        user = {k: v for k, v in attrs.items() if k == PLANNED}
        user["retry_of"] = trial.number
        study.enqueue_trial(fixed, user_attrs=user, skip_if_exists=False)
        failed.append(trial.number)
    return failed

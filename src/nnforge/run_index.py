"""The SQLite index of a runs folder, `root/runs.db`: one row per run (id, name, path,
config hash, seed, nnforge version, git commit, start/end, status, final metrics as JSON,
host, pid, reason).

Several processes (tuning workers) write the index at once: the database runs in WAL mode
with a busy timeout and every write is one short transaction. A "running" row whose
process is gone from this host reads as "lost".
"""
from __future__ import annotations

import datetime
import json
import os
import socket
import sqlite3
from collections.abc import Sequence
from typing import Any

__all__ = ["RunIndex", "RunIndexError", "STATUSES", "INDEX_NAME", "now", "json_number"]

INDEX_NAME = "runs.db"
STATUSES = ("running", "finished", "diverged", "interrupted", "failed", "lost")
_COLUMNS = ("id", "name", "path", "config_hash", "seed", "nnforge_version", "git_commit",
            "started", "ended", "status", "metrics", "host", "pid", "reason")
_SCHEMA = """CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, name TEXT, path TEXT, config_hash TEXT, seed INTEGER,
    nnforge_version TEXT, git_commit TEXT, started TEXT, ended TEXT, status TEXT,
    metrics TEXT, host TEXT, pid INTEGER, reason TEXT)"""
# missing from older indexes
_ADDED_COLUMNS = {"host": "TEXT", "pid": "INTEGER", "reason": "TEXT"}


class RunIndexError(RuntimeError):
    """The run index cannot be used (corrupt, locked, unwritable); one line naming it and
    what to do."""


def now() -> str:
    """The current UTC time as ISO text, to the second."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class RunIndex:
    """The SQLite index `root/runs.db` (created on first use).

    Examples
    --------
    >>> import tempfile
    >>> index = RunIndex(tempfile.mkdtemp())
    >>> index.upsert(id="mlp-1", name="mlp", status="running")
    >>> index.upsert(id="mlp-1", status="finished", metrics={"test_loss": 0.25})
    >>> row = index.get("mlp-1")
    >>> row["status"], row["metrics"], [r["id"] for r in index.rows()]
    ('finished', {'test_loss': 0.25}, ['mlp-1'])
    """

    def __init__(self, root: str | os.PathLike[str], timeout: float = 30.0) -> None:
        self.root = os.fspath(root)
        self.path = os.path.join(self.root, INDEX_NAME)
        self.timeout = float(timeout)

    def _connect(self, create: bool = True) -> sqlite3.Connection:
        if not create and not os.path.exists(self.path):
            raise FileNotFoundError(f"{self.path}: no run index here (train a run into "
                                    f"{self.root}/ first, or pass --root)")
        os.makedirs(self.root, exist_ok=True)
        if os.path.isdir(self.path):
            raise RunIndexError(f"{self.path}: is a folder, but the run index must be a file; "
                                "move the folder away")
        try:
            return self._open()
        except sqlite3.Error as exc:
            raise _index_error(self.path, exc) from None

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(_SCHEMA)
        present = {r["name"] for r in conn.execute("PRAGMA table_info(runs)")}
        for name, kind in _ADDED_COLUMNS.items():
            if name not in present:
                conn.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")
        return conn

    def upsert(self, **fields: Any) -> None:
        """Insert the run `fields["id"]` or update the given fields of its row."""
        unknown = sorted(set(fields) - set(_COLUMNS))
        if unknown or "id" not in fields:
            raise ValueError(f"RunIndex.upsert: expected an id and columns from {_COLUMNS}, "
                             f"got {sorted(fields)}")
        if isinstance(fields.get("metrics"), dict):
            fields["metrics"] = json.dumps(fields["metrics"], default=json_number)
        names = list(fields)
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != "id")
        sql = (f"INSERT INTO runs ({', '.join(names)}) VALUES "
               f"({', '.join('?' for _ in names)}) ON CONFLICT(id) DO UPDATE SET {updates}")
        self._write([(sql, [fields[n] for n in names])])

    def _write(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Run `statements` [(sql, parameters)] in one short write transaction."""
        conn = self._connect()
        try:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                for sql, parameters in statements:
                    conn.execute(sql, parameters)
        except sqlite3.Error as exc:
            raise _index_error(self.path, exc) from None
        finally:
            conn.close()

    def _read(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        conn = self._connect(create=False)
        try:
            return conn.execute(sql, parameters).fetchall()
        except sqlite3.Error as exc:
            raise _index_error(self.path, exc) from None
        finally:
            conn.close()

    def rename(self, old_id: str, new_id: str, path: str) -> None:
        """Give run `old_id`'s row the id `new_id` and folder `path`, replacing any row
        `new_id` had (a run built beside the one it replaces, then swapped in)."""
        self._write([("DELETE FROM runs WHERE id = ?", [new_id]),
                     ("UPDATE runs SET id = ?, path = ? WHERE id = ?",
                      [new_id, os.path.abspath(path), old_id])])

    def rows(self) -> list[dict[str, Any]]:
        """Every run as a dict (metrics decoded), oldest first."""
        found = self._read("SELECT * FROM runs ORDER BY started, id")
        return [_row(r) for r in found]

    def get(self, run_id: str) -> dict[str, Any]:
        """The row of run `run_id` (metrics decoded); KeyError naming the known ids."""
        found = self._read("SELECT * FROM runs WHERE id = ?", (run_id,))
        if not found:
            known = [r["id"] for r in self.rows()]
            raise KeyError(f"{self.path}: no run {run_id!r} (known: "
                           f"{', '.join(known[-10:]) or 'none'})")
        return _row(found[0])


def _index_error(path: str, exc: Exception) -> RunIndexError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        hint = "another process holds it; wait for it to finish and retry"
    elif "readonly" in text or "read-only" in text or "unable to open" in text:
        hint = "make the folder and the file writable, or pass another --out/--root"
    elif "disk" in text and "full" in text:
        hint = "free some disk space and retry"
    else:
        hint = ("move it aside (it is re-created empty on the next run) or restore it "
                "from a backup")
    return RunIndexError(f"{path}: the run index cannot be used ({text}); {hint}")


def _row(record: sqlite3.Row) -> dict[str, Any]:
    row = dict(record)
    row["metrics"] = json.loads(row["metrics"]) if row.get("metrics") else {}
    if row["status"] == "running" and row.get("host") == socket.gethostname() \
            and row.get("pid") and not _process_alive(row["pid"]):
        row["status"] = "lost"
    return row


def _process_alive(pid: int) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:                        # alive, but another user's
        return True
    return True


def json_number(value: object) -> object:
    """A NumPy scalar as the plain number JSON can hold (the `default` of json.dumps)."""
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")

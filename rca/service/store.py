"""SQLite persistence of the service (WAL mode, one file) and the group-commit writer.

An ingest request is validated, then its body is appended to ``batches`` as it came (one row
per request, so the ingest path writes little); it is acknowledged only after the transaction
holding it has committed. The scorer moves batches into ``logs``/``metrics`` (one transaction
per chunk, with its cursor) before scoring them. Everything the scorer derives (scores,
signatures, incidents, its own state) is written idempotently, so re-scoring after a crash
converges to the same tables.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Iterable

from rca.paths import create_private

SCHEMA = """
CREATE TABLE IF NOT EXISTS logs(
  id INTEGER PRIMARY KEY, received REAL NOT NULL, ts REAL NOT NULL, service TEXT NOT NULL,
  level TEXT, message TEXT NOT NULL, attrs TEXT, host TEXT);
CREATE TABLE IF NOT EXISTS metrics(
  id INTEGER PRIMARY KEY, received REAL NOT NULL, ts REAL NOT NULL, series TEXT NOT NULL,
  service TEXT NOT NULL, value REAL NOT NULL);
CREATE TABLE IF NOT EXISTS batches(
  id INTEGER PRIMARY KEY, received REAL NOT NULL, kind TEXT NOT NULL, ctype TEXT NOT NULL,
  service TEXT NOT NULL, n INTEGER NOT NULL, body BLOB NOT NULL, idem TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS batches_idem ON batches(idem) WHERE idem IS NOT NULL;
CREATE TABLE IF NOT EXISTS kv(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scores(
  service TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, ts REAL NOT NULL,
  score REAL NOT NULL, alarm INTEGER NOT NULL DEFAULT 0, value REAL,
  PRIMARY KEY(service, kind, name, ts)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS scores_ts ON scores(ts);
CREATE TABLE IF NOT EXISTS signatures(
  service TEXT NOT NULL, template_id TEXT NOT NULL, template TEXT NOT NULL, level TEXT,
  count INTEGER NOT NULL, first_seen REAL, last_seen REAL,
  PRIMARY KEY(service, template_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS services(
  service TEXT PRIMARY KEY, last_seen REAL, last_event REAL, logs INTEGER DEFAULT 0,
  errors INTEGER DEFAULT 0, samples INTEGER DEFAULT 0) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS incidents(
  id TEXT PRIMARY KEY, status TEXT NOT NULL, start REAL, end REAL, updated REAL,
  services TEXT, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback(
  id INTEGER PRIMARY KEY, incident_id TEXT NOT NULL, fix_id TEXT, resolved INTEGER,
  note TEXT, created REAL NOT NULL);
"""


#: How often (seconds) the writer deletes raw data older than the retention period.
PRUNE_EVERY = 300.0
#: Rows deleted per table and pass (keeps each pruning transaction short).
PRUNE_ROWS = 20_000


def connect(path: Path | str, durable: str = "FULL", readonly: bool = False) -> sqlite3.Connection:
    """Open the database in WAL mode (creating it and its schema unless ``readonly``). A new
    database file is created with mode 0600 (it holds raw log messages, which can hold
    secrets); SQLite gives its -wal and -shm files the same mode."""
    path = Path(path)
    if not readonly:
        path.parent.mkdir(parents=True, exist_ok=True)
        create_private(path)
    con = sqlite3.connect(str(path), timeout=30.0, check_same_thread=False,
                          isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(f"PRAGMA synchronous={durable.upper()}")
    con.execute("PRAGMA busy_timeout=30000")
    if not readonly:
        _migrate(con)
        con.executescript(SCHEMA)
    return con


def _migrate(con: sqlite3.Connection) -> None:
    """Columns added since a database was created (``logs.host``, ``batches.idem``)."""
    for table, column in (("logs", "host"), ("batches", "idem")):
        cols = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
        if cols and column not in cols:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")


def prune(con: sqlite3.Connection, older_than: float, limit: int = PRUNE_ROWS) -> int:
    """Delete raw batches, logs and metrics received before ``older_than`` (epoch seconds),
    at most ``limit`` rows per table; returns the number of rows deleted."""
    deleted = 0
    for table in ("batches", "logs", "metrics"):
        cur = con.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} "  # noqa: S608
                          "WHERE received < ? ORDER BY id LIMIT ?)", (older_than, limit))
        deleted += cur.rowcount
    return deleted


class QueueFull(Exception):
    """The bounded write queue has no room for this batch."""


class WriteError(Exception):
    """A batch could not be written; it was not acknowledged."""


class GroupWriter:
    """A thread that appends batches of ingested rows in shared transactions (group commit).

    ``submit`` reserves room in a bounded budget of pending events (raising :class:`QueueFull`
    when there is none), and returns a future resolved once the rows are committed.
    """

    def __init__(self, path: Path, durable: str, max_pending: int, max_batch: int,
                 retention_days: float = 7.0):
        self.retention = float(retention_days) * 86400.0
        self._pruned = float("-inf")
        self.path = Path(path)
        self.durable = durable
        self.max_pending = int(max_pending)
        self.max_batch = int(max_batch)
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.written = {"logs": 0, "metrics": 0}
        self.commits = 0

    @property
    def pending(self) -> int:
        return self._pending

    def start(self) -> None:
        if self._thread is None:
            self._con = connect(self.path, self.durable)
            self._thread = threading.Thread(target=self._run, name="rca-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._q.put(None)
            self._thread.join(timeout=30)
            self._thread = None
            self._con.close()

    def submit(self, kind: str, n: int, received: float, ctype: str, service: str,
               body: bytes, idem: str | None = None) -> Future:
        """Queue one validated request body holding ``n`` events of ``kind``. The future
        resolves to ``(n stored, duplicate)``: a body whose idempotency key ``idem`` was
        stored before is not stored again (``duplicate`` True, ``n`` as first stored)."""
        with self._lock:
            if self._pending + n > self.max_pending and self._pending > 0:
                raise QueueFull()
            self._pending += n
        fut: Future = Future()
        self._q.put(((received, kind, ctype, service, n, body, idem), fut))
        return fut

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            batch = [item]
            size = item[0][4]
            while size < self.max_batch:
                try:
                    nxt = self._q.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._q.put(None)
                    break
                batch.append(nxt)
                size += nxt[0][4]
            self._write(batch)
            if time.monotonic() - self._pruned > PRUNE_EVERY:
                self._prune()

    def _prune(self) -> None:
        """Delete raw data older than the retention period (the writer is the only writer of
        raw tables, so this never competes with an ingest commit)."""
        self._pruned = time.monotonic()
        try:
            self._con.execute("BEGIN IMMEDIATE")
            prune(self._con, time.time() - self.retention)
            self._con.execute("COMMIT")
        except sqlite3.Error:
            try:
                self._con.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _write(self, batch: list) -> None:
        con = self._con
        try:
            con.execute("BEGIN IMMEDIATE")
            results = [self._insert(con, row) for row, _ in batch]
            con.execute("COMMIT")
        except Exception as exc:  # sqlite3.Error, disk full...
            try:
                con.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            for row, fut in batch:
                self._release(row[4])
                fut.set_exception(WriteError(str(exc)))
            return
        self.commits += 1
        for (row, fut), res in zip(batch, results):
            if not res[1]:
                self.written[row[1]] += row[4]
            self._release(row[4])
            fut.set_result(res)

    @staticmethod
    def _insert(con: sqlite3.Connection, row: tuple) -> tuple[int, bool]:
        if row[6] is not None:
            seen = con.execute("SELECT n FROM batches WHERE idem=?", (row[6],)).fetchone()
            if seen is not None:
                return seen[0], True
        con.execute("INSERT INTO batches(received, kind, ctype, service, n, body, idem) "
                    "VALUES(?, ?, ?, ?, ?, ?, ?)", row)
        return row[4], False

    def _release(self, n: int) -> None:
        with self._lock:
            self._pending -= n


class Reader:
    """Read-side queries for the HTTP API (own connection, serialised by a lock)."""

    def __init__(self, path: Path, durable: str = "NORMAL"):
        self.con = connect(path, durable)
        self.lock = threading.Lock()

    def close(self) -> None:
        self.con.close()

    def q(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self.lock:
            cur = self.con.execute(sql, tuple(args))
            cols = [d[0] for d in cur.description] if cur.description else []
            return [dict(zip(cols, row)) for row in cur.fetchall()]

    def one(self, sql: str, args: Iterable[Any] = ()) -> dict | None:
        rows = self.q(sql, args)
        return rows[0] if rows else None

    def kv(self, key: str, default: Any = None) -> Any:
        row = self.one("SELECT value FROM kv WHERE key=?", (key,))
        return json.loads(row["value"]) if row else default

    def execute(self, sql: str, args: Iterable[Any] = ()) -> int:
        with self.lock:
            cur = self.con.execute(sql, tuple(args))
            return cur.lastrowid or 0


def now() -> float:
    return time.time()

"""Acknowledged request bodies (``batches``) -> ``logs``/``metrics`` rows, read by the same
body readers the ingest endpoint validated them with (:func:`rca.api.read_log_body`)."""

from __future__ import annotations

import json
import logging
import sqlite3

from rca import api

log = logging.getLogger("rca.service")
BATCH_KEY = "batch_cursor"
NORMALIZE_ROWS = 5000  # rows moved per call (each chunk commits with its cursor)


def log_rows(body: bytes, ctype: str, service: str, received: float, max_line: int) -> list:
    """``(received, ts, service, level, message, attrs_json, host)`` per record; a record
    without a time gets ``received``."""
    rows = []
    for r in api.read_log_body(body, ctype, service=service or None, max_line=max_line):
        ts = r.timestamp.timestamp() if r.timestamp is not None else received
        attrs = json.dumps(dict(r.attrs), default=str, separators=(",", ":")) if r.attrs else None
        rows.append((received, ts, r.service, r.level, r.message, attrs, r.host))
    return rows


def metric_rows(body: bytes, ctype: str, received: float) -> list:
    """``(received, ts, series, service, value)`` per sample."""
    long = api.read_metric_body(body, ctype, received=received)
    ts = (long["timestamp"].astype("int64") / 1e9).tolist() if len(long) else []
    return [(received, t, s, svc, float(v)) for t, s, svc, v in
            zip(ts, long["series"], long["service"], long["value"])]


def move_batches(con: sqlite3.Connection, max_line: int) -> int:
    """Move stored bodies into rows: each chunk and the batch cursor commit together, so
    every event lands exactly once."""
    moved = 0
    while moved < NORMALIZE_ROWS:
        row = con.execute("SELECT value FROM kv WHERE key=?", (BATCH_KEY,)).fetchone()
        cursor = json.loads(row[0]) if row else 0
        batches = con.execute(
            "SELECT id, received, kind, ctype, service, body FROM batches WHERE id>? "
            "ORDER BY id LIMIT 8", (cursor,)).fetchall()
        if not batches:
            break
        logs, mets, failed = [], [], 0
        for _id, received, kind, ctype, service, body in batches:
            try:
                if kind == "logs":
                    logs += log_rows(body, ctype, service, received, max_line)
                else:
                    mets += metric_rows(body, ctype, received)
            except Exception as exc:  # validated at ingest; never block on one body
                log.error("cannot re-read batch %s: %s", _id, exc)
                failed += 1
        _write(con, logs, mets, batches[-1][0], failed)
        moved += len(logs) + len(mets)
    return moved


def _write(con: sqlite3.Connection, logs: list, mets: list, cursor: int, failed: int) -> None:
    con.execute("BEGIN IMMEDIATE")
    try:
        con.executemany("INSERT INTO logs(received, ts, service, level, message, attrs, host)"
                        " VALUES(?,?,?,?,?,?,?)", logs)
        con.executemany("INSERT INTO metrics(received, ts, series, service, value)"
                        " VALUES(?,?,?,?,?)", mets)
        con.execute("INSERT OR REPLACE INTO kv(key, value) VALUES(?, ?)",
                    (BATCH_KEY, json.dumps(cursor)))
        if failed:
            con.execute("INSERT INTO kv(key, value) VALUES('normalize_failed', ?) "
                        "ON CONFLICT(key) DO UPDATE SET value=value+?", (failed, failed))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


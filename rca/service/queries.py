"""Read-side queries of the HTTP API over :class:`rca.service.store.Reader` (handlers hold no
SQL): incidents, feedback, scores, stored/scored counts, the per-service rows."""

from __future__ import annotations

import json
import time
from typing import Any

from rca.service.store import Reader

STATE_KEY = "scorer_state"
VIEW_KEY = "view"


def incidents(reader: Reader, status: str | None = None, limit: int = 50) -> list[dict]:
    """Incident bodies, newest start first."""
    limit = max(1, min(int(limit), 500))
    if status:
        rows = reader.q("SELECT body FROM incidents WHERE status=? ORDER BY start DESC LIMIT ?",
                        (status, limit))
    else:
        rows = reader.q("SELECT body FROM incidents ORDER BY start DESC LIMIT ?", (limit,))
    return [json.loads(r["body"]) for r in rows]


def open_incidents(reader: Reader) -> int:
    return (reader.one("SELECT count(*) AS n FROM incidents WHERE status='open'") or {}).get(
        "n", 0)


def incident(reader: Reader, incident_id: str) -> dict | None:
    """One incident body with its feedback, None when unknown."""
    row = reader.one("SELECT body FROM incidents WHERE id=?", (incident_id,))
    if row is None:
        return None
    body = json.loads(row["body"])
    body["feedback"] = feedback(reader, incident_id)
    return body


def feedback(reader: Reader, incident_id: str) -> list[dict]:
    return reader.q("SELECT fix_id AS fix, resolved, note, created FROM feedback "
                    "WHERE incident_id=? ORDER BY id", (incident_id,))


def add_feedback(reader: Reader, incident_id: str, fix: str | None, resolved: bool,
                 note: str) -> None:
    reader.execute("INSERT INTO feedback(incident_id, fix_id, resolved, note, created) "
                   "VALUES(?,?,?,?,?)", (incident_id, fix, int(resolved), note, time.time()))


def latest_score_time(reader: Reader) -> float | None:
    return (reader.one("SELECT max(ts) AS m FROM scores") or {}).get("m")


def scores(reader: Reader, since: float, service: str | None = None, kind: str | None = None,
           limit: int = 5000) -> list[dict]:
    """Score rows since ``since`` (epoch s), oldest first, at most ``limit`` (the newest)."""
    sql = "SELECT service, kind, name, ts, score, alarm, value FROM scores WHERE ts>=?"
    args: list[Any] = [since]
    if service:
        sql += " AND service=?"
        args.append(service)
    if kind:
        sql += " AND kind=?"
        args.append(kind)
    sql += " ORDER BY ts DESC LIMIT ?"
    args.append(max(1, min(int(limit), 50_000)))
    rows = reader.q(sql, args)
    rows.reverse()
    return rows


def stored(reader: Reader) -> dict[str, int]:
    out = {"logs": 0, "metrics": 0}
    for r in reader.q("SELECT kind, sum(n) AS n FROM batches GROUP BY kind"):
        out[r["kind"]] = r["n"] or 0
    return out


def scorer_state(reader: Reader) -> dict:
    return reader.kv(STATE_KEY, {}) or {}


def view(reader: Reader) -> dict:
    return reader.kv(VIEW_KEY, {}) or {}


def services(reader: Reader) -> dict[str, dict]:
    return {r["service"]: r for r in reader.q("SELECT * FROM services")}


def recent_errors(reader: Reader, limit: int = 20) -> list[dict]:
    return reader.q(
        "SELECT service, template_id, template, level, count, first_seen, last_seen "
        "FROM signatures WHERE level IN ('ERROR','FATAL') ORDER BY last_seen DESC LIMIT ?",
        (limit,))

"""Learning from resolved incidents: what fixed them, and which past incidents look alike.

The store is one SQLite file (WAL mode) under :func:`rca.paths.data_dir`::

    incidents(id TEXT PRIMARY KEY, signatures TEXT  -- JSON list, services TEXT -- JSON list,
              created TEXT)
    feedback(incident_id TEXT, fix_id TEXT, ts TEXT, PRIMARY KEY (incident_id, fix_id))

``rca analyze`` calls :meth:`FeedbackStore.remember_incident` with each incident's error
signatures; ``rca feedback INCIDENT --fix ID`` calls :meth:`FeedbackStore.record`. Later,
:meth:`FeedbackStore.similar` compares new signatures with those of resolved incidents by
TF-IDF cosine over masked tokens (numbers, hex, IPs, UUIDs and paths replaced).

>>> store = FeedbackStore(":memory:")
>>> store.record("inc-1", "clock-skew", signature="lease renewal failed for lock orders-leader")
>>> [(h.fix_id, h.similarity > 0.5) for h in store.similar(["lease renewal failed for lock carts-leader"])]
[('clock-skew', True)]
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

from rca.errors import InputError
from rca.paths import data_dir

FILE_NAME = "feedback.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS incidents (
    id TEXT PRIMARY KEY, signatures TEXT NOT NULL, services TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (
    incident_id TEXT NOT NULL, fix_id TEXT NOT NULL, ts TEXT NOT NULL,
    PRIMARY KEY (incident_id, fix_id));
"""
_ID = re.compile(r"[A-Za-z0-9][\w.:-]{0,127}\Z")
_MASKS = [  # order matters: the most specific first
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), " <uuid> "),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b"), " <ip> "),
    (re.compile(r"(?:/[\w.-]{1,100}){2,30}/?"), " <path> "),
    (re.compile(r"\b0x[0-9a-f]{1,32}\b|\b[0-9a-f]{12,64}\b", re.I), " <hex> "),
    (re.compile(r"\d{1,40}(?:\.\d{1,40})?"), " <num> "),
]
_TOKEN = re.compile(r"<[a-z]{2,5}>|[a-z][a-z_]{1,40}")


def tokens(text: str) -> list[str]:
    """Masked word tokens of a signature (``<*>`` placeholders and 1-letter words dropped).

    >>> tokens("connect to 10.0.0.5:5432 failed after 3000ms in /var/lib/app")
    ['connect', 'to', '<ip>', 'failed', 'after', '<num>', 'ms', 'in', '<path>']
    """
    text = text[:4096].replace("<*>", " ")
    for pattern, repl in _MASKS:
        text = pattern.sub(repl, text)
    return _TOKEN.findall(text.lower())


def incident_id(start: datetime | str | None, services: Iterable[str],
                signatures: Iterable[str]) -> str:
    """A stable short id for an incident (same inputs, same id): ``inc-`` + 10 hex."""
    key = json.dumps([str(start or ""), sorted(set(services)), sorted(set(signatures))[:50]])
    return "inc-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class FeedbackHit:
    """A fix that resolved a past incident similar to query text ``query_index``."""

    fix_id: str
    similarity: float
    incident_id: str
    query_index: int
    signature: str


class FeedbackStore:
    """Resolved-incident memory in SQLite. ``path=None`` -> ``data_dir()/feedback.sqlite``;
    ``":memory:"`` keeps it in this object only (tests, doctests)."""

    def __init__(self, path: str | Path | None = None):
        self.path = path
        self._memory: sqlite3.Connection | None = None

    @property
    def file(self) -> Path | None:
        if self.path == ":memory:":
            return None
        return Path(self.path) if self.path is not None else data_dir() / FILE_NAME

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if self.file is None:
            if self._memory is None:
                self._memory = sqlite3.connect(":memory:")
                self._memory.executescript(_SCHEMA)
            return self._memory
        file = self.file
        if not file.exists():
            if not create:
                return None
            file.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(file, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise InputError(f"cannot open the feedback store {file}: {exc}") from None
        return conn

    def _close(self, conn: sqlite3.Connection) -> None:
        if conn is not self._memory:
            conn.close()

    # -- writing ---------------------------------------------------------------------------
    def remember_incident(self, incident_id: str, signatures: Sequence[str],
                          services: Sequence[str] = ()) -> None:
        """Store (or extend) an incident's error signatures and services."""
        _check_id(incident_id, "incident id")
        conn = self._connect(create=True)
        try:
            with conn:
                row = conn.execute("SELECT signatures, services FROM incidents WHERE id = ?",
                                   (incident_id,)).fetchone()
                sigs, svcs = (json.loads(row[0]), json.loads(row[1])) if row else ([], [])
                sigs += [s for s in signatures if s and s not in sigs]
                svcs += [s for s in services if s and s not in svcs]
                conn.execute(
                    "INSERT INTO incidents (id, signatures, services, created) VALUES (?,?,?,?) "
                    "ON CONFLICT(id) DO UPDATE SET signatures = excluded.signatures, "
                    "services = excluded.services",
                    (incident_id, json.dumps(sigs[:200]), json.dumps(svcs), _now()))
        finally:
            self._close(conn)

    def record(self, incident_id: str, fix_id: str, signature: str | None = None) -> None:
        """Record that ``fix_id`` resolved ``incident_id``. An incident the store has never
        seen needs ``signature`` (its error text), else :class:`InputError`."""
        _check_id(incident_id, "incident id")
        _check_id(fix_id, "fix id")
        if signature:
            self.remember_incident(incident_id, [signature])
        conn = self._connect(create=True)
        try:
            with conn:
                known = conn.execute("SELECT 1 FROM incidents WHERE id = ?",
                                     (incident_id,)).fetchone()
                if known is None:
                    raise InputError(
                        f"unknown incident {incident_id!r}: run `rca analyze` on it first, or "
                        "give its error text with --signature")
                conn.execute(
                    "INSERT INTO feedback (incident_id, fix_id, ts) VALUES (?,?,?) "
                    "ON CONFLICT(incident_id, fix_id) DO UPDATE SET ts = excluded.ts",
                    (incident_id, fix_id, _now()))
        finally:
            self._close(conn)

    # -- reading ---------------------------------------------------------------------------
    def resolved(self) -> list[tuple[str, list[str], list[str]]]:
        """``[(incident_id, signatures, fix_ids)]`` for every incident with feedback."""
        conn = self._connect(create=False)
        if conn is None:
            return []
        try:
            rows = conn.execute(
                "SELECT i.id, i.signatures, group_concat(f.fix_id, char(10)) FROM incidents i "
                "JOIN feedback f ON f.incident_id = i.id GROUP BY i.id ORDER BY i.id").fetchall()
        finally:
            self._close(conn)
        return [(r[0], json.loads(r[1]), sorted(r[2].split("\n"))) for r in rows]

    def incident(self, incident_id: str) -> dict | None:
        """The stored incident (signatures, services, created, fixes) or None."""
        conn = self._connect(create=False)
        if conn is None:
            return None
        try:
            row = conn.execute("SELECT signatures, services, created FROM incidents WHERE id=?",
                               (incident_id,)).fetchone()
            fixes = [r[0] for r in conn.execute(
                "SELECT fix_id FROM feedback WHERE incident_id=? ORDER BY ts", (incident_id,))]
        finally:
            self._close(conn)
        if row is None:
            return None
        return {"id": incident_id, "signatures": json.loads(row[0]),
                "services": json.loads(row[1]), "created": row[2], "fixes": fixes}

    def similar(self, texts: Sequence[str], limit: int = 5,
                exclude: Iterable[str] = ()) -> list[FeedbackHit]:
        """Fixes of the resolved incidents most similar to ``texts``, best first (one hit
        per fix id). Similarity is the best TF-IDF cosine between a query text and a
        signature of the incident, over masked tokens; idf is smoothed over the stored
        signatures plus the query."""
        excluded = set(exclude)
        resolved = [r for r in self.resolved() if r[0] not in excluded]
        if not resolved or not texts:
            return []
        docs = [(inc, sig, fixes) for inc, sigs, fixes in resolved for sig in sigs]
        stored = [Counter(tokens(sig)) for _, sig, _ in docs]
        queries = [Counter(tokens(t or "")) for t in texts]
        df: Counter = Counter()
        for bag in stored + queries:
            df.update(set(bag))
        n = len(stored) + len(queries)
        idf = {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}
        stored_vecs = [_unit(bag, idf) for bag in stored]
        best: dict[str, FeedbackHit] = {}
        for qi, bag in enumerate(queries):
            q = _unit(bag, idf)
            if not q:
                continue
            for (inc, sig, fixes), vec in zip(docs, stored_vecs):
                sim = sum(w * vec.get(t, 0.0) for t, w in q.items())
                for fix in fixes:
                    kept = best.get(fix)
                    if kept is None or sim > kept.similarity + 1e-12:
                        best[fix] = FeedbackHit(fix, round(min(1.0, sim), 4), inc, qi, sig)
        hits = sorted(best.values(), key=lambda h: (-h.similarity, h.fix_id))
        return [h for h in hits if h.similarity > 0][:limit]


def _unit(bag: Counter, idf: dict[str, float]) -> dict[str, float]:
    vec = {t: (1 + math.log(c)) * idf.get(t, 1.0) for t, c in bag.items()}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


def _check_id(value: str, what: str) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise InputError(f"invalid {what} {value!r}: use letters, digits, '.', ':', '_', '-'")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

"""Learning from resolved incidents: what fixed them, and which past incidents look alike.

The store is one SQLite file (WAL mode) under :func:`rca.paths.data_dir`::

    incidents(id TEXT PRIMARY KEY, signatures TEXT  -- JSON list, services TEXT -- JSON list,
              created TEXT)
    feedback(incident_id TEXT, fix_id TEXT, ts TEXT, PRIMARY KEY (incident_id, fix_id))

``rca analyze`` calls :meth:`FeedbackStore.remember_incident` with each incident's error
signatures; ``rca feedback INCIDENT --fix ID`` calls :meth:`FeedbackStore.record`. Later,
:meth:`FeedbackStore.similar` compares new signatures with those of resolved incidents by
TF-IDF cosine (scikit-learn's ``TfidfVectorizer``) over tokens of the signature masked by the
template masking rules (:mod:`rca.templates.masking`: numbers, ids, addresses, paths -> ``<*>``).

>>> store = FeedbackStore(":memory:")
>>> store.record("inc-1", "clock-skew", signature="lease renewal failed for lock orders-leader")
>>> [(h.fix_id, h.similarity > 0.5) for h in store.similar(["lease renewal failed for lock carts-leader"])]
[('clock-skew', True)]
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

from rca.errors import InputError
from rca.paths import create_private, data_dir

FILE_NAME = "feedback.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS incidents (
    id TEXT PRIMARY KEY, signatures TEXT NOT NULL, services TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (
    incident_id TEXT NOT NULL, fix_id TEXT NOT NULL, ts TEXT NOT NULL,
    PRIMARY KEY (incident_id, fix_id));
"""
_ID = re.compile(r"[A-Za-z0-9][\w.:-]{0,127}\Z")
_TOKEN = re.compile(r"<\*>|[a-z][a-z_]{1,40}")


def tokens(text: str) -> list[str]:
    """Word tokens of a signature masked by the template masking rules (a masked value or a
    template's ``<*>`` is the token ``<*>``; 1-letter words are dropped).

    >>> tokens("connect to 10.0.0.5:5432 failed after 3000ms in /var/lib/app")
    ['connect', 'to', '<*>', 'failed', 'after', '<*>', 'in', '<*>']
    """
    from rca.templates.masking import Masker

    return _TOKEN.findall(Masker.default().mask(text[:4096])[0].lower())


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
            create_private(file)  # 0600: signatures are log text
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
        sims = _cosine([sig for _, sig, _ in docs], [t or "" for t in texts])
        best: dict[str, FeedbackHit] = {}
        for qi, row in enumerate(sims):
            for (inc, sig, fixes), sim in zip(docs, row):
                for fix in fixes:
                    kept = best.get(fix)
                    if kept is None or sim > kept.similarity + 1e-12:
                        best[fix] = FeedbackHit(fix, round(min(1.0, float(sim)), 4), inc, qi, sig)
        hits = sorted(best.values(), key=lambda h: (-h.similarity, h.fix_id))
        return [h for h in hits if h.similarity > 0][:limit]


def _cosine(stored: Sequence[str], queries: Sequence[str]):
    """``(len(queries), len(stored))`` TF-IDF cosines: sublinear tf, idf smoothed over the
    stored signatures plus the queries, rows L2-normalised."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer=tokens, sublinear_tf=True, smooth_idf=True, norm="l2")
    try:
        matrix = vec.fit_transform([*stored, *queries])
    except ValueError:  # no token anywhere
        return [[0.0] * len(stored) for _ in queries]
    return (matrix[len(stored):] @ matrix[:len(stored)].T).toarray()


def _check_id(value: str, what: str) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise InputError(f"invalid {what} {value!r}: use letters, digits, '.', ':', '_', '-'")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

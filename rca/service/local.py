"""The service without HTTP: store and score in-process (``rca watch`` without ``--to``).

Bodies go through the same validation, store and scorer as ``POST /v1/logs``; reads go through
the same queries and views as the HTTP API.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from rca.service import queries
from rca.service.config import ServiceConfig
from rca.service.normalize import log_rows, metric_rows
from rca.service.scorer import Scorer
from rca.service.store import Reader, connect
from rca.service.view import reliability


class LocalMonitor:
    """``logs(service, lines)`` / ``metrics(samples)`` store, ``score()`` scores everything
    stored and returns the latest incidents, ``reliability()`` is ``GET /reliability``."""

    def __init__(self, db: str | Path, **settings):
        settings.setdefault("durable", "NORMAL")
        self.config = ServiceConfig.build(db=str(db), scorer="off", **settings)
        self.con = connect(self.config.db_path, self.config.durable)
        self.scorer = Scorer(self.config).open()
        self.reader = Reader(self.config.db_path)

    def logs(self, service: str, lines: list[str], now: float | None = None) -> int:
        if not lines:
            return 0
        rows = log_rows("\n".join(lines).encode(), "text/plain", service,
                        time.time() if now is None else now, self.config.max_line_bytes)
        with self.con:
            self.con.executemany("INSERT INTO logs(received, ts, service, level, message, attrs,"
                                 " host) VALUES(?,?,?,?,?,?,?)", rows)
        return len(rows)

    def metrics(self, samples: list[dict], now: float | None = None) -> int:
        if not samples:
            return 0
        rows = metric_rows(json.dumps(samples).encode(), "application/json",
                           time.time() if now is None else now)
        with self.con:
            self.con.executemany("INSERT INTO metrics(received, ts, series, service, value)"
                                 " VALUES(?,?,?,?,?)", rows)
        return len(rows)

    def score(self, wall: float | None = None) -> list[dict]:
        """Score everything stored; return the latest incidents (newest first)."""
        while self.scorer.step(wall) > 0:
            pass
        self.scorer.step(wall)  # silences and stale buckets after the last rows
        return queries.incidents(self.reader, limit=5)

    def reliability(self) -> dict:
        return reliability(self.reader, self.config.thresholds, self.scorer.threshold)

    def close(self) -> None:
        self.scorer.close()
        self.reader.close()
        self.con.close()

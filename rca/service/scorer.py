"""The background scorer: moves acknowledged bodies into rows, scores them
(:mod:`rca.service.signals`), groups alarms into incidents and analyses them
(:mod:`rca.service.incidents`).

Each step is one SQLite transaction holding its outputs *and* the scorer's state with its
cursors, so after a crash or SIGKILL scoring resumes exactly where the last step committed.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from datetime import datetime, timezone

from rca import api
from rca.service import normalize
from rca.service.incidents import Incidents, analyse
from rca.service.queries import STATE_KEY, VIEW_KEY
from rca.service.signals import Signals
from rca.service.store import connect
from rca.service.view import service_view

log = logging.getLogger("rca.service")
OWNER_KEY = "scorer_owner"
MAX_ANALYSIS_ROWS = 50_000


class Superseded(Exception):
    """A newer scorer owns the database (fencing); this one must stop."""


class Scorer:
    """Scores what the store holds; ``step()`` once, or ``run(stop)`` until ``stop`` is set."""

    def __init__(self, config):
        self.config = config
        self.con = None

    def open(self) -> "Scorer":
        self.con = connect(self.config.db_path, self.config.durable)
        row = self.con.execute("SELECT value FROM kv WHERE key=?", (STATE_KEY,)).fetchone()
        st = json.loads(row[0]) if row else {}
        for key, default in (("cursor", {"logs": 0, "metrics": 0}),
                             ("scored", {"logs": 0, "metrics": 0}), ("svc", {}),
                             ("series", {}), ("max_ts", None), ("latency", [0.0, 0])):
            st.setdefault(key, default)
        self.state = st
        self.threshold = self.config.alarm_threshold or api.online_detector()[1]
        self.miner = api.template_miner(st.get("miner"))
        model = api.log_window_scorer(self.config.model_dir) if self.config.model_dir else None
        self.signals = Signals(self.config, st, self.miner, self.threshold, model)
        self.incidents = Incidents(self.config, st)
        self.owner = f"{os.getpid()}-{time.time_ns()}"
        self.con.execute("INSERT OR REPLACE INTO kv(key, value) VALUES(?, ?)",
                         (OWNER_KEY, json.dumps(self.owner)))
        return self

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def run(self, stop: threading.Event, idle: float = 0.1) -> None:
        """Step until ``stop`` is set; sleeps ``idle`` seconds when there is nothing to score."""
        if self.con is None:
            self.open()
        try:
            while not stop.is_set():
                try:
                    n = self.step()
                except Superseded:
                    log.warning("scorer superseded by a newer one; stopping")
                    return
                except Exception:  # keep serving; the step rolled back and will be retried
                    log.exception("scoring step failed")
                    n = 0
                    stop.wait(1.0)
                    self.close()
                    self.open()  # back to the last committed state: nothing counted twice
                if n == 0:
                    stop.wait(idle)
        finally:
            self.close()

    def step(self, wall: float | None = None) -> int:
        """Score the next chunk of stored rows; returns how many rows were scored."""
        t0 = time.perf_counter()
        wall = time.time() if wall is None else wall
        cfg, st, con = self.config, self.state, self.con
        normalize.move_batches(con, cfg.max_line_bytes)
        logs = con.execute(
            "SELECT id, ts, service, level, message FROM logs WHERE id>? ORDER BY id LIMIT ?",
            (st["cursor"]["logs"], cfg.score_batch)).fetchall()
        mets = con.execute(
            "SELECT id, ts, series, service, value FROM metrics WHERE id>? ORDER BY id LIMIT ?",
            (st["cursor"]["metrics"], cfg.score_batch)).fetchall()
        sig = self.signals
        sig.reset()
        for _id, ts, service, level, message in logs:
            sig.log(ts, service, level, message, wall)
        sig.metrics(mets, wall)
        sig.close_stale(wall)
        sig.silences(wall)
        changed = self.incidents.add(sig.alarms, st["max_ts"])
        busy = len(logs) >= cfg.score_batch or len(mets) >= cfg.score_batch
        due = self.incidents.due(changed, wall, busy)
        if logs or mets or sig.alarms or due:
            self._commit(logs, mets, due, wall)
        n = len(logs) + len(mets)
        if n:
            st["latency"] = [st["latency"][0] + time.perf_counter() - t0, st["latency"][1] + 1]
        return n

    def _window(self, inc: dict):
        """Log records and metric samples of an incident's analysis window."""
        import pandas as pd

        from rca.types import Record

        lo, hi = self.incidents.window(inc)
        rows = self.con.execute(
            "SELECT id, ts, service, level, message, host FROM logs WHERE id<=? AND ts>=? "
            "AND ts<=? ORDER BY ts, id LIMIT ?",
            (self.state["cursor"]["logs"], lo, hi, MAX_ANALYSIS_ROWS)).fetchall()
        records = [Record(m, datetime.fromtimestamp(t, timezone.utc), s, h, lv, {}, f"{s}.log", i)
                   for i, t, s, lv, m, h in rows]
        mrows = self.con.execute(
            "SELECT ts, series, value FROM metrics WHERE id<=? AND ts>=? AND ts<=? "
            "ORDER BY id LIMIT ?", (self.state["cursor"]["metrics"], lo, hi,
                                    MAX_ANALYSIS_ROWS)).fetchall()
        metrics = None
        if mrows:
            metrics = pd.DataFrame(mrows, columns=["timestamp", "series", "value"])
            metrics["timestamp"] = pd.to_datetime(metrics["timestamp"], unit="s", utc=True)
        return records, metrics

    def _commit(self, logs: list, mets: list, due: list[dict], wall: float) -> None:
        con, st, sig = self.con, self.state, self.signals
        if logs:
            st["cursor"]["logs"] = logs[-1][0]
        if mets:
            st["cursor"]["metrics"] = mets[-1][0]
        edges = sorted(self.incidents.edges)
        bodies = [analyse(inc, *self._window(inc), edges, wall) for inc in due]
        state = dict(sig.to_state(), miner=self.miner.to_json())
        view = service_view(st, self.config.thresholds, sig.warming_up())
        con.execute("BEGIN IMMEDIATE")
        try:
            row = con.execute("SELECT value FROM kv WHERE key=?", (OWNER_KEY,)).fetchone()
            if row is None or json.loads(row[0]) != self.owner:
                raise Superseded("another scorer took over this database")
            con.executemany("INSERT OR REPLACE INTO scores(service, kind, name, ts, score, alarm,"
                            " value) VALUES(?,?,?,?,?,?,?)", sig.scores)
            con.executemany(
                "INSERT INTO signatures(service, template_id, template, level, count, first_seen,"
                " last_seen) VALUES(?,?,?,?,?,?,?) ON CONFLICT(service, template_id) DO UPDATE SET"
                " count=count+excluded.count, template=excluded.template,"
                " first_seen=min(first_seen, excluded.first_seen),"
                " last_seen=max(last_seen, excluded.last_seen)",
                [(k[0], k[1], *v) for k, v in sig.sigs.items()])
            con.executemany(
                "INSERT OR REPLACE INTO services(service, last_seen, last_event, logs, errors,"
                " samples) VALUES(?,?,?,?,?,?)",
                [(n, s["last_seen"], s["last_event"], s["logs"], s["errors"], s["samples"])
                 for n, s in st["svc"].items() if n in sig.touched])
            for b in bodies:
                con.execute("INSERT OR REPLACE INTO incidents(id, status, start, end, updated,"
                            " services, body) VALUES(?,?,?,?,?,?,?)",
                            (b["id"], b["status"], _epoch(b["start"]), _epoch(b["end"]), wall,
                             json.dumps(b["services"]), json.dumps(b, default=str)))
            con.execute("INSERT OR REPLACE INTO kv(key, value) VALUES(?, ?)",
                        (STATE_KEY, json.dumps(state, default=float)))
            con.execute("INSERT OR REPLACE INTO kv(key, value) VALUES(?, ?)",
                        (VIEW_KEY, json.dumps(view, default=float)))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def _epoch(iso_text: str | None) -> float | None:
    return None if iso_text is None else datetime.fromisoformat(
        iso_text.replace("Z", "+00:00")).timestamp()

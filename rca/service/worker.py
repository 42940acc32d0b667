"""The background scorer: reads stored events in id order, mines templates, scores logs and
metrics online, detects silence, groups alarms into incidents and analyses them.

Each step is one SQLite transaction holding its outputs *and* the scorer's state with its
cursors, so after a crash or SIGKILL scoring resumes exactly where the last step committed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import threading
import time
from datetime import datetime, timezone
from typing import Any

from rca.service import scoring
from rca.service.config import ServiceConfig
from rca.service.store import connect
from rca.types import Record

log = logging.getLogger("rca.service")
STATE_KEY = "scorer_state"
VIEW_KEY = "view"
OWNER_KEY = "scorer_owner"
BATCH_KEY = "batch_cursor"
NORMALIZE_ROWS = 5000  # rows moved from ``batches`` to ``logs``/``metrics`` per transaction
ERROR_LEVELS = ("ERROR", "FATAL")
RECENT_POINTS = 30
LOOKBACK_BUCKETS = 6
MAX_ANALYSIS_ROWS = 50_000


class Superseded(Exception):
    """A newer scorer owns the database (fencing); this one must stop."""


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def incident_id(start: float, service: str) -> str:
    stamp = datetime.fromtimestamp(start, tz=timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"inc-{stamp}-{hashlib.sha1(service.encode()).hexdigest()[:4]}"


class Scorer:
    """Scores what the store holds; ``step()`` once, or ``run(stop)`` until ``stop`` is set."""

    def __init__(self, config: ServiceConfig):
        self.config = config
        self.con = None
        self.latency_sum = 0.0
        self.latency_count = 0
        self.last_step_rows = 0

    # -- lifecycle -----------------------------------------------------------------------------
    def open(self) -> "Scorer":
        self.con = connect(self.config.db_path, self.config.durable)
        row = self.con.execute("SELECT value FROM kv WHERE key=?", (STATE_KEY,)).fetchone()
        st = json.loads(row[0]) if row else {}
        self.state = {
            "cursor": st.get("cursor", {"logs": 0, "metrics": 0}),
            "scored": st.get("scored", {"logs": 0, "metrics": 0}),
            "svc": st.get("svc", {}),
            "series": st.get("series", {}),
            "incident": st.get("incident"),
            "max_ts": st.get("max_ts"),
            "buckets": st.get("buckets", []),
        }
        self.latency_sum, self.latency_count = st.get("latency", [0.0, 0])
        self.threshold = self.config.alarm_threshold or scoring.default_threshold()
        self.silence = scoring.silence_detector(st.get("silence"))
        self.miner = scoring.Miner(st.get("miner"))
        self.dets = {k: scoring.new_detector(v) for k, v in st.get("dets", {}).items()}
        self.owner = f"{os.getpid()}-{time.time_ns()}"
        self.con.execute("INSERT OR REPLACE INTO kv(key, value) VALUES(?, ?)",
                         (OWNER_KEY, json.dumps(self.owner)))
        self.model = None
        self._lines: dict[str, list[str]] = {}  # current bucket's lines per service (model)
        if self.config.model_dir:
            self.model = scoring.load_log_model(self.config.model_dir)
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

    # -- one step ------------------------------------------------------------------------------
    def step(self, wall: float | None = None) -> int:
        """Score up to ``score_batch`` new logs and metrics; returns how many rows were scored."""
        t0 = time.perf_counter()
        wall = time.time() if wall is None else wall
        cfg, st, con = self.config, self.state, self.con
        self.normalize()
        logs = con.execute(
            "SELECT id, ts, service, level, message FROM logs WHERE id>? ORDER BY id LIMIT ?",
            (st["cursor"]["logs"], cfg.score_batch)).fetchall()
        mets = con.execute(
            "SELECT id, ts, series, service, value FROM metrics WHERE id>? ORDER BY id LIMIT ?",
            (st["cursor"]["metrics"], cfg.score_batch)).fetchall()
        self._scores: list[tuple] = []
        self._alarms: list[dict] = []
        self._sigs: dict[tuple[str, str], list] = {}
        self._touched: set[str] = set()
        for row in logs:
            self._log(row, wall)
        self._metrics(mets, wall)
        if logs or mets:
            self._track_buckets(logs, mets)
        self._close_stale_buckets()
        self._silence(wall)
        changed = self._incidents(wall)
        dirty = bool(logs or mets or self._alarms or changed)
        if dirty:
            self._commit(logs, mets, wall)
        n = len(logs) + len(mets)
        if n:
            self.latency_sum += time.perf_counter() - t0
            self.latency_count += 1
        self.last_step_rows = n
        return n

    def normalize(self) -> int:
        """Move acknowledged request bodies (``batches``) into ``logs``/``metrics`` rows: each
        chunk and the batch cursor commit together, so every event lands exactly once."""
        from rca.service.payloads import LogParser, parse_metrics

        con = self.con
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
                        logs += LogParser(self.config.max_line_bytes, service,
                                          line_parser=scoring.line_parser()).parse(
                            body, ctype, received).rows
                    else:
                        mets += parse_metrics(body, ctype, received).rows
                except Exception as exc:  # validated at ingest; never block on one body
                    log.error("cannot re-read batch %s: %s", _id, exc)
                    failed += 1
            con.execute("BEGIN IMMEDIATE")
            try:
                con.executemany("INSERT INTO logs(received, ts, service, level, message, attrs)"
                                " VALUES(?,?,?,?,?,?)", logs)
                con.executemany("INSERT INTO metrics(received, ts, series, service, value)"
                                " VALUES(?,?,?,?,?)", mets)
                con.execute("INSERT OR REPLACE INTO kv(key, value) VALUES(?, ?)",
                            (BATCH_KEY, json.dumps(batches[-1][0])))
                if failed:
                    con.execute("INSERT INTO kv(key, value) VALUES('normalize_failed', ?) "
                                "ON CONFLICT(key) DO UPDATE SET value=value+?", (failed, failed))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            moved += len(logs) + len(mets)
        return moved

    # -- logs ----------------------------------------------------------------------------------
    def _svc(self, name: str) -> dict:
        s = self.state["svc"].get(name)
        if s is None:
            s = self.state["svc"][name] = {
                "bucket": None, "n": 0, "err": 0, "new": 0, "logs": 0, "errors": 0,
                "samples": 0, "last_event": None, "last_seen": None, "gap": None,
                "silent": False, "error_rate": None, "score": 0.0}
        return s

    def _seen(self, s: dict, name: str, ts: float, wall: float) -> None:
        if s["last_seen"] is not None and wall > s["last_seen"]:
            g = wall - s["last_seen"]
            s["gap"] = g if s["gap"] is None else 0.9 * s["gap"] + 0.1 * g
        s["last_seen"] = wall
        s["last_event"] = ts if s["last_event"] is None else max(s["last_event"], ts)
        if s["silent"]:
            s["silent"] = False
        self._touched.add(name)
        mt = self.state["max_ts"]
        self.state["max_ts"] = ts if mt is None else max(mt, ts)

    def _log(self, row: tuple, wall: float) -> None:
        _id, ts, service, level, message = row
        tid, tmpl, new = self.miner.add(message)
        s = self._svc(service)
        self._seen(s, service, ts, wall)
        b = math.floor(ts / self.config.bucket_seconds)
        if s["bucket"] is None:
            s["bucket"] = b
        elif b > s["bucket"]:
            self._close_bucket(service, s, b)
        s["n"] += 1
        s["logs"] += 1
        if self.model is not None:
            buf = self._lines.setdefault(service, [])
            if len(buf) < 5000:
                buf.append(message)
        is_err = level in ERROR_LEVELS
        if is_err:
            s["err"] += 1
            s["errors"] += 1
            if new:
                s["new"] += 1
        if is_err or (level == "WARN"):
            key = (service, tid)
            sig = self._sigs.get(key)
            if sig is None:
                self._sigs[key] = [tmpl, level, 1, ts, ts]
            else:
                sig[2] += 1
                sig[3] = min(sig[3], ts)
                sig[4] = max(sig[4], ts)
        self.state["scored"]["logs"] += 1

    def _det(self, key: str):
        d = self.dets.get(key)
        if d is None:
            d = self.dets[key] = scoring.new_detector()
        return d

    def _close_bucket(self, service: str, s: dict, next_bucket: int | None) -> None:
        """Score the finished bucket of ``service`` (and up to 10 empty ones after it)."""
        bs = self.config.bucket_seconds
        b = s["bucket"]
        last = b + 1 if next_bucket is None else min(next_bucket, b + 11)
        while b < last:
            n, err, new = s["n"], s["err"], s["new"]
            s_err = self._det(f"{service}|errors").score_learn(float(err))
            s_new = 0.0 if new == 0 else self._det(f"{service}|new_errors").score_learn(float(new))
            if new == 0:
                self._det(f"{service}|new_errors").score_learn(0.0)
            score = max(s_err, s_new)
            s["error_rate"] = err / n if n else 0.0
            s["score"] = score
            ts = b * bs
            alarm = score >= self.threshold and err > 0
            self._scores.append((service, "logs", "errors", ts, score, int(alarm), float(err)))
            if alarm:
                self._alarms.append({"ts": ts, "service": service, "kind": "logs",
                                     "name": "errors", "score": score, "value": err})
            s["n"] = s["err"] = s["new"] = 0
            if self.model is not None and self._lines.get(service):
                self._model_score(service, ts, self._lines.pop(service))
            b += 1
        s["bucket"] = next_bucket

    def _close_stale_buckets(self) -> None:
        mt = self.state["max_ts"]
        if mt is None:
            return
        horizon = math.floor(mt / self.config.bucket_seconds) - 2
        for name, s in self.state["svc"].items():
            if s["bucket"] is not None and s["bucket"] < horizon:
                self._close_bucket(name, s, None)

    def _model_score(self, service: str, ts: float, lines: list[str]) -> None:
        try:
            score, failing = self.model.score(lines)
        except Exception as exc:  # a model problem must not stop scoring
            log.warning("log model failed on %s: %s", service, exc)
            return
        self._scores.append((service, "model", "log_model", ts, score, int(failing),
                             float(len(lines))))
        if failing:
            self._alarms.append({"ts": ts, "service": service, "kind": "model",
                                 "name": "log_model", "score": max(self.threshold, min(score, 1.0)),
                                 "value": score})

    # -- metrics -------------------------------------------------------------------------------
    def _metrics(self, rows: list, wall: float) -> None:
        """Score metric rows per series (vectorised when the detector allows), in row order
        within each series."""
        by: dict[str, list] = {}
        for row in rows:
            by.setdefault(row[2], []).append(row)
        for series, rs in by.items():
            det = self._det(f"{series}|metric")
            values = [float(r[4]) for r in rs]
            if hasattr(det, "score_learn_many"):
                scores = det.score_learn_many(values)
            else:
                scores = [det.score_learn(v) for v in values]
            for (_id, ts, _series, service, value), score in zip(rs, scores):
                self._metric(ts, series, service, value, score, wall)

    def _metric(self, ts: float, series: str, service: str, value: float, score: float,
                wall: float) -> None:
        s = self._svc(service)
        self._seen(s, service, ts, wall)
        s["samples"] += 1
        sr = self.state["series"].get(series)
        if sr is None:
            sr = self.state["series"][series] = {"service": service, "recent": [], "score": 0.0}
        sr["last"], sr["last_ts"], sr["score"] = value, ts, score
        sr["recent"].append([ts, value])
        if len(sr["recent"]) > RECENT_POINTS:
            del sr["recent"][0]
        alarm = score >= self.threshold
        self._scores.append((service, "metric", series, ts, score, int(alarm), float(value)))
        if alarm:
            self._alarms.append({"ts": ts, "service": service, "kind": "metric",
                                 "name": series, "score": score, "value": value})
        self.state["scored"]["metrics"] += 1

    # -- silence -------------------------------------------------------------------------------
    def _silence(self, wall: float) -> None:
        """A service that stops sending (wall time) for longer than usual, and at least
        ``silence_seconds``, is anomalous once until it is heard from again."""
        sd = self.silence
        if sd is not None:
            for name in self._touched:
                sd.observe(name, self.state["svc"][name]["last_seen"])
        for name, s in self.state["svc"].items():
            if s["silent"] or s["last_seen"] is None:
                continue
            quiet = wall - s["last_seen"]
            if quiet <= self.config.silence_seconds:
                continue
            score = sd.score(name, wall) if sd is not None else 1.0
            if sd is not None and sd.usual_gap(name) is None:
                continue  # never heard often enough to know its rhythm
            if score <= 0:
                continue
            s["silent"] = True
            ts = (s["last_event"] or wall) + quiet
            self._scores.append((name, "silence", "heartbeat", ts, score, 1, quiet))
            self._alarms.append({"ts": ts, "service": name, "kind": "silence",
                                 "name": "heartbeat", "score": max(score, self.threshold),
                                 "value": quiet, "text": f"{name} silent for {quiet:.0f}s"})

    # -- incidents -----------------------------------------------------------------------------
    def _track_buckets(self, logs: list, mets: list) -> None:
        """Remember the first row ids of each global time bucket (to fetch incident windows)."""
        bs = self.config.bucket_seconds
        bk = self.state["buckets"]
        last_b = bk[-1][0] if bk else None
        ts = max([r[1] for r in logs[-1:]] + [r[1] for r in mets[-1:]])
        b = math.floor(ts / bs)
        if last_b is None or b > last_b:
            bk.append([b, logs[0][0] if logs else self.state["cursor"]["logs"] + 1,
                       mets[0][0] if mets else self.state["cursor"]["metrics"] + 1])
            if len(bk) > 720:
                del bk[: len(bk) - 720]

    def _first_ids(self, ts: float) -> tuple[int, int]:
        b = math.floor(ts / self.config.bucket_seconds) - LOOKBACK_BUCKETS
        ids = (1, 1)
        for entry in self.state["buckets"]:
            if entry[0] <= b:
                ids = (entry[1], entry[2])
        return ids

    def _incidents(self, wall: float) -> bool:
        inc = self.state["incident"]
        gap = self.config.incident_gap_seconds
        changed = False
        self._closed: list[dict] = []
        for a in sorted(self._alarms, key=lambda a: a["ts"]):
            if inc is not None and a["ts"] - inc["end"] > gap:
                inc["status"] = "resolved"
                self._closed.append(inc)
                inc = None
            if inc is None:
                fl, fm = self._first_ids(a["ts"])
                inc = {"id": incident_id(a["ts"], a["service"]), "status": "open",
                       "start": a["ts"], "end": a["ts"], "services": {}, "alarms": 0,
                       "top": [], "first_ids": [fl, fm], "analyzed": 0.0, "dirty": True}
            inc["start"] = min(inc["start"], a["ts"])
            inc["end"] = max(inc["end"], a["ts"])
            inc["services"].setdefault(a["service"], a["ts"])
            inc["alarms"] += 1
            inc["dirty"] = True
            top = inc["top"]
            top.append(a)
            top.sort(key=lambda x: (-x["score"], x["ts"]))
            del top[20:]
            if not any(x["service"] == a["service"] for x in top):
                top.append(a)
            changed = True
        mt = self.state["max_ts"]
        if inc is not None and mt is not None and mt - inc["end"] > gap:
            inc["status"] = "resolved"
            self._closed.append(inc)
            inc = None
            changed = True
        self.state["incident"] = inc
        self._to_write = list(self._closed)
        if inc is not None and inc["dirty"] and (
                wall - inc["analyzed"] >= self.config.analysis_interval_seconds):
            self._to_write.append(inc)
            changed = True
        return changed

    def _analyse(self, inc: dict, wall: float) -> dict:
        con = self.con
        lo = inc["start"] - LOOKBACK_BUCKETS * self.config.bucket_seconds
        hi = inc["end"] + self.config.bucket_seconds
        rows = con.execute(
            "SELECT id, ts, service, level, message FROM logs WHERE id>=? AND id<=? "
            "AND ts>=? AND ts<=? ORDER BY id LIMIT ?",
            (inc["first_ids"][0], self.state["cursor"]["logs"], lo, hi,
             MAX_ANALYSIS_ROWS)).fetchall()
        events = self._events_frame(rows)
        mrows = con.execute(
            "SELECT ts, series, value FROM metrics WHERE id>=? AND id<=? AND ts>=? AND ts<=? "
            "ORDER BY id LIMIT ?", (inc["first_ids"][1], self.state["cursor"]["metrics"], lo, hi,
                                    MAX_ANALYSIS_ROWS)).fetchall()
        metrics = None
        if mrows:
            import pandas as pd

            long = pd.DataFrame(mrows, columns=["timestamp", "series", "value"])
            long["timestamp"] = pd.to_datetime((long["timestamp"] * 1000).round(), unit="ms",
                                               utc=True)
            metrics = long.pivot_table(index="timestamp", columns="series", values="value",
                                       aggfunc="mean").sort_index()
        try:
            an = scoring.analyze_window(events, metrics, self.config.deps, inc["top"],
                                        inc["start"])
        except Exception as exc:  # analysis must never stop scoring
            log.warning("incident analysis failed: %s", exc)
            an = scoring.analyze_window(None, None, [], inc["top"], inc["start"])
        inc["analyzed"] = wall
        inc["dirty"] = False
        onset = an.incident.onset.timestamp() if an.incident and an.incident.onset else None
        return {
            "id": inc["id"], "status": inc["status"], "start": _iso(inc["start"]),
            "end": _iso(inc["end"]), "onset": _iso(onset if onset else inc["start"]),
            "services": sorted(inc["services"], key=inc["services"].get),
            "alarms": inc["alarms"],
            "top_alarms": [{**a, "ts": _iso(a["ts"])} for a in inc["top"][:10]],
            "root_causes": [{
                "rank": rc.rank, "service": rc.service, "score": round(float(rc.score), 4),
                "metric": rc.metric, "template": rc.template,
                "evidence": [{"source": e.source, "line": e.line, "text": e.text}
                             for e in rc.evidence[:5]]} for rc in an.root_causes],
            "suggestions": [{
                "id": sg.id, "title": sg.title, "confidence": round(float(sg.confidence), 3),
                "service": sg.service, "steps": list(sg.steps), "matched": sg.matched}
                for sg in an.suggestions],
            "notes": list(an.notes),
            "updated": _iso(wall),
        }

    def _events_frame(self, rows: list):
        """Log rows as the events frame the analysis stage reads (templates by inference)."""
        import pandas as pd

        out = []
        match = self.miner.match
        for i, t, s, lv, m in rows:
            tid, tmpl = match(m)
            out.append((t, s, lv, tid, tmpl, m, f"{s}.log", i))
        frame = pd.DataFrame(out, columns=["timestamp", "service", "level", "template_id",
                                           "template", "message", "source", "line"])
        frame["timestamp"] = pd.to_datetime((frame["timestamp"] * 1000).round(), unit="ms",
                                            utc=True)
        return frame

    # -- persistence ---------------------------------------------------------------------------
    def _commit(self, logs: list, mets: list, wall: float) -> None:
        con, st = self.con, self.state
        if logs:
            st["cursor"]["logs"] = logs[-1][0]
        if mets:
            st["cursor"]["metrics"] = mets[-1][0]
        bodies = [self._analyse(inc, wall) for inc in self._to_write]
        st["latency"] = [self.latency_sum, self.latency_count]
        state = dict(st, miner=self.miner.to_json(),
                     silence=self.silence.to_dict() if self.silence is not None else None,
                     dets={k: d.to_json() for k, d in self.dets.items()})
        view = self._view()
        con.execute("BEGIN IMMEDIATE")
        try:
            row = con.execute("SELECT value FROM kv WHERE key=?", (OWNER_KEY,)).fetchone()
            if row is None or json.loads(row[0]) != self.owner:
                raise Superseded("another scorer took over this database")
            con.executemany("INSERT OR REPLACE INTO scores(service, kind, name, ts, score, alarm,"
                            " value) VALUES(?,?,?,?,?,?,?)", self._scores)
            con.executemany(
                "INSERT INTO signatures(service, template_id, template, level, count, first_seen,"
                " last_seen) VALUES(?,?,?,?,?,?,?) ON CONFLICT(service, template_id) DO UPDATE SET"
                " count=count+excluded.count, template=excluded.template,"
                " first_seen=min(first_seen, excluded.first_seen),"
                " last_seen=max(last_seen, excluded.last_seen)",
                [(k[0], k[1], v[0], v[1], v[2], v[3], v[4]) for k, v in self._sigs.items()])
            con.executemany(
                "INSERT OR REPLACE INTO services(service, last_seen, last_event, logs, errors,"
                " samples) VALUES(?,?,?,?,?,?)",
                [(n, s["last_seen"], s["last_event"], s["logs"], s["errors"], s["samples"])
                 for n, s in st["svc"].items() if n in self._touched])
            for b in bodies:
                con.execute("INSERT OR REPLACE INTO incidents(id, status, start, end, updated,"
                            " services, body) VALUES(?,?,?,?,?,?,?)",
                            (b["id"], b["status"], b["start"], b["end"], wall,
                             json.dumps(b["services"]), json.dumps(b, default=str)))
            con.execute("INSERT OR REPLACE INTO kv(key, value) VALUES(?, ?)",
                        (STATE_KEY, json.dumps(state, default=float)))
            con.execute("INSERT OR REPLACE INTO kv(key, value) VALUES(?, ?)",
                        (VIEW_KEY, json.dumps(view, default=float)))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _view(self) -> dict[str, Any]:
        """Per-service summary the reliability endpoint reads (latest values and forecasts)."""
        th = self.config.thresholds
        out: dict[str, Any] = {}
        for name, s in self.state["svc"].items():
            out[name] = {"error_rate": s["error_rate"], "silent": s["silent"],
                         "log_score": s["score"], "metrics": {}, "forecasts": []}
        for series, sr in self.state["series"].items():
            v = out.setdefault(sr["service"], {"error_rate": None, "silent": False,
                                               "log_score": 0.0, "metrics": {}, "forecasts": []})
            v["metrics"][series] = {"value": sr.get("last"), "score": sr["score"]}
            kind = scoring.threshold_for(series, th)
            if kind is not None:
                eta, msg = scoring.time_to_threshold([tuple(p) for p in sr["recent"]],
                                                     kind[1], series)
                v["forecasts"].append({"series": series, "threshold": kind[0],
                                       "limit": kind[1], "value": sr.get("last"),
                                       "seconds_to_threshold": eta, "message": msg})
        return out

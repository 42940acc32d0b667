"""Turning stored rows into scores and alarms, one service or series at a time.

Rules that need no history fire at once: a burst of errors (at least ``burst_errors`` in a
bucket, error rate over its threshold), a new ERROR/FATAL signature, a metric crossing its
kind's health threshold (once per crossing), a silence. Learned
detectors (the default online detector on per-bucket error counts and on every metric series)
warm up for ``warmup_points`` points and say so; a metric alarms only when ``min_count`` of
its last ``window`` calibrated scores reach the threshold (an :func:`rca.api.alarm_rule`).

Alarms are dicts ``{ts, service, kind, name, score, value, opens, text?, signature?}``;
``opens`` says whether the alarm may open an incident (a lone new signature only joins one).
"""

from __future__ import annotations

import logging
import math
from collections import deque

from rca import api

log = logging.getLogger("rca.service")
ERROR_LEVELS = ("ERROR", "FATAL")
RULE_SCORE = 1.0  # score of an alarm raised by a rule (no learned detector involved)
MAX_KNOWN = 2000  # signatures remembered per service


class Signals:
    """Per-service log buckets, metric series and silences over the scorer's JSON ``state``."""

    def __init__(self, config, state: dict, miner, threshold: float, model=None):
        self.config, self.state, self.miner, self.threshold = config, state, miner, threshold
        self.model = model  # lines -> (score, failing) of a trained log model, or None
        self.lines: dict[str, list[str]] = {}  # the open bucket's lines per service (model)
        self.thresholds = config.thresholds
        self.dets: dict[str, tuple] = {}
        for key, d in state.setdefault("dets", {}).items():
            self.dets[key] = api.online_detector(d)[0]
        self.rules = state.setdefault("rules", {})
        self.silence = api.silence_detector(state.get("silence"))
        self.reset()

    def reset(self) -> None:
        """Start a step: nothing scored, no alarms, no service touched yet."""
        self.scores: list[tuple] = []
        self.alarms: list[dict] = []
        self.sigs: dict[tuple[str, str], list] = {}
        self.touched: set[str] = set()

    def to_state(self) -> dict:
        self.state["dets"] = {k: d.to_dict() for k, d in self.dets.items()}
        self.state["silence"] = self.silence.to_dict()
        return self.state

    # -- shared ----------------------------------------------------------------------------------
    def svc(self, name: str) -> dict:
        s = self.state["svc"].get(name)
        if s is None:
            s = self.state["svc"][name] = {
                "bucket": None, "n": 0, "err": 0, "new": 0, "fired": False, "logs": 0,
                "errors": 0, "samples": 0, "last_event": None, "last_seen": None,
                "silent": False, "error_rate": None, "score": 0.0, "recent": [], "known": []}
        return s

    def seen(self, s: dict, name: str, ts: float, wall: float) -> None:
        s["last_seen"] = wall
        s["last_event"] = ts if s["last_event"] is None else max(s["last_event"], ts)
        s["silent"] = False
        self.touched.add(name)
        mt = self.state["max_ts"]
        self.state["max_ts"] = ts if mt is None else max(mt, ts)

    def _det(self, key: str):
        d = self.dets.get(key)
        if d is None:
            d = self.dets[key] = api.online_detector(warmup=self.config.warmup_points)[0]
        return d

    def _learned(self, key: str, values: list[float]) -> list[float]:
        return [float(v) for v in self._det(key).score_learn_many(values, key="x")]

    def warming_up(self) -> dict[str, str]:
        """Learned detectors still warming up: ``{name: "12/50 points"}``."""
        return {k.replace("|", " "): f"{d.n_seen}/{d.warm_up} points"
                for k, d in self.dets.items() if d.is_warming_up}

    def alarm(self, **a) -> None:
        a.setdefault("opens", True)
        self.alarms.append(a)

    # -- logs ------------------------------------------------------------------------------------
    def log(self, ts: float, service: str, level: str | None, message: str, wall: float) -> None:
        tid, tmpl, _ = self.miner_add(message)
        s = self.svc(service)
        self.seen(s, service, ts, wall)
        b = math.floor(ts / self.config.bucket_seconds)
        if s["bucket"] is None:
            s["bucket"] = b
        elif b > s["bucket"]:
            self.close_bucket(service, s, b)
        s["n"] += 1
        s["logs"] += 1
        if self.model is not None and len(self.lines.setdefault(service, [])) < 5000:
            self.lines[service].append(message)
        if level in ERROR_LEVELS:
            s["err"] += 1
            s["errors"] += 1
            if len(s.setdefault("msgs", [])) < 3:
                s["msgs"].append(message[:300])
            if tid not in s["known"]:
                s["known"].append(tid)
                del s["known"][:-MAX_KNOWN]
                s["new"] += 1
                self.alarm(ts=ts, service=service, kind="signature", name="new_error",
                           score=RULE_SCORE, value=1.0, opens=False, signature=tid,
                           msg=message[:300],
                           text=f"new {level} signature in {service}: {tmpl[:200]}")
        if level in ERROR_LEVELS or level == "WARN":
            sig = self.sigs.get((service, tid))
            if sig is None:
                self.sigs[(service, tid)] = [tmpl, level, 1, ts, ts]
            else:
                sig[2] += 1
                sig[3], sig[4] = min(sig[3], ts), max(sig[4], ts)
        self.state["scored"]["logs"] += 1

    def miner_add(self, message: str) -> tuple[str, str, bool]:
        m = self.miner.add(message)
        return m.template_id, m.template, bool(m.is_new)

    def _breach(self, s: dict) -> bool:
        return (s["err"] >= self.config.burst_errors
                and s["err"] / max(s["n"], 1) > self.thresholds["error_rate"])

    def burst(self, service: str, s: dict, ts: float) -> None:
        """The no-history rule on the open bucket: fire when a bucket holds at least
        ``burst_errors`` errors at an error rate over the threshold, once per episode (a
        service that keeps breaching fires again only after a bucket within the limit)."""
        if s["fired"] or not self._breach(s):
            return
        s["fired"] = True
        rate = s["err"] / max(s["n"], 1)
        if not s.get("breaching"):
            s["breaching"] = True
            self.alarm(ts=ts, service=service, kind="logs", name="error_burst", score=RULE_SCORE,
                       value=float(s["err"]), msg=" | ".join(s.get("msgs", [])),
                       text=f"{service}: {s['err']} errors ({rate:.0%}) in one bucket")

    def close_bucket(self, service: str, s: dict, next_bucket: int | None) -> None:
        """Score the finished bucket of ``service`` (and up to 10 empty ones after it)."""
        bs = self.config.bucket_seconds
        b = s["bucket"]
        last = b + 1 if next_bucket is None else min(next_bucket, b + 11)
        keep = max(1, round(self.config.health_window_seconds / bs))
        while b < last:
            ts = b * bs
            self.burst(service, s, ts)
            if not self._breach(s):
                s["breaching"] = False
            n, err = s["n"], s["err"]
            score = self._learned(f"{service}|errors", [float(err)])[0]
            s["recent"] = (s["recent"] + [[n, err]])[-keep:]
            s["error_rate"] = self.error_rate(s)
            s["score"] = score
            alarm = score >= self.threshold and err > 0
            self.scores.append((service, "logs", "errors", ts, score, int(alarm), float(err)))
            if alarm:
                self.alarm(ts=ts, service=service, kind="logs", name="error_surge", score=score,
                           value=float(err), msg=" | ".join(s.get("msgs", [])),
                           text=f"{service}: error count surged to {err}")
            s["n"] = s["err"] = s["new"] = 0
            s["fired"], s["msgs"] = False, []
            if self.model is not None and self.lines.get(service):
                self.model_score(service, ts, self.lines.pop(service))
            b += 1
        s["bucket"] = next_bucket

    def model_score(self, service: str, ts: float, lines: list[str]) -> None:
        """The trained log model on one bucket of a service's lines."""
        try:
            score, failing = self.model(lines)
        except Exception as exc:  # noqa: BLE001 - a model problem must not stop scoring
            log.warning("log model failed on %s: %s", service, exc)
            return
        self.scores.append((service, "model", "log_model", ts, score, int(failing),
                            float(len(lines))))
        if failing:
            self.alarm(ts=ts, service=service, kind="model", name="log_model",
                       score=max(self.threshold, min(score, 1.0)), value=score,
                       text=f"{service}: the trained log model predicts a failure")

    @staticmethod
    def error_rate(s: dict) -> float | None:
        n = sum(r[0] for r in s["recent"]) + s["n"]
        err = sum(r[1] for r in s["recent"]) + s["err"]
        return err / n if n else None

    def close_stale(self, wall: float) -> None:
        """Close buckets nothing more will arrive for: older than two buckets behind the
        newest event time, or of a service not heard from for a bucket's length."""
        mt = self.state["max_ts"]
        bs = self.config.bucket_seconds
        horizon = math.floor(mt / bs) - 2 if mt is not None else None
        for name, s in self.state["svc"].items():
            if s["bucket"] is None:
                continue
            self.burst(name, s, s["bucket"] * bs)
            quiet = s["last_seen"] is not None and wall - s["last_seen"] > bs
            if quiet or (horizon is not None and s["bucket"] < horizon):
                self.close_bucket(name, s, None)
            else:
                s["error_rate"] = self.error_rate(s)

    # -- metrics ---------------------------------------------------------------------------------
    def metrics(self, rows: list, wall: float) -> None:
        """Score metric rows ``(id, ts, series, service, value)`` per series, in row order."""
        by: dict[str, list] = {}
        for row in rows:
            by.setdefault(row[2], []).append(row)
        for series, rs in by.items():
            scores = self._learned(f"{series}|metric", [float(r[4]) for r in rs])
            for (_id, ts, _series, service, value), score in zip(rs, scores):
                self.metric(ts, series, service, value, score, wall)

    def metric(self, ts, series, service, value, score, wall) -> None:
        s = self.svc(service)
        self.seen(s, service, ts, wall)
        s["samples"] += 1
        sr = self.state["series"].setdefault(series, {"service": service, "recent": [],
                                                      "score": 0.0})
        sr["last"], sr["last_ts"], sr["score"] = value, ts, score
        sr["recent"] = (sr["recent"] + [[ts, value]])[-30:]
        alarm = self._rule(series, score)
        over = api.over_threshold(series, [p[1] for p in sr["recent"]], self.thresholds)
        crossed = bool(over) and not sr.get("over")
        sr["over"] = bool(over)
        self.scores.append((service, "metric", series, ts, score, int(alarm or crossed),
                            float(value)))
        if alarm:
            self.alarm(ts=ts, service=service, kind="metric", name=series, score=score,
                       value=value, text=f"{series} = {value:.4g} (anomaly score {score:.3f})")
        if crossed:  # the no-history rule: a series crossing its kind's health threshold
            self.alarm(ts=ts, service=service, kind="threshold", name=series, score=RULE_SCORE,
                       value=value, text=f"{series} = {value:.4g} crossed its health threshold")
        self.state["scored"]["metrics"] += 1

    def _rule(self, series: str, score: float) -> bool:
        cfg = self.config
        st = self.rules.get(series, {"recent": [], "quiet": 0})
        rule = api.alarm_rule(self.threshold, min(cfg.metric_alarm_min_count,
                                                  cfg.metric_alarm_window),
                              cfg.metric_alarm_window)
        rule._recent, rule._quiet = deque(st["recent"]), st["quiet"]
        fired = rule.update(score)
        self.rules[series] = {"recent": list(rule._recent), "quiet": rule._quiet}
        return fired

    # -- silence ---------------------------------------------------------------------------------
    def silences(self, wall: float) -> None:
        """A service that stops sending (wall time) for longer than usual, and at least
        ``silence_seconds``, raises one alarm until it is heard from again."""
        sd = self.silence
        for name in self.touched:
            sd.observe(name, self.state["svc"][name]["last_seen"])
        for name, s in self.state["svc"].items():
            if s["silent"] or s["last_seen"] is None:
                continue
            quiet = wall - s["last_seen"]
            if quiet <= self.config.silence_seconds or sd.usual_gap(name) is None:
                continue
            score = sd.score(name, wall)
            if score <= 0:
                continue
            s["silent"] = True
            ts = s["last_event"] if s["last_event"] is not None else wall  # when it went quiet
            self.scores.append((name, "silence", "heartbeat", ts, score, 1, quiet))
            self.alarm(ts=ts, service=name, kind="silence", name="heartbeat",
                       score=max(score, self.threshold), value=quiet,
                       text=f"{name} silent for {quiet:.0f}s")

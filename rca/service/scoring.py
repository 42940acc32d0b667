"""Adapters from the service to the stages it fronts (templates, online detectors, silence,
forecasts, analysis, fixes, trained models).

Each adapter uses the real stage when it is installed and keeps a minimal stand-in otherwise, so
swapping in the real thing is one import here and no logic lives in the service.
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import datetime, timezone
from typing import Any, Sequence

from rca.types import Analysis, Evidence, Incident, Record, RootCause, Suggestion

# --- templates --------------------------------------------------------------------------------

_MASK = re.compile(
    r"(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"|(?:\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b)|(?:0x[0-9a-fA-F]+)|(?:\b[0-9a-fA-F]{12,}\b)"
    r"|(?:(?<![A-Za-z])-?\d+(?:\.\d+)?)")


class _FallbackMiner:
    """Stand-in until ``rca.templates.TemplateMiner`` is installed: masks numbers/ids/IPs."""

    def __init__(self) -> None:
        self.templates: dict[str, str] = {}

    def add(self, message: str):
        text = _MASK.sub("<*>", message[:2000])
        tid = hashlib.sha1(text.encode()).hexdigest()[:8]
        new = tid not in self.templates
        if new:
            self.templates[tid] = text
        return tid, text, new

    def to_json(self) -> dict:
        return {"templates": self.templates}

    @classmethod
    def from_json(cls, data: dict) -> "_FallbackMiner":
        m = cls()
        m.templates = dict(data.get("templates", {}))
        return m


class Miner:
    """``add(message) -> (template_id, template, is_new)`` over the project's template miner."""

    def __init__(self, state: Any = None):
        try:
            from rca.templates import TemplateMiner  # type: ignore[attr-defined]
        except ImportError:
            TemplateMiner = None
        self.real = TemplateMiner is not None
        if self.real:
            self._m = TemplateMiner.from_json(state) if state else TemplateMiner()
        else:
            self._m = _FallbackMiner.from_json(state) if state else _FallbackMiner()

    def add(self, message: str) -> tuple[str, str, bool]:
        if not self.real:
            return self._m.add(message)
        r = self._m.add(message)
        return r.template_id, r.template, bool(r.is_new)

    def match(self, message: str) -> tuple[str, str]:
        """Template of ``message`` without learning (a new one gets a provisional id)."""
        if self.real:
            r = self._m.match(message)
            if r is not None:
                return r.template_id, r.template
            return self._m.add(message).template_id, message  # unseen: learn it
        return self._m.add(message)[:2]

    def to_json(self) -> Any:
        return self._m.to_json()

    @property
    def templates(self) -> dict[str, str]:
        return dict(self._m.templates)


# --- line formats -----------------------------------------------------------------------------

_LINE_PARSER: Any = False


def line_parser():
    """``str -> dict | None``: a plain log line read with the ingest stage's line formats
    (syslog, plain-text app logs, logfmt), or None when no format fits. None if unavailable."""
    global _LINE_PARSER
    if _LINE_PARSER is not False:
        return _LINE_PARSER
    try:
        from rca.ingest.sniff import FAMILIES
        from rca.ingest.timestamps import TimeParser
    except ImportError:
        _LINE_PARSER = None
        return None
    times = TimeParser()
    parsers = [FAMILIES[n](times) for n in ("syslog", "text", "logfmt") if n in FAMILIES]

    def parse(line: str) -> dict | None:
        for p in parsers:
            try:
                r = p.parse(line)
            except Exception:  # a reader's bug must not reject the line
                r = None
            if r is None or len(r) != 6:
                continue
            ts, level, service, host, message, attrs = r
            out: dict = {"message": message or line}
            if ts is not None:
                out["timestamp"] = ts.timestamp() if hasattr(ts, "timestamp") else ts
            if level:
                out["level"] = level
            if service:
                out["service"] = service
            if host:
                out["host"] = host
            for k, v in (attrs or {}).items():
                out.setdefault(k, v)
            return out
        return None

    _LINE_PARSER = parse
    return parse


# --- online detectors -------------------------------------------------------------------------


class _FallbackDetector:
    """Stand-in until ``rca.detect.online`` lands: EWMA z-score squashed to [0, 1]."""

    def __init__(self, alpha: float = 0.05, warmup: int = 10) -> None:
        self.alpha, self.warmup = alpha, warmup
        self.n, self.mean, self.var = 0, 0.0, 0.0

    def score_learn(self, x: float) -> float:
        s = 0.0
        if self.n >= self.warmup:
            sd = math.sqrt(self.var) + 1e-9 + 1e-3 * abs(self.mean)
            z = abs(x - self.mean) / sd
            s = math.erf(z / (2.0 * math.sqrt(2.0)))
        d = x - self.mean
        a = self.alpha if self.n >= self.warmup else 1.0 / (self.n + 1)
        self.mean += a * d
        self.var = (1 - a) * (self.var + a * d * d)
        self.n += 1
        return s

    def to_json(self) -> dict:
        return {"n": self.n, "mean": self.mean, "var": self.var}

    @classmethod
    def from_json(cls, d: dict) -> "_FallbackDetector":
        o = cls()
        o.n, o.mean, o.var = d["n"], d["mean"], d["var"]
        return o


class _RiverSeries:
    """One series scored by the project's default online detector (river API, calibrated)."""

    def __init__(self, det) -> None:
        self.det = det

    def score_learn(self, x: float) -> float:
        d = {"x": x}
        s = self.det.score_one(d)
        self.det.learn_one(d)
        return float(s)

    def score_learn_many(self, values) -> list[float]:
        return [float(v) for v in self.det.score_learn_many(values, key="x")]

    def to_json(self) -> dict:
        return {"novelty": self.det.to_dict()}


def _online():
    try:
        from rca.detect.online import DEFAULT_DETECTOR, NoveltyDetector, get_spec
    except ImportError:
        return None
    return NoveltyDetector, get_spec(DEFAULT_DETECTOR).threshold


def new_detector(state: dict | None = None):
    """A calibrated univariate streaming detector: ``score_learn(x) -> [0, 1]``, JSON state."""
    real = _online()
    if real is not None and (state is None or "novelty" in state):
        cls = real[0]
        return _RiverSeries(cls.from_dict(state["novelty"]) if state else cls())
    return _FallbackDetector.from_json(state) if state else _FallbackDetector()


def default_threshold() -> float:
    """The alarm threshold that goes with :func:`new_detector`'s calibrated scores."""
    real = _online()
    return real[1] if real is not None else 0.95


def silence_detector(state: dict | None = None):
    """Per-source inter-arrival tracking (``rca.detect.silence``); None when not installed."""
    try:
        from rca.detect.silence import SilenceDetector
    except ImportError:
        return None
    return SilenceDetector.from_dict(state) if state else SilenceDetector()


def time_to_threshold(points: Sequence[tuple[float, float]], threshold: float,
                      series: str = "series") -> tuple[float | None, str]:
    """Seconds until the recent trend of ``points`` [(t, v)] reaches ``threshold``, and a
    sentence saying so (``rca.detect.forecast``)."""
    if not points:
        return None, f"{series}: no data"
    try:
        from rca.detect.forecast import time_to_threshold as ttt
    except ImportError:
        ttt = None
    if ttt is not None:
        f = ttt([p[0] for p in points], [p[1] for p in points], threshold, series=series)
        return f.eta_seconds, f.message
    return _linear_eta(points, threshold), ""


def _linear_eta(points: Sequence[tuple[float, float]], threshold: float) -> float | None:
    if len(points) < 5:
        return None
    ts = [p[0] for p in points]
    vs = [p[1] for p in points]
    tm, vm = sum(ts) / len(ts), sum(vs) / len(vs)
    den = sum((t - tm) ** 2 for t in ts)
    if den <= 0:
        return None
    slope = sum((t - tm) * (v - vm) for t, v in zip(ts, vs)) / den
    last = vs[-1]
    if last >= threshold:
        return 0.0
    if slope <= 0:
        return None
    return (threshold - last) / slope


def threshold_for(series: str, thresholds: dict[str, float]) -> tuple[str, float] | None:
    """Which configured health threshold applies to a series name, if any."""
    name = series.split("_", 1)[1].lower() if "_" in series else series.lower()
    if "mem" in name:
        return "memory", thresholds["memory"]
    if "cpu" in name:
        return "cpu", thresholds["cpu"]
    if "error" in name or "err_rate" in name:
        return "error_rate", thresholds["error_rate"]
    if "lat" in name or "response" in name or "duration" in name:
        return "response_time_ms", thresholds["response_time_ms"]
    return None


# --- analysis and fixes -----------------------------------------------------------------------


def _dt(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, tz=timezone.utc) if ts is not None else None


def analyze_window(events, metrics, deps: list[dict], alarms: list[dict],
                   onset: float | None) -> Analysis:
    """Rank root causes and suggest fixes for an incident window with the ``rca analyze``
    machinery (:func:`rca.analyze.analyze_frames`). ``events`` is an events frame (timestamp,
    service, level, template_id, template, message, source, line), ``metrics`` a time-indexed
    wide frame or None. The onset is detected by the analysis; the first alarm is the fallback.
    """
    try:
        from rca.analyze import analyze_frames
    except ImportError:
        analyze_frames = None
    if analyze_frames is not None:
        edges = [(d["caller"], d["callee"]) for d in deps if "caller" in d and "callee" in d]
        has = (events is not None and len(events)) or (metrics is not None and len(metrics))
        if has:
            an = analyze_frames(events if events is not None and len(events) else None,
                                metrics if metrics is not None and len(metrics) else None,
                                edges=edges)
            if an.incident is None and onset is not None:
                import pandas as pd

                an = analyze_frames(events if events is not None and len(events) else None,
                                    metrics if metrics is not None and len(metrics) else None,
                                    edges=edges, fault_time=pd.Timestamp(onset, unit="s",
                                                                          tz="UTC"))
            if an.incident is not None:
                return an
    records = [] if events is None else [
        Record(message=r.message, timestamp=r.timestamp.to_pydatetime(), service=r.service,
               level=r.level, source=r.source, line=int(r.line))
        for r in events.itertuples(index=False)]
    return _fallback_analysis(records, alarms, onset)


def _fallback_analysis(records: list[Record], alarms: list[dict], onset: float | None) -> Analysis:
    """Until the rank stage lands: services in order of their first alarm, weighted by score."""
    errs: dict[str, list[Record]] = {}
    for r in records:
        if r.level in ("ERROR", "FATAL"):
            errs.setdefault(r.service, []).append(r)
    first: dict[str, tuple[float, float, float]] = {}
    for a in sorted(alarms, key=lambda a: a["ts"]):
        t, s, _ = first.get(a["service"], (a["ts"], 0.0, 0.0))
        e = errs.get(a["service"])
        t_err = min((r.timestamp.timestamp() for r in e if r.timestamp), default=a["ts"]) if e \
            else a["ts"]
        first[a["service"]] = (t, max(s, a["score"]), t_err)
    order = sorted(first.items(), key=lambda kv: (kv[1][0], kv[1][2], -kv[1][1]))
    causes = []
    for i, (svc, (_, s, _e)) in enumerate(order[:5]):
        ev = tuple(Evidence(source=r.source, line=r.line, text=r.message[:300],
                            timestamp=r.timestamp) for r in errs.get(svc, [])[:3])
        causes.append(RootCause(rank=i + 1, service=svc, score=round(s / (1 + 0.5 * i), 3),
                                template=ev[0].text if ev else None, evidence=ev))
    texts = [(r.message, r.service) for rs in errs.values() for r in rs[:50]]
    return Analysis(
        incident=Incident(start=_dt(min((a["ts"] for a in alarms), default=onset)),
                          end=_dt(max((a["ts"] for a in alarms), default=onset)),
                          onset=_dt(onset), services=tuple(first)),
        root_causes=tuple(causes), suggestions=tuple(suggest(texts)))


def suggest(texts_with_service: list[tuple[str, str]]) -> list[Suggestion]:
    """Fix suggestions from the remediation library (``rca.fixes``), empty when absent."""
    try:
        from rca.fixes import Library  # type: ignore[attr-defined]
    except ImportError:
        return []
    return list(Library.load().suggest(texts_with_service))[:5]


# --- trained log models -----------------------------------------------------------------------


def check_model(model_dir: str) -> dict:
    """Verify a model folder's manifest and checksums without loading any pickle."""
    from rca.train.store import read_manifest

    return read_manifest(model_dir)


class LogModel:
    """A trained log model (``rca.train``) scoring windows of one service's lines.

    Loaded once, only after its manifest checksums match; ``score(lines)`` returns the
    largest window score and whether the model predicts a failure there.
    """

    def __init__(self, model_dir: str):
        import json as _json
        from pathlib import Path

        from rca.errors import ModelError
        from rca.train import load_model, parse_config

        self.pipeline, manifest = load_model(Path(model_dir))
        try:
            self.cfg = parse_config(manifest["config"])
        except Exception as exc:
            raise ModelError(f"{model_dir}: the stored config is unusable: {exc}") from None
        if self.cfg.input["format"] != "log":
            raise ModelError(f"{model_dir}: the service scores log models only "
                             f"(this one reads {self.cfg.input['format']})")
        from rca.templates import TemplateMiner

        self.miner_state = _json.loads((Path(model_dir) / "miner.json").read_text())
        self.TemplateMiner = TemplateMiner

    def score(self, lines: list[str]) -> tuple[float, bool]:
        import os
        import tempfile

        from rca.train.build import score_frame
        from rca.train.data import load_sessions

        if not lines:
            return 0.0, False
        fd, path = tempfile.mkstemp(suffix=".log", prefix="rca-window-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
            miner = self.TemplateMiner.from_json(self.miner_state)
            frame = load_sessions(self.cfg, [path], with_labels=False, miner=miner)
            if frame.empty:
                return 0.0, False
            res = score_frame(self.pipeline, frame)
        finally:
            os.unlink(path)
        return float(res["score"].max()), bool(res["prediction"].max())


def load_log_model(model_dir: str) -> LogModel:
    """Load a model folder for scoring (``ModelError`` on a checksum mismatch)."""
    return LogModel(model_dir)


# --- feedback ---------------------------------------------------------------------------------


def remember_fix(incident: dict, fix_id: str) -> None:
    """Teach the feedback store (``rca.fixes.feedback``) what fixed this incident, so later
    analyses suggest it for similar signatures."""
    try:
        from rca.fixes.feedback import FeedbackStore
    except ImportError:
        return
    sigs = [rc["template"] for rc in incident.get("root_causes", []) if rc.get("template")]
    sigs += [e["text"] for rc in incident.get("root_causes", []) for e in rc.get("evidence", [])
             if e.get("text")]
    store = FeedbackStore()
    store.remember_incident(incident["id"], sigs[:50] or [incident["id"]],
                            incident.get("services", []))
    store.record(incident["id"], fix_id)

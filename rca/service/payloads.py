"""Validation of ingest bodies: logs (JSON array, NDJSON, OTLP/HTTP JSON, plain lines) and
metrics (JSON samples, wide rows, Prometheus text exposition) -> plain row tuples for the store.

A log row is ``(ts, service, level, message, attrs_json)``; a metric row is
``(ts, series, service, value)``; ``ts`` is epoch seconds (float, receive time when absent).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from rca.errors import InputError

LogRow = tuple[float, str, str | None, str, str | None]
MetricRow = tuple[float, str, str, float]

_MSG_KEYS = ("message", "msg", "body", "log", "text", "event")
_TS_KEYS = ("timestamp", "time", "ts", "@timestamp", "datetime", "date")
_SVC_KEYS = ("service", "service.name", "service_name", "app", "application", "name", "logger")
_LVL_KEYS = ("level", "severity", "levelname", "log.level", "lvl", "loglevel", "severityText")
_LEVEL_WORDS = {
    "trace": "TRACE", "debug": "DEBUG", "info": "INFO", "information": "INFO", "notice": "INFO",
    "warn": "WARN", "warning": "WARN", "error": "ERROR", "err": "ERROR", "fatal": "FATAL",
    "critical": "FATAL", "crit": "FATAL", "panic": "FATAL", "emerg": "FATAL", "alert": "FATAL",
    "severe": "ERROR",
}
_LEVEL_IN_TEXT = re.compile(r"\b(TRACE|DEBUG|INFO|WARN(?:ING)?|ERROR|FATAL|CRITICAL|SEVERE)\b")
_PROM_LINE = re.compile(
    r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?\s*$"
)
_PROM_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')


@dataclass
class Parsed:
    """What one request body yielded: rows to store, and counts of what was refused."""

    rows: list = field(default_factory=list)
    rejected: int = 0
    truncated: int = 0


def epoch(value: Any, default: float) -> float:
    """Epoch seconds from epoch s/ms/µs/ns numbers or ISO 8601 text; ``default`` if unusable.

    >>> epoch("2024-01-01T00:00:00Z", 0.0)
    1704067200.0
    >>> epoch(1704067200000, 0.0)
    1704067200.0
    """
    if value is None or value == "":
        return default
    if isinstance(value, str):
        v = value.strip()
        try:
            value = float(v)
        except ValueError:
            try:
                dt = datetime.fromisoformat(v.replace("Z", "+00:00") if v.endswith("Z") else v)
            except ValueError:
                return default
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=timezone.utc)
            return dt.timestamp()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return default
    x = float(value)
    if x > 1e17:
        return x / 1e9
    if x > 1e14:
        return x / 1e6
    if x > 1e11:
        return x / 1e3
    return x


def level_of(value: Any) -> str | None:
    """Normalise a level name, a pino number (30=INFO) or an OTLP severity number."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        n = int(value)
        if n >= 10:  # pino / bunyan
            return {10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR"}.get(
                n - n % 10, "FATAL")
        if n >= 1:  # OTLP SeverityNumber 1..24
            return ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")[min(5, (n - 1) // 4)]
        return None
    return _LEVEL_WORDS.get(str(value).strip().lower())


def _first(obj: dict, keys: Iterable[str]) -> Any:
    for k in keys:
        if k in obj and obj[k] not in (None, ""):
            return obj[k]
    return None


class LogParser:
    """Turns request bodies into log rows, bounding line length."""

    def __init__(self, max_line_bytes: int, default_service: str = "", line_parser=None):
        self.max_line = max_line_bytes
        self.default_service = default_service
        self.line_parser = line_parser  # optional: str -> dict of record fields (rca.ingest)

    def parse(self, body: bytes, content_type: str, now: float) -> Parsed:
        out = Parsed()
        text = body.decode("utf-8", errors="replace")
        head = text.lstrip()[:1]
        if "json" in content_type or head in ("[", "{"):
            if head == "[":
                items = self._loads(text)
                if not isinstance(items, list):
                    raise InputError("expected a JSON array of log records")
                for item in items:
                    self._item(item, now, out)
            elif head == "{":
                try:
                    whole = json.loads(text)
                except ValueError:
                    whole = None
                if isinstance(whole, dict) and "resourceLogs" in whole:
                    self._otlp(whole, now, out)
                elif isinstance(whole, dict) and isinstance(whole.get("logs"), list):
                    for item in whole["logs"]:
                        self._item(item, now, out)
                elif isinstance(whole, dict):
                    self._item(whole, now, out)
                else:  # NDJSON
                    for n, line in enumerate(text.splitlines(), 1):
                        if not line.strip():
                            continue
                        try:
                            item = json.loads(line)
                        except ValueError:
                            raise InputError(f"line {n} of the NDJSON body is not JSON") from None
                        self._item(item, now, out)
            elif text.strip():
                raise InputError("body is not JSON, NDJSON or OTLP JSON")
        else:
            for line in text.splitlines():
                if line.strip():
                    self._item(line, now, out)
        return out

    @staticmethod
    def _loads(text: str) -> Any:
        try:
            return json.loads(text)
        except ValueError as exc:
            raise InputError(f"body is not valid JSON: {exc}") from None

    def _clip(self, msg: str, out: Parsed) -> str:
        if len(msg) > self.max_line // 4 and len(msg.encode("utf-8")) > self.max_line:
            out.truncated += 1
            return msg.encode("utf-8")[: self.max_line].decode("utf-8", errors="ignore")
        return msg

    def _item(self, item: Any, now: float, out: Parsed, service: str | None = None) -> None:
        if isinstance(item, str):
            fields = self.line_parser(item) if self.line_parser else None
            if fields is None and item[:1] == "{":
                try:
                    obj = json.loads(item)
                except ValueError:
                    obj = None
                if isinstance(obj, dict):
                    return self._item(obj, now, out, service)
            if fields is None:
                m = _LEVEL_IN_TEXT.search(item[:200])
                lvl = level_of(m.group(1)) if m else None
                msg = self._clip(item, out)
                out.rows.append((now, service or self.default_service, lvl, msg, None))
                return
            item = fields
        if not isinstance(item, dict):
            out.rejected += 1
            return
        msg = _first(item, _MSG_KEYS)
        if isinstance(msg, dict):  # OTLP-like body {"stringValue": ...}
            msg = msg.get("stringValue", json.dumps(msg, sort_keys=True))
        if msg is None:
            out.rejected += 1
            return
        msg = self._clip(str(msg), out)
        svc = _first(item, _SVC_KEYS)
        if isinstance(svc, dict):
            svc = svc.get("name")
        svc = str(svc) if svc is not None else (service or self.default_service)
        ts = epoch(_first(item, _TS_KEYS), now)
        lvl = level_of(_first(item, _LVL_KEYS))
        used = {"message", "msg", "body", "log", "text", "event", "timestamp", "time", "ts",
                "@timestamp", "datetime", "date", "service", "service.name", "service_name",
                "app", "application", "name", "logger", "level", "severity", "levelname",
                "log.level", "lvl", "loglevel", "severityText"}
        extra = {k: v for k, v in item.items() if k not in used}
        attrs = json.dumps(extra, default=str)[: self.max_line] if extra else None
        out.rows.append((ts, svc, lvl, msg, attrs))

    def _otlp(self, doc: dict, now: float, out: Parsed) -> None:
        for rl in doc.get("resourceLogs") or []:
            res_attrs = _otlp_attrs((rl.get("resource") or {}).get("attributes"))
            svc = str(res_attrs.get("service.name") or self.default_service)
            for sl in rl.get("scopeLogs") or rl.get("instrumentationLibraryLogs") or []:
                for lr in sl.get("logRecords") or []:
                    if not isinstance(lr, dict):
                        out.rejected += 1
                        continue
                    body = lr.get("body") or {}
                    msg = body.get("stringValue") if isinstance(body, dict) else body
                    if msg is None:
                        msg = json.dumps(body, sort_keys=True) if body else None
                    if msg is None:
                        out.rejected += 1
                        continue
                    ts = epoch(lr.get("timeUnixNano") or lr.get("observedTimeUnixNano"), now)
                    lvl = level_of(lr.get("severityText")) or level_of(lr.get("severityNumber"))
                    attrs = _otlp_attrs(lr.get("attributes"))
                    for k in ("traceId", "spanId"):
                        if lr.get(k):
                            attrs[k] = lr[k]
                    out.rows.append((ts, svc, lvl, self._clip(str(msg), out),
                                     json.dumps(attrs, default=str) if attrs else None))


def _otlp_attrs(attrs: Any) -> dict:
    result: dict[str, Any] = {}
    for a in attrs or []:
        if isinstance(a, dict) and "key" in a:
            v = a.get("value") or {}
            result[a["key"]] = next(iter(v.values()), None) if isinstance(v, dict) else v
    return result


def service_of_series(series: str) -> str:
    """``carts_cpu`` -> ``carts`` (the text before the first underscore)."""
    return series.split("_", 1)[0] if "_" in series else series


def parse_metrics(body: bytes, content_type: str, now: float) -> Parsed:
    """JSON samples ``[{"series", "value", "timestamp", "service"?}]`` (or ``{"samples": [...]}``),
    wide rows ``[{"time": t, "carts_cpu": 0.3, ...}]``, or Prometheus text exposition."""
    out = Parsed()
    text = body.decode("utf-8", errors="replace")
    head = text.lstrip()[:1]
    if "json" in content_type or head in ("[", "{"):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise InputError(f"body is not valid JSON: {exc}") from None
        if isinstance(doc, dict):
            doc = doc.get("samples", [doc])
        if not isinstance(doc, list):
            raise InputError("expected a JSON array of metric samples")
        for item in doc:
            _metric_item(item, now, out)
    else:
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = _PROM_LINE.match(line)
            if not m:
                out.rejected += 1
                continue
            name, labels, value, ts_ms = m.groups()
            lab = dict(_PROM_LABEL.findall(labels or ""))
            try:
                v = float(value)
            except ValueError:
                out.rejected += 1
                continue
            if not math.isfinite(v):
                out.rejected += 1
                continue
            svc = lab.get("service") or lab.get("job") or lab.get("app")
            series = f"{svc}_{name}" if svc and not name.startswith(svc + "_") else name
            ts = float(ts_ms) / 1000.0 if ts_ms else now
            out.rows.append((ts, series, svc or service_of_series(series), v))
    return out


def _metric_item(item: Any, now: float, out: Parsed) -> None:
    if not isinstance(item, dict):
        out.rejected += 1
        return
    name = item.get("series") or item.get("name") or item.get("metric")
    ts = epoch(_first(item, _TS_KEYS), now)
    if name is None:  # a wide row: every other numeric field is a series
        found = False
        for k, v in item.items():
            if k in _TS_KEYS:
                continue
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                out.rows.append((ts, str(k), service_of_series(str(k)), float(v)))
                found = True
            else:
                out.rejected += 1
        if not found and not item:
            out.rejected += 1
        return
    v = item.get("value")
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            v = None
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        out.rejected += 1
        return
    labels = item.get("labels") if isinstance(item.get("labels"), dict) else {}
    svc = item.get("service") or labels.get("service") or labels.get("job")
    name = str(name)
    if svc and not name.startswith(f"{svc}_"):
        name = f"{svc}_{name}"
    out.rows.append((ts, name, str(svc or service_of_series(name)), float(v)))

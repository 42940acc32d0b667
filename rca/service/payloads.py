"""Validation of ingest bodies: logs (JSON array, NDJSON, OTLP/HTTP JSON, plain lines) and
metrics (JSON samples, wide rows, Prometheus text exposition) -> plain row tuples for the store.

A log row is ``(received, ts, service, level, message, attrs_json)``; a metric row is
``(received, ts, series, service, value)``; times are epoch seconds (``ts`` is the receive time
when the record has none).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from rca.errors import InputError

LogRow = tuple[float, float, str, str | None, str, str | None]
MetricRow = tuple[float, float, str, str, float]

_MSG_KEYS = ("message", "msg", "body", "log", "text", "event")
_TS_KEYS = ("timestamp", "time", "ts", "@timestamp", "datetime", "date")
_SVC_KEYS = ("service", "service.name", "service_name", "app", "application", "name")
_LVL_KEYS = ("level", "severity", "levelname", "log.level", "lvl", "loglevel", "severityText")
_loads_fast = json.loads
_USED = frozenset(_MSG_KEYS + _TS_KEYS + _SVC_KEYS + _LVL_KEYS)
_ENCODE = json.JSONEncoder(separators=(",", ":"), default=str).encode
_LEVEL_WORDS: dict[str, str] = {
    "trace": "TRACE", "debug": "DEBUG", "info": "INFO", "information": "INFO", "notice": "INFO",
    "warn": "WARN", "warning": "WARN", "error": "ERROR", "err": "ERROR", "fatal": "FATAL",
    "critical": "FATAL", "crit": "FATAL", "panic": "FATAL", "emerg": "FATAL", "alert": "FATAL",
    "severe": "ERROR",
}
_LEVEL_WORDS.update({k.upper(): v for k, v in _LEVEL_WORDS.items()})
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
    get = obj.get
    for k in keys:
        v = get(k)
        if v is not None and v != "":
            return v
    return None


class LogParser:
    """Turns request bodies into log rows, bounding line length."""

    def __init__(self, max_line_bytes: int, default_service: str = "", line_parser=None,
                 attrs: bool = True):
        self.max_line = max_line_bytes
        self.attrs = attrs  # False: validation only, extra fields are not kept
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
                self._batch(items, None, now, out)
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
                else:  # NDJSON: parse all lines in one call, line by line only on error
                    lines = text.splitlines()
                    if not all(lines):
                        lines = [ln for ln in lines if ln.strip()]
                    try:
                        items = _loads_fast("[" + ",".join(lines) + "]")
                    except ValueError:
                        items = None
                    if isinstance(items, list) and len(items) == len(lines):
                        self._batch(items, lines, now, out)
                        return out
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

    def _batch(self, items: list, raws: list[str] | None, now: float, out: Parsed) -> None:
        """The fast path for many records of the same shape: which key holds the message,
        time, service and level is worked out once per distinct key set. ``raws`` (NDJSON
        lines) become ``attrs`` as they are when a record has fields beyond those four."""
        roles: dict[tuple, tuple | None] = {}
        append = out.rows.append
        default_svc = self.default_service
        clip_at = self.max_line // 4
        for i, item in enumerate(items):
            if type(item) is not dict:
                self._item(item, now, out)
                continue
            keys = tuple(item)
            r = roles.get(keys, 0)
            if r == 0:
                r = roles[keys] = _roles(keys)
            if r is None:
                self._item(item, now, out)
                continue
            mk, tk, sk, lk, extra = r
            msg = item[mk]
            if type(msg) is not str or not msg:
                self._item(item, now, out)
                continue
            if len(msg) > clip_at:
                msg = self._clip(msg, out)
            svc = item[sk] if sk else default_svc
            if type(svc) is not str:
                svc = default_svc if svc is None else str(svc)
            ts = item[tk] if tk else None
            if not (type(ts) is float and 1e8 < ts < 1e11):
                ts = epoch(ts, now)
            lvl = item[lk] if lk else None
            if lvl is not None:
                lvl = (_LEVEL_WORDS.get(lvl) if type(lvl) is str else None) or level_of(lvl)
            attrs = None
            if extra and self.attrs:
                if raws is not None:
                    attrs = raws[i]
                else:
                    attrs = _ENCODE({k: v for k, v in item.items() if k not in _USED})
                if len(attrs) > self.max_line:
                    attrs = attrs[: self.max_line]
            append((now, ts, svc, lvl, msg, attrs))

    @staticmethod
    def _loads(text: str) -> Any:
        try:
            return _loads_fast(text)
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
            if fields is not None and (service or self.default_service):
                fields["service"] = service or self.default_service  # the caller's name wins
            if fields is None:
                m = _LEVEL_IN_TEXT.search(item[:200])
                lvl = level_of(m.group(1)) if m else None
                msg = self._clip(item, out)
                out.rows.append((now, now, service or self.default_service, lvl, msg, None))
                return
            item = fields
        if not isinstance(item, dict):
            out.rejected += 1
            return
        msg = _first(item, _MSG_KEYS)
        if isinstance(msg, dict):  # OTLP-like body {"stringValue": ...}
            msg = msg.get("stringValue", _ENCODE(msg))
        if msg is None:
            out.rejected += 1
            return
        if not isinstance(msg, str):
            msg = str(msg)
        if len(msg) > self.max_line // 4:
            msg = self._clip(msg, out)
        svc = _first(item, _SVC_KEYS)
        if isinstance(svc, dict):
            svc = svc.get("name")
        svc = str(svc) if svc is not None else (service or self.default_service)
        ts = _first(item, _TS_KEYS)
        ts = ts if type(ts) is float and 1e8 < ts < 1e11 else epoch(ts, now)
        lvl = _first(item, _LVL_KEYS)
        if lvl is not None:
            lvl = (_LEVEL_WORDS.get(lvl) if type(lvl) is str else None) or level_of(lvl)
        attrs = None
        if len(item) > 2:
            extra = {k: v for k, v in item.items() if k not in _USED}
            if extra:
                attrs = _ENCODE(extra)
                if len(attrs) > self.max_line:
                    attrs = attrs[: self.max_line]
        out.rows.append((now, ts, svc, lvl, msg, attrs))

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
                    out.rows.append((now, ts, svc, lvl, self._clip(str(msg), out),
                                     json.dumps(attrs, default=str) if attrs else None))


def _roles(keys: tuple) -> tuple | None:
    """For a record's key set: (message key, time key, service key, level key, has extras),
    the first present key of each role in priority order; None when there is no message key
    or a key holds a nested service object (the general path handles those)."""
    present = set(keys)

    def pick(cands):
        return next((k for k in cands if k in present), None)

    mk = pick(_MSG_KEYS)
    if mk is None:
        return None
    return (mk, pick(_TS_KEYS), pick(_SVC_KEYS), pick(_LVL_KEYS),
            any(k not in _USED for k in keys))


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
        _prometheus(text, now, out)
    return out


def _prometheus(text: str, now: float, out: Parsed) -> None:
    """Prometheus text exposition; the series/service of each distinct ``name{labels}`` is
    worked out once per body."""
    known: dict[str, tuple[str, str]] = {}
    append = out.rows.append
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] == "#":
            continue
        key = line[: line.rindex("}") + 1] if "}" in line else line.split(None, 1)[0]
        ident = known.get(key)
        if ident is None:
            m = _PROM_LINE.match(line)
            if not m:
                out.rejected += 1
                continue
            name, labels = m.group(1), m.group(2)
            lab = dict(_PROM_LABEL.findall(labels or ""))
            svc = lab.get("service") or lab.get("job") or lab.get("app")
            series = f"{svc}_{name}" if svc and not name.startswith(svc + "_") else name
            ident = known[key] = (series, svc or service_of_series(series))
        tail = line[len(key):].split()
        if not tail or len(tail) > 2:
            out.rejected += 1
            continue
        try:
            v = float(tail[0])
            ts = float(tail[1]) / 1000.0 if len(tail) == 2 else now
        except ValueError:
            out.rejected += 1
            continue
        if v != v or v in (float("inf"), float("-inf")):
            out.rejected += 1
            continue
        append((now, ts, ident[0], ident[1], v))


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
                out.rows.append((now, ts, str(k), service_of_series(str(k)), float(v)))
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
    out.rows.append((now, ts, name, str(svc or service_of_series(name)), float(v)))

"""Request bodies (bytes + content type) as records and metric frames, read by the same
field, level and timestamp rules as the file readers.

This is the one place where a body that arrived over the network (the service's
``POST /v1/logs`` and ``POST /v1/metrics``, ``rca watch``) becomes data; a new wire format
(OTLP protobuf, ...) is added here, by content type, and every front gets it.

Logs: a JSON array of records (or of lines), ``{"logs": [...]}``, one JSON object, an OTLP/HTTP
JSON export (``resourceLogs``), NDJSON, or plain text lines in any layout :func:`read_records`
knows (syslog, logfmt, Python/log4j/Go headers...), continuation lines included.

>>> recs = read_log_body(b'{"level":"W","msg":"disk 91% full","service":{"name":"pay"}}')
>>> [(r.service, r.level, r.message) for r in recs]
[('pay', 'WARN', 'disk 91% full')]
>>> recs = read_log_body(b"2024-01-02 10:00:00,000 ERROR db: connection refused\\n", "text/plain",
...                      service="db")
>>> [(r.service, r.level, r.message, r.timestamp.year) for r in recs]
[('db', 'ERROR', 'connection refused', 2024)]
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from rca.errors import InputError
from rca.ingest.content import is_protobuf
from rca.ingest.fields import from_mapping
from rca.ingest.jsonlines import otlp_records
from rca.ingest.metrics import (PROM_LINE, TIME_COLUMNS, MetricStats, finish_long,
                                parse_times, read_exposition, read_query_range, wide_to_long)
from rca.ingest.otlp import field_tuples, read_logs
from rca.ingest.otlp_metrics import metrics_from_json, read_protobuf
from rca.ingest.reader import MAX_LINE, ReadStats, parse_lines
from rca.ingest.timestamps import TimeParser
from rca.types import Record

#: ``source`` of records that came in a request body.
BODY_SOURCE = "body"
#: Labels naming the service a metric sample belongs to, in order.
SERVICE_LABELS = ("service", "service.name", "service_name", "job", "app")


def read_log_body(body: bytes, content_type: str = "", service: str | None = None,
                  stats: ReadStats | None = None, max_line: int = MAX_LINE,
                  times: TimeParser | None = None) -> list[Record]:
    """Log records of one request body. ``service`` is the default service (a record's own
    service field wins, as in files); ``stats`` counts records, unparsed lines and truncation.
    A body that claims or looks like JSON but is not raises :class:`rca.errors.InputError`."""
    stats = stats if stats is not None else ReadStats()
    times = times or TimeParser()
    if is_protobuf(content_type):  # OTLP/HTTP protobuf (rca.ingest.otlp)
        fields = field_tuples(read_logs(body, content_type))
        return [_record(f, service or "", n, stats, max_line) for n, f in enumerate(fields, 1)]
    text = body.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    claims_json = "json" in content_type
    if stripped[:1] in ("[", "{"):
        try:
            whole = json.loads(text)
        except ValueError as exc:
            whole = exc
        if isinstance(whole, list):
            return _items(whole, service or "", stats, max_line, times)
        if isinstance(whole, dict):
            logs = whole.get("logs")
            return _items(logs if isinstance(logs, list) else [whole], service or "", stats,
                          max_line, times)
        if claims_json and (stripped[:1] == "[" or "\n" not in stripped.strip()):
            raise InputError(f"body is not valid JSON: {whole}")
    elif claims_json and stripped:
        raise InputError("body is not JSON, NDJSON or OTLP JSON")
    raw = text.splitlines()
    stats.lines += len(raw)
    lines = ((n, t, False, False) for n, t in enumerate(raw, 1))
    records = list(parse_lines(lines, BODY_SOURCE, service or "", None, None, times, stats,
                               max_line))
    if claims_json and any("unparsed" in r.flags for r in records):
        bad = next(r.line for r in records if "unparsed" in r.flags)
        raise InputError(f"line {bad} of the NDJSON body is not JSON")
    return records


def count_log_body(body: bytes, content_type: str = "", service: str | None = None,
                   max_line: int = MAX_LINE) -> tuple[int, int]:
    """``(records, truncated)`` that :func:`read_log_body` would give, raising the same
    errors; for the common shapes (JSON objects, one per line or in an array) only the JSON
    is parsed, other bodies are read whole.

    >>> count_log_body(b'{"msg": "a"}\\n{"resourceLogs": [{"scopeLogs": [{"logRecords": '
    ...                b'[{"body": {"stringValue": "b"}}, {}]}]}]}')  # an empty OTLP record is refused
    (2, 0)
    """
    text = body.decode("utf-8", errors="replace")
    if len(text) <= max_line or max(map(len, text.splitlines()), default=0) <= max_line:
        items = _json_objects(text)
        if items is not None:
            return sum(_otlp_count(i) if "resourceLogs" in i else 1 for i in items), 0
    stats = ReadStats()
    records = read_log_body(body, content_type, service, stats=stats, max_line=max_line)
    return len(records), stats.truncated


def _json_objects(text: str) -> list | None:
    """The JSON objects of a body that is an array of objects, one object, ``{"logs":
    [objects]}`` or NDJSON of objects; None for any other body."""
    head = text.lstrip()[:1]
    if head not in ("[", "{"):
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        try:
            doc = json.loads("[" + ",".join(lines) + "]")
        except ValueError:
            return None
        if len(doc) != len(lines):
            return None
    if isinstance(doc, dict):
        doc = doc["logs"] if isinstance(doc.get("logs"), list) else [doc]
    if isinstance(doc, list) and all(type(i) is dict for i in doc):
        return doc
    return None


def _otlp_count(obj: Mapping) -> int:
    return sum(1 for _ in otlp_records(obj))


def _items(items: Any, default_service: str, stats: ReadStats, max_line: int,
           times: TimeParser) -> list[Record]:
    """Records of a JSON array: objects are structured records (OTLP exports expand to all
    their records), strings are lines; anything else is counted in ``stats.unparsed``."""
    if not isinstance(items, list):
        raise InputError("expected a JSON array of log records")
    out: list[Record] = []
    lines: list[tuple[int, str, bool, bool]] = []
    for n, item in enumerate(items, 1):
        if isinstance(item, str):
            lines.append((n, item, False, False))
        elif isinstance(item, Mapping):
            fields = (list(otlp_records(item, times)) if "resourceLogs" in item
                      else [from_mapping(item, times)])
            for f in fields:
                out.append(_record(f, default_service, n, stats, max_line))
        else:
            stats.unparsed += 1
    if lines:
        out += parse_lines(lines, BODY_SOURCE, default_service, None, None, times, stats,
                           max_line)
        out.sort(key=lambda r: r.line)
    stats.lines += len(items)
    return out


def _record(fields: tuple, default_service: str, line: int, stats: ReadStats,
            max_line: int) -> Record:
    ts, level, svc, host, message, attrs = fields
    flags: tuple[str, ...] = ()
    if len(message) > max_line:
        message, flags = message[:max_line], ("truncated",)
        stats.truncated += 1
    stats.records += 1
    return Record(message, ts, svc or default_service, host, level, attrs, BODY_SOURCE, line,
                  flags)


# --- metrics ---------------------------------------------------------------------------------

def read_metric_body(body: bytes, content_type: str = "", received: float | None = None,
                     stats: MetricStats | None = None) -> pd.DataFrame:
    """Metric samples of one request body as a long frame ``timestamp, series, value, labels,
    service``. Accepted: Prometheus text exposition, a Prometheus ``query_range`` response,
    JSON samples ``[{"series"|"name"|"metric", "value", "timestamp"?, "service"?, "labels"?}]``
    (or ``{"samples": [...]}``) and wide rows ``[{"time": t, "carts_cpu": 0.3, ...}]``.
    Samples without a time get ``received`` (epoch seconds, default now)."""
    stats = stats if stats is not None else MetricStats()
    now = pd.Timestamp.now(tz="UTC") if received is None else pd.Timestamp(received, unit="s",
                                                                          tz="UTC")
    if is_protobuf(content_type):  # OTLP/HTTP or Prometheus remote write
        return with_services(read_protobuf(body, content_type, stats))
    text = body.decode("utf-8", errors="replace")
    head = text.lstrip()[:1]
    if "json" in content_type or head in ("[", "{"):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise InputError(f"body is not valid JSON: {exc}") from None
        if isinstance(doc, dict) and "resourceMetrics" in doc:
            long = metrics_from_json(doc).frame
        elif isinstance(doc, dict) and ("data" in doc or "result" in doc):
            long = read_query_range(doc, BODY_SOURCE, stats)
        else:
            if isinstance(doc, dict):
                doc = doc.get("samples", [doc])
            if not isinstance(doc, list):
                raise InputError("expected a JSON array of metric samples")
            long = _json_samples(doc, now, stats)
    else:
        long = read_exposition(text, now, stats)
    return with_services(long)


def count_metric_body(body: bytes, content_type: str = "") -> int:
    """Samples :func:`read_metric_body` would keep (same errors); Prometheus text is only
    matched line by line, other bodies are read whole.

    >>> count_metric_body(b'# TYPE cpu gauge\\ncpu{service="a"} 0.5\\nmem NaN\\nbad line\\n')
    1
    """
    text = body.decode("utf-8", errors="replace")
    if is_protobuf(content_type) or "json" in content_type or text.lstrip()[:1] in ("[", "{"):
        return len(read_metric_body(body, content_type))
    n = 0
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] == "#":
            continue
        m = PROM_LINE.match(line)
        if m is None or (m["ts"] and not -1e15 < int(m["ts"]) < 1e15):
            continue
        try:
            n += math.isfinite(float(m["value"]))
        except ValueError:
            continue
    return n


def _json_samples(items: list, now: pd.Timestamp, stats: MetricStats) -> pd.DataFrame:
    named = [i for i in items if isinstance(i, Mapping) and _name(i) is not None]
    wide = [i for i in items if isinstance(i, Mapping) and _name(i) is None and i]
    stats.rows += len(items)
    stats.non_numeric += len(items) - len(named) - len(wide)
    parts = []
    if named:
        labels = [dict(i["labels"]) if isinstance(i.get("labels"), Mapping) else {}
                  for i in named]
        for lab, i in zip(labels, named):
            if i.get("service") and "service" not in lab:
                lab["service"] = str(i["service"])
        values = pd.to_numeric(pd.Series([i.get("value") for i in named], dtype=object),
                               errors="coerce")
        stats.non_numeric += int(values.isna().sum())
        parts.append(finish_long(pd.DataFrame({
            "timestamp": _times([_time(i) for i in named], now),
            "series": [str(_name(i)) for i in named], "value": values, "labels": labels}),
            stats))
    if wide:
        frame = pd.DataFrame(wide)
        tcol = next((c for c in frame.columns if str(c).lower() in TIME_COLUMNS), None)
        if tcol is None:
            tcol = "timestamp"
            frame[tcol] = now.timestamp()
        parts.append(wide_to_long(frame, tcol, stats))
    if not parts:
        return finish_long(pd.DataFrame({"timestamp": pd.Series([], dtype="datetime64[ns, UTC]"),
                                         "series": [], "value": []}), stats)
    return pd.concat(parts, ignore_index=True)


def _name(item: Mapping) -> Any:
    return item.get("series") or item.get("name") or item.get("metric")


def _time(item: Mapping) -> Any:
    return next((item[k] for k in TIME_COLUMNS if item.get(k) not in (None, "")), None)


def _times(values: list, now: pd.Timestamp) -> pd.Series:
    ts = parse_times(pd.Series(values, dtype=object)).astype("datetime64[ns, UTC]")
    return ts.fillna(now)


def with_services(long: pd.DataFrame) -> pd.DataFrame:
    """Add ``service`` to a long metric frame: a service label when there is one (the series
    is then named ``<service>_<metric>``, the convention the ranking reads), else the part of
    the series name before its first underscore."""
    services, names = [], []
    for series, labels in zip(long["series"], long["labels"]):
        svc = next((str(labels[k]) for k in SERVICE_LABELS if labels and labels.get(k)), None)
        base = series.split("{", 1)[0]
        if svc:
            names.append(base if base.startswith(svc + "_") else f"{svc}_{base}")
        else:
            names.append(series)
            svc = series.split("_", 1)[0]
        services.append(svc)
    out = long.assign(series=names, service=services)
    finite = np.isfinite(out["value"].to_numpy(dtype=float))
    return out[finite].reset_index(drop=True)

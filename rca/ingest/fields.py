"""Field aliases of structured logs (JSON lines, logfmt) as data, and the mapping to a record.

Each canonical field has an ordered list of keys; a dotted key matches either a flat key
(``"log.level"``) or a nested one (``{"log": {"level": ...}}``). Covered writers: pino/bunyan,
winston, Elastic Common Schema, OpenTelemetry log records, structlog, logrus/zap/slog, Docker's
json-file driver, GCP/Serilog.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rca.ingest.levels import normalize_level, otel_level, pino_level, syslog_level
from rca.ingest.timestamps import TimeParser, epoch_to_datetime

TIME_KEYS = ("@timestamp", "timestamp", "time", "timeUnixNano", "observedTimeUnixNano", "ts",
             "datetime", "date", "@t", "t", "eventTime", "asctime")
LEVEL_KEYS = ("level", "log.level", "severityText", "severity", "levelname", "lvl", "loglevel",
              "log_level", "@l", "syslog.severity", "severityNumber", "status")
MESSAGE_KEYS = ("msg", "message", "body", "event", "log", "@m", "@mt", "text", "textPayload")
SERVICE_KEYS = ("service.name", "resource.service.name", "service", "app", "application",
                "app_name", "appname", "name", "logger", "logger_name", "component")
HOST_KEYS = ("host.name", "hostname", "host", "node", "instance")
#: keys whose number is on a known scale (others numeric levels are read as pino numbers)
_NUMERIC_SCALE = {"severityNumber": otel_level, "syslog.severity": syslog_level,
                  "level": pino_level, "lvl": pino_level}
_ERROR_KEYS = ("err", "error", "exception", "exc_info", "stack", "stack_trace", "error.stack_trace")


def lookup(obj: Mapping[str, Any], key: str) -> Any:
    """``obj[key]``, or for a dotted key the nested value; None when absent."""
    value = obj.get(key)
    if value is not None or "." not in key:
        return value
    head, _, rest = key.partition(".")
    inner = obj.get(head)
    if isinstance(inner, Mapping):
        return lookup(inner, rest)
    return None


def _first(obj: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for key in keys:
        value = lookup(obj, key)
        if value is not None and value != "":
            return key, value
    return None, None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):  # OTel AnyValue {"stringValue": ...}
        for k in ("stringValue", "intValue", "doubleValue", "boolValue"):
            if k in value:
                return str(value[k])
    if value is None:
        return ""
    import json

    return json.dumps(value, ensure_ascii=False, default=str)


def otel_attributes(value: Any) -> dict[str, Any]:
    """OTel ``[{"key": k, "value": {"stringValue": v}}]`` (or a plain mapping) as a dict."""
    if isinstance(value, Mapping):
        return dict(value)
    out: dict[str, Any] = {}
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping) and "key" in item:
                out[str(item["key"])] = _text(item.get("value"))
    return out


def timestamp_of(value: Any, times: TimeParser):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return epoch_to_datetime(value)
    if isinstance(value, str):
        if value.isdigit():
            return epoch_to_datetime(int(value))
        return times.parse(value)
    if isinstance(value, Mapping) and "$date" in value:  # MongoDB extended JSON
        return timestamp_of(value["$date"], times)
    return None


def level_of(key: str | None, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _NUMERIC_SCALE.get(key or "", pino_level)(int(value))
    if isinstance(value, str):
        if value.isdigit():
            return _NUMERIC_SCALE.get(key or "", pino_level)(int(value))
        return normalize_level(value)
    return None


def from_mapping(obj: Mapping[str, Any], times: TimeParser, resource: Mapping | None = None):
    """Map one structured record to ``(timestamp, level, service, host, message, attrs)``."""
    used: set[str] = set()
    tkey, tval = _first(obj, TIME_KEYS)
    ts = timestamp_of(tval, times) if tkey else None
    lkey, lval = _first(obj, LEVEL_KEYS)
    level = level_of(lkey, lval)
    if level is None and lkey is not None and lkey != "severityNumber":
        level = level_of("severityNumber", obj.get("severityNumber"))
    mkey, mval = _first(obj, MESSAGE_KEYS)
    message = _text(mval) if mkey else ""
    if resource is None and isinstance(obj.get("resource"), Mapping):
        resource = obj["resource"]
    res_attrs = otel_attributes(resource.get("attributes", resource)) if resource else {}
    skey, sval = _first(obj, SERVICE_KEYS)
    service = res_attrs.get("service.name") or (_text(sval) if skey else None)
    hkey, hval = _first(obj, HOST_KEYS)
    host = _text(hval) if hkey and not isinstance(hval, Mapping) else res_attrs.get("host.name")
    for key in (tkey, lkey, mkey, skey, hkey, "resource"):
        if key:
            used.add(key.partition(".")[0])
    attrs = {k: v for k, v in obj.items() if k not in used}
    if "attributes" in attrs:
        attrs["attributes"] = otel_attributes(attrs["attributes"])
    from rca.ingest.error_fields import error_fields  # it uses lookup() from here

    attrs.update(error_fields({**obj, "attributes": attrs.get("attributes") or {}}))
    if not message:
        ekey, err = _first(obj, _ERROR_KEYS)
        if isinstance(err, Mapping):
            message = _text(err.get("message") or err.get("type") or "")
        elif err is not None:
            message = _text(err).split("\n", 1)[0]
    return ts, level, service or None, host or None, message, attrs

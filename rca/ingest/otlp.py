"""OTLP/HTTP export requests (OpenTelemetry SDKs, the Collector's ``otlphttp`` exporter) -> records.

Both encodings: ``application/x-protobuf`` is decoded with the ``opentelemetry-proto`` package;
``application/json`` (the OTLP JSON mapping: lowerCamelCase keys, hex trace/span ids, enums as
numbers) is parsed into the same protobuf message, so one mapping serves both.

A log record becomes a :class:`rca.types.Record`: ``service`` from the resource's
``service.name``, ``host`` from ``host.name``, the level from the severity number (else the
severity text), the message from the body (a structured body is read like a JSON log line).
``attrs`` keep the record's attributes, ``service.namespace``, ``deployment.environment``, the
scope name (``otel.scope.name``), ``trace.id``/``span.id`` (hex), and the exception attributes
under the shared error keys ``error.type``, ``error.message``, ``error.stack_trace``. The stack
trace (else ``type: message``) is also appended to the message, as in a text log of the same
call (``log.exception("write failed")``), so signatures and fixes see the same text either way.
Metric data points are in :mod:`rca.ingest.otlp_metrics`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from rca.errors import InputError
from rca.ingest.content import is_protobuf
from rca.ingest.fields import from_mapping
from rca.ingest.levels import normalize_level, otel_level
from rca.ingest.timestamps import TimeParser, epoch_to_datetime
from rca.types import Record

#: resource attributes kept on every record of the resource (besides service and host)
RESOURCE_KEYS = ("service.namespace", "service.version", "deployment.environment",
                 "deployment.environment.name")
#: OpenTelemetry exception attributes -> the shared (ECS-style) error keys
ERROR_KEYS = {"exception.type": "error.type", "exception.message": "error.message",
              "exception.stacktrace": "error.stack_trace"}
#: why a log record / data point is refused (the partial-success message)
REJECTED = {"logs": "log records with neither a body nor an exception",
            "metrics": "data points without a value"}
_ID_KEYS = ("traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id")
_LEGACY = {"instrumentationLibraryLogs": "scopeLogs", "instrumentationLibraryMetrics":
           "scopeMetrics", "instrumentationLibrary": "scope"}
_REQUESTS = {
    "logs": ("opentelemetry.proto.collector.logs.v1.logs_service_pb2",
             "ExportLogsServiceRequest", "ExportLogsServiceResponse", "rejected_log_records"),
    "metrics": ("opentelemetry.proto.collector.metrics.v1.metrics_service_pb2",
                "ExportMetricsServiceRequest", "ExportMetricsServiceResponse",
                "rejected_data_points"),
}


@dataclass
class OtlpLogs:
    """What one export request held: the records, and how many log records were refused."""

    records: list[Record] = field(default_factory=list)
    rejected: int = 0
    reason: str = ""


def _module(signal: str):
    import importlib

    try:
        return importlib.import_module(_REQUESTS[signal][0])
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise InputError("OTLP needs the 'opentelemetry-proto' package "
                         "(pip install opentelemetry-proto)") from exc


def _hex_ids_to_base64(obj: Any) -> Any:
    """OTLP JSON writes trace/span ids as hex; protobuf's JSON parser wants base64."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            k = _LEGACY.get(k, k)
            if k in _ID_KEYS and isinstance(v, str) and v:
                try:
                    v = base64.b64encode(bytes.fromhex(v)).decode()
                except ValueError:
                    raise InputError(f"{k} {v[:40]!r} is not a hex id") from None
            out[k] = _hex_ids_to_base64(v)
        return out
    if isinstance(obj, list):
        return [_hex_ids_to_base64(v) for v in obj]
    return obj


def decode_request(signal: str, body: bytes, content_type: str | None):
    """The ``Export{Logs,Metrics}ServiceRequest`` in ``body`` (protobuf or OTLP JSON)."""
    if is_protobuf(content_type):
        msg = getattr(_module(signal), _REQUESTS[signal][1])()
        from google.protobuf.message import DecodeError

        try:
            msg.ParseFromString(body)
        except DecodeError as exc:
            raise InputError(f"body is not an OTLP {signal} protobuf message ({exc})") from None
        return msg
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"body is not valid JSON: {exc}") from None
    return request_from_json(signal, doc)


def request_from_json(signal: str, doc: Any):
    """The export request of an already parsed OTLP JSON object."""
    from google.protobuf import json_format

    if not isinstance(doc, dict):
        raise InputError(f"an OTLP {signal} JSON body is an object")
    msg = getattr(_module(signal), _REQUESTS[signal][1])()
    try:
        return json_format.ParseDict(_hex_ids_to_base64(doc), msg, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise InputError(f"body is not OTLP {signal} JSON ({exc})") from None


def is_otlp_body(signal: str, body: bytes, content_type: str | None) -> bool:
    """An OTLP export request: protobuf (not remote write), or a JSON object whose first key
    is ``resourceLogs``/``resourceMetrics``."""
    if is_protobuf(content_type):
        return "proto=" not in (content_type or "")
    key = b'"resourceLogs"' if signal == "logs" else b'"resourceMetrics"'
    return body.lstrip()[:1] == b"{" and key in body[:64]


def response(signal: str, rejected: int, content_type: str | None,
             reason: str | None = None) -> bytes:
    """The OTLP response message (``partial_success`` set when something was rejected), in the
    request's encoding."""
    reason = REJECTED[signal] if reason is None else reason
    mod = _module(signal)
    _, _, resp_name, count_field = _REQUESTS[signal]
    resp = getattr(mod, resp_name)()
    if rejected:
        setattr(resp.partial_success, count_field, rejected)
        resp.partial_success.error_message = reason
    if is_protobuf(content_type):
        return resp.SerializeToString()
    from google.protobuf import json_format

    return json.dumps(json_format.MessageToDict(resp)).encode()


def any_value(v) -> Any:
    """An ``AnyValue`` as plain Python (kvlist -> dict, array -> list, bytes -> hex)."""
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in v.kvlist_value.values}
    if kind == "bytes_value":
        return v.bytes_value.hex()
    return getattr(v, kind)


def attributes(kvs) -> dict[str, Any]:
    return {kv.key: any_value(kv.value) for kv in kvs}


def read_logs(body: bytes, content_type: str | None, source: str = "otlp") -> OtlpLogs:
    """Records of an OTLP logs export request; ``InputError`` when the body is not one."""
    return logs_from_request(decode_request("logs", body, content_type), source)


def field_tuples(got: OtlpLogs) -> list[tuple]:
    """The records as the line readers' ``(timestamp, level, service, host, message, attrs)``."""
    return [(r.timestamp, r.level, r.service or None, r.host, r.message, dict(r.attrs))
            for r in got.records]


def logs_from_request(req, source: str = "otlp") -> OtlpLogs:
    out = OtlpLogs()
    times = TimeParser()
    n = 0
    for rl in req.resource_logs:
        res = attributes(rl.resource.attributes)
        base = {k: res[k] for k in RESOURCE_KEYS if res.get(k) not in (None, "")}
        service = str(res.get("service.name") or "")
        host = res.get("host.name")
        for sl in rl.scope_logs:
            scope = {"otel.scope.name": sl.scope.name} if sl.scope.name else {}
            for lr in sl.log_records:
                n += 1
                rec = _record(lr, base | scope, service, host, times, source, n)
                if rec is None:
                    out.rejected += 1
                    out.reason = REJECTED["logs"]
                else:
                    out.records.append(rec)
    return out


def _record(lr, base: dict, service: str, host, times: TimeParser, source: str, n: int):
    attrs = dict(base)
    for key, value in attributes(lr.attributes).items():
        attrs[ERROR_KEYS.get(key, key)] = value
    body = any_value(lr.body) if lr.HasField("body") else None
    b_ts = None
    level = otel_level(lr.severity_number) if lr.severity_number else None
    level = level or normalize_level(lr.severity_text or None)
    if isinstance(body, dict):  # a structured body reads like a JSON log line
        b_ts, b_level, b_service, b_host, message, extra = from_mapping(body, times)
        level, service, host = level or b_level, service or b_service or "", host or b_host
        attrs.update({k: v for k, v in extra.items() if k not in attrs})
    elif body is None:
        message = ""
    else:
        message = body if isinstance(body, str) else json.dumps(body, default=str)
    message = _with_exception(message, attrs)
    if not message:
        return None
    if lr.trace_id:
        attrs["trace.id"] = lr.trace_id.hex()
    if lr.span_id:
        attrs["span.id"] = lr.span_id.hex()
    ts = epoch_to_datetime(lr.time_unix_nano or lr.observed_time_unix_nano or 0) or b_ts
    return Record(message, ts, service, str(host) if host else None, level, attrs, source, n)


def _with_exception(message: str, attrs: dict) -> str:
    """The message as a text log of the same call would hold it: followed by the stack trace
    (or ``type: message`` when there is none), unless the body already carries it."""
    stack = attrs.get("error.stack_trace")
    etype, emsg = attrs.get("error.type"), attrs.get("error.message")
    if stack:
        extra = str(stack).rstrip("\n")
    elif etype or emsg:
        extra = f"{etype}: {emsg}" if etype and emsg else str(etype or emsg)
    else:
        return message
    if extra in message:
        return message
    return f"{message}\n{extra}" if message else extra

"""The official OpenTelemetry Python SDK exporters against a running `rca serve` (issue 15).

70 log records (50 INFO, 20 ``log.exception`` of ``OSError(28, 'No space left on device')``)
from ``service.name = checkout`` go through ``OTLPLogExporter`` as protobuf (the SDK default)
and as OTLP JSON, with gzip on and off; the service must store exactly those 70 records with
the right service, levels and error fields. Metrics go through ``OTLPMetricExporter``.
"""

from __future__ import annotations

import base64
import json
import logging
import sqlite3

import httpx
import pytest
from service_helpers import running_server, wait_incident

pytest.importorskip("opentelemetry.sdk", reason="needs the 'test' extra (opentelemetry-sdk)")
http_exporter = pytest.importorskip(
    "opentelemetry.exporter.otlp.proto.http", reason="needs opentelemetry-exporter-otlp-proto-http")

from google.protobuf import json_format  # noqa: E402
from opentelemetry.exporter.otlp.proto.http import Compression  # noqa: E402
from opentelemetry.exporter.otlp.proto.http import _log_exporter as log_mod  # noqa: E402
from opentelemetry.exporter.otlp.proto.http import metric_exporter as metric_mod  # noqa: E402
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler  # noqa: E402
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor  # noqa: E402
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:.*LoggingHandler.*:DeprecationWarning")
RESOURCE = {"service.name": "checkout", "service.namespace": "shop", "host.name": "web-7",
            "deployment.environment": "prod"}


class _AsJson:
    """What the exporter serialises, in the OTLP JSON mapping (hex ids, integer enums)."""

    def __init__(self, msg):
        self.msg = msg

    def __getattr__(self, name):  # the exporter counts data points on the message
        return getattr(self.msg, name)

    def SerializeToString(self) -> bytes:  # noqa: N802 - the protobuf method name
        doc = json_format.MessageToDict(self.msg, use_integers_for_enums=True)
        return json.dumps(_hex_ids(doc)).encode()


def _hex_ids(obj):
    if isinstance(obj, dict):
        return {k: (base64.b64decode(v).hex() if k in ("traceId", "spanId") else _hex_ids(v))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [_hex_ids(v) for v in obj]
    return obj


def _json_encoder(monkeypatch, module, name):
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a, **kw: _AsJson(real(*a, **kw)))


def _send_logs(base: str, encoding: str, gzip: bool) -> str:
    """The 70 records through the SDK; returns the hex trace id the exceptions were logged in."""
    headers = {"Content-Type": "application/json"} if encoding == "json" else None
    exporter = log_mod.OTLPLogExporter(
        endpoint=f"{base}/v1/logs", headers=headers,
        compression=Compression.Gzip if gzip else Compression.NoCompression)
    provider = LoggerProvider(resource=Resource.create(RESOURCE))
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
    log = logging.getLogger(f"checkout.{encoding}.{gzip}")
    log.propagate = False
    log.setLevel(logging.INFO)
    handler = LoggingHandler(level=logging.INFO, logger_provider=provider)
    log.addHandler(handler)
    try:
        for i in range(50):
            log.info("order %d placed", i)
        tracer = TracerProvider().get_tracer("checkout")
        with tracer.start_as_current_span("write receipts") as span:
            for i in range(20):
                try:
                    raise OSError(28, "No space left on device")
                except OSError:
                    log.exception("could not write receipt %d", i)
        assert provider.force_flush(10_000)
    finally:
        log.removeHandler(handler)
        provider.shutdown()
    return format(span.get_span_context().trace_id, "032x")


def _stored_logs(db) -> list[dict]:
    """Stored log rows; ``host`` from its column (or attrs where the store has none)."""
    con = sqlite3.connect(str(db))
    con.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in con.execute("SELECT * FROM logs")]
    finally:
        con.close()
    for r in rows:
        r.setdefault("host", json.loads(r["attrs"] or "{}").get("host"))
    return rows


@pytest.mark.parametrize("encoding", ["protobuf", "json"])
@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_sdk_log_exporter_stores_exactly_what_was_sent(tmp_path, monkeypatch, encoding, gzip):
    if encoding == "json":
        _json_encoder(monkeypatch, log_mod, "encode_logs")
    db = tmp_path / "svc.sqlite3"
    with running_server(db) as base:
        trace_id = _send_logs(base, encoding, gzip)
        _wait_stored(base, 70)
    rows = _stored_logs(db)
    assert len(rows) == 70
    assert {r["service"] for r in rows} == {"checkout"}
    levels = [r["level"] for r in rows]
    assert levels.count("INFO") == 50 and levels.count("ERROR") == 20
    assert {r["host"] for r in rows} == {"web-7"}
    errors = [json.loads(r["attrs"]) for r in rows if r["level"] == "ERROR"]
    for a in errors:
        assert a["error.type"] == "OSError"
        assert a["error.stack_trace"].rstrip().endswith(
            "OSError: [Errno 28] No space left on device")
        assert a["deployment.environment"] == "prod"
        assert a["trace.id"] == trace_id and len(a["span.id"]) == 16
        assert a["service.namespace"] == "shop"
        assert "exception.type" not in a
    infos = [r["message"] for r in rows if r["level"] == "INFO"]
    assert sorted(infos) == sorted(f"order {i} placed" for i in range(50))
    assert not any("telemetry.sdk" in r["message"] for r in rows)  # no protobuf fragments


def _wait_stored(base: str, n: int, kind: str = "logs", timeout: float = 20.0) -> dict:
    """Wait until ``n`` events of ``kind`` are stored and the scorer has read them all."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        st = httpx.get(base + "/v1/stats", timeout=5).json()
        if st["stored"][kind] >= n and st["scored"] == st["stored"]:
            return st
        assert time.monotonic() < deadline, f"only {st} after {timeout}s"
        time.sleep(0.05)


def test_unknown_content_type_gets_415_and_stores_nothing(tmp_path):
    with running_server(tmp_path / "svc.sqlite3") as base:
        for ctype in ("application/octet-stream", "image/png", "application/grpc"):
            r = httpx.post(base + "/v1/logs", content=b"\x0a\x12\x08\x00binary",
                           headers={"Content-Type": ctype}, timeout=5)
            assert r.status_code == 415, r.text
            assert "application/x-protobuf" in r.json()["error"]
            assert "application/x-protobuf" in r.headers["accept-post"]
        # bytes without a content type are refused too, never stored as text lines
        r = httpx.post(base + "/v1/logs", content=bytes(range(256)) * 4, timeout=5)
        assert r.status_code == 415
        assert httpx.get(base + "/v1/stats", timeout=5).json()["stored"]["logs"] == 0


def test_enospc_through_otel_gets_the_disk_full_fix(tmp_path):
    """Normal traffic from three services, then checkout's disk fills: the exception sent
    through the SDK reaches the incident's suggestions."""
    import asyncio
    import time

    from service_helpers import client

    from rca.service import ServiceConfig, create_app

    db = tmp_path / "svc.sqlite3"
    with running_server(db, bucket_seconds=10.0) as base:
        t0 = time.time() - 600

        def normal(buckets):
            return [{"timestamp": t0 + b * 10 + k, "service": svc, "level": "INFO",
                     "message": f"GET /items/{b * 7 + k} 200 in {3 + k} ms"}
                    for b in buckets for svc in ("api", "checkout", "db") for k in range(4)]

        before, after = normal(range(60)), normal(range(62, 66))
        for batch in (before, None, after):  # the SDK's records are stamped "now"
            if batch is None:
                _send_logs(base, "protobuf", gzip=True)
                continue
            r = httpx.post(base + "/v1/logs", content="\n".join(map(json.dumps, batch)),
                           headers={"Content-Type": "application/x-ndjson"}, timeout=10)
            assert r.status_code == 202
        _wait_stored(base, len(before) + len(after) + 70)

    async def incident():
        app = create_app(ServiceConfig(db=str(db), analysis_interval_seconds=0.0))
        async with client(app) as c:
            return await wait_incident(c)

    inc = asyncio.run(incident())
    assert "checkout" in inc["services"]
    assert "disk-full" in [s["id"] for s in inc["suggestions"]], inc["suggestions"]


def test_sdk_metric_exporter_gauge_sum_histogram(tmp_path, monkeypatch):
    for encoding in ("protobuf", "json"):
        if encoding == "json":
            _json_encoder(monkeypatch, metric_mod, "encode_metrics")
        db = tmp_path / f"{encoding}.sqlite3"
        with running_server(db) as base:
            headers = {"Content-Type": "application/json"} if encoding == "json" else None
            exporter = metric_mod.OTLPMetricExporter(endpoint=f"{base}/v1/metrics",
                                                     headers=headers, compression=Compression.Gzip)
            reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
            provider = MeterProvider(resource=Resource.create(RESOURCE), metric_readers=[reader])
            meter = provider.get_meter("checkout")
            meter.create_gauge("disk_used_ratio").set(0.93, {"mount": "/var"})
            meter.create_counter("orders").add(7)
            hist = meter.create_histogram("latency_ms")
            for v in (5, 10, 40):
                hist.record(v)
            try:
                assert provider.force_flush(10_000)
                assert _wait_stored(base, 4, "metrics")["stored"]["metrics"] == 4
            finally:
                provider.shutdown()
        con = sqlite3.connect(str(db))
        got = {s.split("{")[0]: (svc, v) for s, svc, v in con.execute(
            "SELECT series, service, value FROM metrics")}  # labels: the store's naming
        con.close()
        assert got == {"checkout_disk_used_ratio": ("checkout", 0.93),
                       "checkout_orders": ("checkout", 7.0),
                       "checkout_latency_ms_count": ("checkout", 3.0),
                       "checkout_latency_ms_sum": ("checkout", 55.0)}, encoding

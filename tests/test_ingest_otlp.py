"""rca.ingest.otlp / otlp_metrics / content on hand-built OTLP messages: the cases the SDK
tests do not reach (structured bodies, ids, legacy JSON keys, partial success, bombs)."""

from __future__ import annotations

import gzip
import json

import pytest

pytest.importorskip("opentelemetry.proto")

from opentelemetry.proto.collector.logs.v1 import logs_service_pb2  # noqa: E402
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2  # noqa: E402

from rca.errors import InputError, UnsupportedMediaType  # noqa: E402
from rca.ingest import otlp, otlp_metrics  # noqa: E402
from rca.ingest.content import check_media_type, decompress  # noqa: E402

PB = "application/x-protobuf"


def _logs_request():
    req = logs_service_pb2.ExportLogsServiceRequest()
    rl = req.resource_logs.add()
    for k, v in (("service.name", "orders"), ("host.name", "db-2"),
                 ("deployment.environment.name", "staging")):
        kv = rl.resource.attributes.add()
        kv.key, kv.value.string_value = k, v
    sl = rl.scope_logs.add()
    sl.scope.name = "orders.repo"
    a = sl.log_records.add()
    a.time_unix_nano = 1_700_000_000_000_000_000
    a.severity_text = "warning"
    a.trace_id = bytes.fromhex("5b8efff798038103d269b633813fc60c")
    a.span_id = bytes.fromhex("eee19b7ec3c1b174")
    for k, v in (("msg", "slow query"), ("ms", 812)):
        kv = a.body.kvlist_value.values.add()
        kv.key = k
        if isinstance(v, str):
            kv.value.string_value = v
        else:
            kv.value.int_value = v
    b = sl.log_records.add()  # nothing to store
    b.severity_number = 9
    return req


def test_structured_body_ids_scope_and_rejected_record():
    got = otlp.read_logs(_logs_request().SerializeToString(), PB)
    assert got.rejected == 1 and len(got.records) == 1
    r = got.records[0]
    assert (r.service, r.host, r.level, r.message) == ("orders", "db-2", "WARN", "slow query")
    assert r.timestamp.timestamp() == 1_700_000_000
    assert r.attrs["ms"] == 812 and r.attrs["otel.scope.name"] == "orders.repo"
    assert r.attrs["trace.id"] == "5b8efff798038103d269b633813fc60c"
    assert r.attrs["span.id"] == "eee19b7ec3c1b174"
    assert r.attrs["deployment.environment.name"] == "staging"


def test_partial_success_response_in_the_request_encoding():
    raw = otlp.response("logs", 1, PB)
    resp = logs_service_pb2.ExportLogsServiceResponse.FromString(raw)
    assert resp.partial_success.rejected_log_records == 1
    assert resp.partial_success.error_message == otlp.REJECTED["logs"]
    doc = json.loads(otlp.response("logs", 0, "application/json"))
    assert doc == {}


def test_json_with_hex_ids_and_legacy_keys_reads_like_protobuf():
    doc = {"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]},
        "instrumentationLibraryLogs": [{"logRecords": [{
            "timeUnixNano": "1700000000000000000", "severityNumber": 21,
            "traceId": "5b8efff798038103d269b633813fc60c",
            "body": {"stringValue": "panic"}}]}]}]}
    got = otlp.read_logs(json.dumps(doc).encode(), "application/json")
    (r,) = got.records
    assert (r.service, r.level, r.message) == ("api", "FATAL", "panic")
    assert r.attrs["trace.id"] == "5b8efff798038103d269b633813fc60c"
    with pytest.raises(InputError, match="hex id"):
        otlp.read_logs(b'{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"traceId": "zz"}]}]}]}',
                       "application/json")
    with pytest.raises(InputError, match="protobuf"):
        otlp.read_logs(b"\xff\xff\xff", PB)


def test_summary_and_histogram_points():
    req = metrics_service_pb2.ExportMetricsServiceRequest()
    rm = req.resource_metrics.add()
    kv = rm.resource.attributes.add()
    kv.key, kv.value.string_value = "service.name", "db"
    m = rm.scope_metrics.add().metrics.add()
    m.name = "rpc_ms"
    p = m.summary.data_points.add()
    p.time_unix_nano, p.count, p.sum = 1_700_000_000_000_000_000, 4, 100.0
    q = p.quantile_values.add()
    q.quantile, q.value = 0.99, 61.0
    g = rm.scope_metrics[0].metrics.add()
    g.name = "empty"
    g.gauge.data_points.add()  # no value: rejected
    got = otlp_metrics.read_metrics(req.SerializeToString(), PB)
    assert got.rejected == 1
    vals = dict(zip(got.frame["series"], got.frame["value"]))
    assert vals == {'rpc_ms_count{service="db"}': 4.0, 'rpc_ms_sum{service="db"}': 100.0,
                    'rpc_ms{quantile="0.99",service="db"}': 61.0}


def test_content_types_and_decompression_bound():
    assert check_media_type("metrics", "application/openmetrics-text; version=1.0.0")
    with pytest.raises(UnsupportedMediaType) as exc:
        check_media_type("metrics", "application/x-ndjson")
    assert "application/x-protobuf" in exc.value.accepted
    bomb = gzip.compress(b"\0" * 2_000_000)
    with pytest.raises(InputError, match="inflates to more than"):
        decompress(bomb, "gzip", limit=1_000_000)
    with pytest.raises(UnsupportedMediaType):
        decompress(b"x", "br", limit=10)
    with pytest.raises(InputError, match="truncated"):
        decompress(gzip.compress(b"hello world")[:-8], "gzip", limit=100)


def test_remote_write_roundtrip_and_snappy_bound():
    import cramjam

    from rca.ingest.remote_write import is_remote_write, read_remote_write, write_request_class

    req = write_request_class()()
    ts = req.timeseries.add()
    for k, v in (("__name__", "up"), ("job", "node")):
        lab = ts.labels.add()
        lab.name, lab.value = k, v
    for i in range(3):
        s = ts.samples.add()
        s.value, s.timestamp = float(i), 1_700_000_000_000 + 1000 * i
    wire = bytes(cramjam.snappy.compress_raw(req.SerializeToString()))
    frame = read_remote_write(decompress(wire, "snappy", limit=10_000))
    assert list(frame["value"]) == [0.0, 1.0, 2.0]
    assert set(frame["series"]) == {'up{job="node"}'}
    assert is_remote_write("application/x-protobuf;proto=prometheus.WriteRequest")
    assert not is_remote_write(PB)
    with pytest.raises(InputError, match="inflates to more than"):
        decompress(bytes(cramjam.snappy.compress_raw(b"\0" * 5000)), "snappy", limit=1000)

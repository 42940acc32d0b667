"""Each line format of rca.ingest on small inline samples."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

import pytest

from rca.errors import ConfigError
from rca.ingest import ReadStats, normalize_level, read_records
from rca.ingest.levels import otel_level, pino_level, syslog_level

UTC = timezone.utc


def write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def records(path, **kw):
    stats = ReadStats()
    return list(read_records(path, stats=stats, **kw)), stats


# -- levels --------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,want", [
    ("warning", "WARN"), ("WARN", "WARN"), ("err", "ERROR"), ("Error", "ERROR"),
    ("critical", "FATAL"), ("crit", "FATAL"), ("emerg", "FATAL"), ("alert", "FATAL"),
    ("panic", "FATAL"), ("notice", "INFO"), ("information", "INFO"), ("trace", "TRACE"),
    ("debug", "DEBUG"), ("D", "DEBUG"), ("E", "ERROR"), ("severe", "ERROR"), ("[ERROR]", "ERROR"),
    ("fatal", "FATAL"), (50, "ERROR"), ("30", "INFO"), ("combo", None), (None, None),
])
def test_normalize_level(raw, want):
    assert normalize_level(raw) == want


def test_numeric_level_scales():
    assert [pino_level(n) for n in (10, 20, 30, 40, 50, 60)] == \
        ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
    assert [syslog_level(n) for n in range(8)] == \
        ["FATAL", "FATAL", "FATAL", "ERROR", "WARN", "INFO", "INFO", "DEBUG"]
    assert [otel_level(n) for n in (1, 5, 9, 13, 17, 21, 24)] == \
        ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "FATAL"]
    assert otel_level(0) is None


# -- JSON lines ----------------------------------------------------------------------------

def test_pino_and_bunyan(tmp_path):
    path = write(tmp_path, "api.log", [
        json.dumps({"level": 50, "time": 1700000000123, "pid": 7, "hostname": "web-1",
                    "name": "orders", "msg": "db down", "reqId": "r1"}),
        json.dumps({"v": 0, "level": 30, "name": "orders", "hostname": "web-1", "pid": 7,
                    "time": "2024-03-01T10:00:00.000Z", "msg": "listening"}),
        json.dumps({"level": 60, "time": 1700000000000, "msg": "dying"}),
    ])
    recs, stats = records(path)
    assert stats.formats[str(path)] == "json"
    r = recs[0]
    assert (r.level, r.message, r.service, r.host, r.line) == ("ERROR", "db down", "orders", "web-1", 1)
    assert r.timestamp == datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)
    assert r.attrs["reqId"] == "r1" and "msg" not in r.attrs
    assert recs[1].level == "INFO" and recs[1].timestamp == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert recs[2].level == "FATAL" and recs[2].service == "api"  # no name -> file stem


def test_winston_and_structlog(tmp_path):
    path = write(tmp_path, "w.log", [
        json.dumps({"level": "warn", "message": "slow query", "timestamp": "2024-01-01T12:00:00.5Z",
                    "service": "billing"}),
        json.dumps({"event": "user logged in", "level": "info", "timestamp": "2024-01-01T12:00:01Z",
                    "logger": "auth"}),
    ])
    recs, _ = records(path)
    assert (recs[0].level, recs[0].message, recs[0].service) == ("WARN", "slow query", "billing")
    assert recs[0].timestamp == datetime(2024, 1, 1, 12, 0, 0, 500000, tzinfo=UTC)
    assert (recs[1].message, recs[1].level, recs[1].service) == ("user logged in", "INFO", "auth")


def test_ecs_flat_and_nested(tmp_path):
    path = write(tmp_path, "ecs.log", [
        json.dumps({"@timestamp": "2024-05-01T08:00:00.000Z", "log.level": "error",
                    "message": "payment failed", "service.name": "payments",
                    "host.name": "pay-2", "ecs.version": "1.6.0"}),
        json.dumps({"@timestamp": "2024-05-01T08:00:01.000+02:00", "log": {"level": "WARNING"},
                    "message": "retrying", "service": {"name": "payments"}}),
    ])
    recs, _ = records(path)
    assert (recs[0].level, recs[0].service, recs[0].host) == ("ERROR", "payments", "pay-2")
    assert recs[0].message == "payment failed"
    assert (recs[1].level, recs[1].service) == ("WARN", "payments")
    assert recs[1].timestamp == datetime(2024, 5, 1, 6, 0, 1, tzinfo=UTC)  # zone honoured


def test_opentelemetry_records_and_export(tmp_path):
    rec1 = {"timeUnixNano": "1700000000000000000", "severityText": "ERROR", "severityNumber": 17,
            "body": {"stringValue": "checkout failed"},
            "resource": {"attributes": [{"key": "service.name",
                                         "value": {"stringValue": "checkout"}}]},
            "attributes": [{"key": "http.status", "value": {"intValue": "503"}}]}
    rec2 = {"timeUnixNano": 1700000001000000000, "severityNumber": 13, "body": "cart slow"}
    export = {"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "cart"}}]},
        "scopeLogs": [{"logRecords": [
            {"timeUnixNano": "1700000002000000000", "severityNumber": 9, "body": {"stringValue": "a"}},
            {"timeUnixNano": "1700000003000000000", "severityText": "FATAL", "body": {"stringValue": "b"}},
        ]}]}]}
    path = write(tmp_path, "otel.jsonl", [json.dumps(rec1), json.dumps(rec2), json.dumps(export)])
    recs, stats = records(path)
    assert [r.message for r in recs] == ["checkout failed", "cart slow", "a", "b"]
    assert [r.level for r in recs] == ["ERROR", "WARN", "INFO", "FATAL"]
    assert recs[0].service == "checkout" and recs[0].attrs["attributes"] == {"http.status": "503"}
    assert recs[0].timestamp == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert recs[1].service == "otel"
    assert [r.service for r in recs[2:]] == ["cart", "cart"] and [r.line for r in recs[2:]] == [3, 3]
    assert stats.records == 4


# -- logfmt and syslog ---------------------------------------------------------------------

def test_logfmt(tmp_path):
    path = write(tmp_path, "go.log", [
        'time=2024-01-01T12:00:00Z level=error msg="dial tcp 10.0.0.1:5432: connection refused" '
        'service=inventory attempt=3',
        "ts=1700000000.5 lvl=warn msg=slow caller=db.go:42",
    ])
    recs, stats = records(path)
    assert stats.formats[str(path)] == "logfmt"
    assert recs[0].message == "dial tcp 10.0.0.1:5432: connection refused"
    assert (recs[0].level, recs[0].service, recs[0].attrs["attempt"]) == ("ERROR", "inventory", "3")
    assert recs[1].level == "WARN" and recs[1].timestamp == datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)


def test_syslog_3164_and_5424(tmp_path):
    path = write(tmp_path, "messages", [
        "<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8",
        "Jun  9 06:06:20 combo syslogd 1.4.1: restart.",
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
        '[exampleSDID@32473 iut="3" eventSource="Application"] An application event',
        "<13>1 2024-01-01T00:00:00+01:00 host app 12 - - plain message",
    ])
    recs, stats = records(path, year=2021)
    assert stats.formats[str(path)] == "syslog" and stats.unparsed == 0
    r = recs[0]
    assert (r.level, r.service, r.host, r.message) == ("FATAL", "su", "mymachine",
                                                       "'su root' failed for lonvick on /dev/pts/8")
    assert r.timestamp == datetime(2021, 10, 11, 22, 14, 15, tzinfo=UTC)
    assert recs[1].host == "combo" and recs[1].timestamp.year == 2021 and recs[1].level is None
    r = recs[2]
    assert (r.level, r.service, r.host, r.message) == ("INFO", "evntslog", "mymachine.example.com",
                                                       "An application event")
    assert r.attrs["msgid"] == "ID47" and r.timestamp == datetime(2003, 10, 11, 22, 14, 15, 3000, tzinfo=UTC)
    assert recs[3].timestamp == datetime(2023, 12, 31, 23, tzinfo=UTC) and recs[3].level == "INFO"


# -- plain text app logs -------------------------------------------------------------------

def test_python_and_log4j_text(tmp_path):
    py = write(tmp_path, "worker.log", [
        "2024-01-01 12:00:00,123 ERROR payments.db: connection refused",
        "2024-01-01 12:00:01,000 WARNING payments.db: retry 2",
        "2024-01-01 12:00:02,000 CRITICAL payments: giving up",
    ])
    j = write(tmp_path, "svc.log", [
        "2024-01-01 12:00:00.123 ERROR [main] com.acme.Pool - pool exhausted",
        "2024-01-01 12:00:00.200  INFO [http-nio-8080-exec-1] c.a.Web - GET /health 200",
    ])
    recs, stats = records([py, j])
    assert stats.formats == {str(py): "text", str(j): "text"}
    assert [r.level for r in recs] == ["ERROR", "WARN", "FATAL", "ERROR", "INFO"]
    assert recs[0].message == "connection refused" and recs[0].attrs["logger"] == "payments.db"
    assert recs[0].timestamp == datetime(2024, 1, 1, 12, 0, 0, 123000, tzinfo=UTC)
    assert recs[3].message == "pool exhausted"
    assert (recs[3].attrs["thread"], recs[3].attrs["logger"]) == ("main", "com.acme.Pool")
    assert recs[4].message == "GET /health 200" and recs[4].service == "svc"


def test_tz_for_zoneless_stamps(tmp_path):
    path = write(tmp_path, "a.log", ["2024-07-01 12:00:00,000 INFO x: hello"])
    (r,), _ = records(path, tz="Europe/Paris")
    assert r.timestamp == datetime(2024, 7, 1, 10, tzinfo=UTC)
    with pytest.raises(ConfigError):
        read_records(path, tz="Mars/Olympus")


def test_year_inferred_when_missing(tmp_path):
    path = write(tmp_path, "s.log", ["Jan  2 03:04:05 h app[1]: x"])
    (r,), _ = records(path)
    now = datetime.now(UTC)
    assert r.timestamp.year in (now.year, now.year - 1)
    assert r.timestamp <= now.replace(microsecond=0) + __import__("datetime").timedelta(days=1)
    (r,), _ = records(path, year=2019)
    assert r.timestamp == datetime(2019, 1, 2, 3, 4, 5, tzinfo=UTC)


# -- sniffing, services, mixed files -------------------------------------------------------

def test_mixed_formats_across_files_and_service_from_stem(tmp_path):
    a = write(tmp_path, "orders.log", [json.dumps({"level": 50, "msg": "boom", "time": 1700000000000})])
    b = tmp_path / "payments.log.gz"
    with gzip.open(b, "wt") as f:
        f.write("time=2024-01-01T00:00:00Z level=info msg=ok\n")
    c = write(tmp_path, "auth.log", ["<11>Jan  1 00:00:00 h sshd[1]: denied"])
    recs, stats = records([a, b, c])
    assert [r.service for r in recs] == ["orders", "payments", "sshd"]
    assert [stats.formats[str(p)] for p in (a, b, c)] == ["json", "logfmt", "syslog"]
    recs, _ = records([a, b], service="shop")
    assert {r.service for r in recs} == {"shop"}


def test_forced_family_and_loghub_string(tmp_path):
    path = write(tmp_path, "x.log", ["081109 203615 148 INFO dfs.DataNode: Receiving block blk_1"])
    (r,), stats = records(path, log_format="<Date> <Time> <Pid> <Level> <Component>: <Content>")
    assert (r.message, r.level, r.attrs["Component"]) == ("Receiving block blk_1", "INFO", "dfs.DataNode")
    assert r.timestamp == datetime(2008, 11, 9, 20, 36, 15, tzinfo=UTC)
    assert stats.formats[str(path)] == "loghub"
    (r,), stats = records(path, log_format="json")
    assert r.flags == ("unparsed",) and r.message.startswith("081109") and stats.unparsed == 1
    with pytest.raises(ConfigError):
        read_records(path, log_format="yaml")


def test_spring_boot_postgres_and_bracketed_python(tmp_path):
    spring = write(tmp_path, "payment.log", [
        "2026-03-02 09:40:43.807  INFO 1 --- [nio-8080-exec-6] c.e.payment.web.PaymentController"
        "        : GET /api/labels/24388 -> 304 (20 ms)",
        "2026-03-02 09:40:44.000 ERROR 1 --- [           main] o.s.boot.SpringApplication               "
        ": Application run failed",
    ])
    pg = write(tmp_path, "db.log", [
        "2026-03-02 09:40:39.664 UTC [5890] LOG:  connection received: host=10.0.7.52 port=31926",
        "2026-03-02 09:41:24.141 UTC [5890] FATAL:  remaining connection slots are reserved",
    ])
    py = write(tmp_path, "orders.log", [
        '2026-03-02 09:40:36,853 INFO [orders] uvicorn.access: 10.0.5.214 - "GET /a HTTP/1.1" 200 4ms',
    ])
    recs, stats = records([spring, pg, py])
    assert stats.unparsed == 0
    assert [(r.level, r.message) for r in recs] == [
        ("INFO", "GET /api/labels/24388 -> 304 (20 ms)"), ("ERROR", "Application run failed"),
        ("INFO", "connection received: host=10.0.7.52 port=31926"),
        ("FATAL", "remaining connection slots are reserved"),
        ("INFO", '10.0.5.214 - "GET /a HTTP/1.1" 200 4ms')]
    assert recs[0].attrs["logger"] == "c.e.payment.web.PaymentController"
    assert recs[1].attrs["thread"] == "main" and recs[2].attrs["pid"] == "5890"
    assert recs[4].attrs["logger"] == "uvicorn.access"
    assert recs[2].timestamp == datetime(2026, 3, 2, 9, 40, 39, 664000, tzinfo=UTC)


def test_docstring_examples_run():
    import doctest
    import importlib

    for name in ("levels", "timestamps", "logformat", "logfmt", "plaintext", "multiline",
                 "sniff", "source", "reader"):
        mod = importlib.import_module(f"rca.ingest.{name}")
        result = doctest.testmod(mod)
        assert result.failed == 0 and result.attempted > 0, name

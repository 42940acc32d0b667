"""Error fields of each log format land in Record.attrs (error.type/.message/.stack_trace) and
the deepest cause of a chain reaches the signature, the evidence and the fix (rca.ingest)."""

from __future__ import annotations

import json

import pytest

from rca import api
from rca.fixes import Library
from rca.ingest import read_records
from rca.ingest.error_fields import cause_chain, with_cause

JAVA = """2024-05-01 12:00:01 ERROR [worker-3] c.a.Store - save failed
java.lang.RuntimeException: could not persist order 42
\tat com.acme.Store.save(Store.java:88)
Caused by: java.io.UncheckedIOException: write failed
\tat com.acme.Disk.write(Disk.java:12)
Caused by: java.io.IOException: Disk quota exceeded
\t... 4 more
"""

PY = """2024-05-01 12:00:02 ERROR worker crashed
Traceback (most recent call last):
  File "/app/db.py", line 3, in connect
    sock.connect(addr)
ConnectionRefusedError: [Errno 111] Connection refused

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/app/main.py", line 9, in run
    db.connect()
app.errors.StartupError: database unavailable
"""

LINES = {
    "ecs": {"@timestamp": "2024-05-01T12:00:00Z", "log.level": "error",
            "message": "Failed to write /var/lib/x/tmp/9a.part", "service.name": "store",
            "error": {"type": "java.io.IOException", "message": "Disk quota exceeded",
                      "stack_trace": "java.io.IOException: Disk quota exceeded\n\tat x.Y(Y.java:1)"}},
    "pino": {"level": 50, "time": 1714564800000, "name": "store", "msg": "upload failed",
             "err": {"type": "Error", "message": "EDQUOT: disk quota exceeded, write",
                     "stack": "Error: EDQUOT: disk quota exceeded, write\n    at write (fs.js:1:1)"}},
    "winston": {"level": "error", "timestamp": "2024-05-01T12:00:00Z", "service": "store",
                "message": "upload failed",
                "stack": "Error: ENOSPC: no space left on device, write\n    at x (a.js:1:1)"},
    "otel": {"timeUnixNano": "1714564800000000000", "severityText": "ERROR",
             "body": {"stringValue": "upload failed"},
             "attributes": [{"key": "exception.type", "value": {"stringValue": "OSError"}},
                            {"key": "exception.message",
                             "value": {"stringValue": "[Errno 28] No space left on device"}}],
             "resource": {"attributes": [{"key": "service.name",
                                          "value": {"stringValue": "store"}}]}},
}


def _records(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return list(read_records([str(path)]))


@pytest.mark.parametrize("fmt", sorted(LINES))
def test_structured_error_fields_reach_the_fix(tmp_path, fmt):
    rec = _records(tmp_path, f"{fmt}.log", json.dumps(LINES[fmt]) + "\n")[0]
    assert rec.attrs.get("error.message") or rec.attrs.get("error.stack_trace")
    text = with_cause(rec.message, rec.attrs)
    ids = [s.id for s in Library.load(use_env=False).suggest([("store", text, "ERROR")])][:3]
    assert "disk-full" in ids, (fmt, text)


def test_logfmt_err_field(tmp_path):
    rec = _records(tmp_path, "a.log", 'time=2024-05-01T12:00:00Z level=error msg="call failed" '
                   'err="dial tcp 10.0.0.5:5432: connect: connection refused"\n')[0]
    assert rec.attrs["error.message"].endswith("connection refused")
    assert "connection refused" in with_cause(rec.message, rec.attrs)


def test_java_cause_chain_deepest_last(tmp_path):
    rec = _records(tmp_path, "j.log", JAVA)[0]
    assert cause_chain(rec.message)[-1] == "java.io.IOException: Disk quota exceeded"
    head = with_cause(rec.message, rec.attrs).split("\n", 1)[0]
    assert head.endswith("caused by java.io.IOException: Disk quota exceeded")


def test_python_chained_traceback_original_cause_is_deepest(tmp_path):
    rec = _records(tmp_path, "p.log", PY)[0]
    chain = cause_chain(rec.message)
    assert chain[0].startswith("app.errors.StartupError")
    assert chain[-1] == "ConnectionRefusedError: [Errno 111] Connection refused"


def test_analyze_quotes_the_deepest_cause_and_suggests_its_fix(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    lines = [json.dumps({"@timestamp": f"2024-05-01T12:{m:02d}:{s:02d}Z", "log.level": "info",
                         "service.name": "store", "message": f"wrote part {m * 60 + s}"})
             for m in range(0, 10) for s in range(0, 60, 5)]
    lines += [json.dumps({**LINES["ecs"], "@timestamp": f"2024-05-01T12:10:{s:02d}Z"})
              for s in range(0, 60, 3)]
    (logs / "store.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (logs / "api.log").write_text("".join(
        json.dumps({"time": f"2024-05-01T12:{m:02d}:00Z", "level": "info", "service": "api",
                    "msg": "GET / 200"}) + "\n" for m in range(11)), encoding="utf-8")
    res = api.analyze([logs])
    top = res.root_causes[0]
    assert top.service == "store"
    assert any("Disk quota exceeded" in e.text for e in top.evidence)
    assert "disk-full" in [s.id for s in res.suggestions[:3]]

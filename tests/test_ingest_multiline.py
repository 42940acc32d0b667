"""Stack traces are attached to the record they belong to."""

from __future__ import annotations

import json

from rca.ingest import ReadStats, read_records


def read(tmp_path, name, text, **kw):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    stats = ReadStats()
    return list(read_records(path, stats=stats, **kw)), stats


def test_java_stack_trace(tmp_path):
    text = (
        "2024-01-01 12:00:00.123 ERROR [main] com.acme.Svc - call failed\n"
        "java.lang.IllegalStateException: pool exhausted\n"
        "\tat com.acme.Pool.acquire(Pool.java:212)\n"
        "\tat com.acme.Svc.call(Svc.java:88)\n"
        "Caused by: java.net.SocketTimeoutException: connect timed out\n"
        "\tat java.net.Socket.connect(Socket.java:601)\n"
        "\t... 42 more\n"
        "2024-01-01 12:00:01.000 INFO [main] com.acme.Svc - recovered\n"
    )
    recs, stats = read(tmp_path, "svc.log", text)
    assert len(recs) == 2 and stats.multiline_lines == 6 and stats.unparsed == 0
    first = recs[0]
    assert first.line == 1 and first.level == "ERROR"
    lines = first.message.split("\n")
    assert lines[0] == "call failed" and lines[-1] == "\t... 42 more" and len(lines) == 7
    assert "Caused by: java.net.SocketTimeoutException" in first.message
    assert (recs[1].line, recs[1].message) == (8, "recovered")


def test_python_traceback(tmp_path):
    text = (
        "2024-01-01 12:00:00,123 ERROR worker: job failed\n"
        "Traceback (most recent call last):\n"
        '  File "/app/worker.py", line 10, in run\n'
        "    do()\n"
        '  File "/app/worker.py", line 5, in do\n'
        "    raise ValueError('bad input')\n"
        "ValueError: bad input\n"
        "2024-01-01 12:00:02,000 INFO worker: next job\n"
    )
    recs, stats = read(tmp_path, "worker.log", text)
    assert [r.line for r in recs] == [1, 8]
    assert recs[0].message.startswith("job failed\nTraceback (most recent call last):")
    assert recs[0].message.endswith("ValueError: bad input")
    assert stats.multiline_lines == 6 and stats.unparsed == 0


def test_node_stack_after_json_line(tmp_path):
    text = (
        json.dumps({"level": 50, "time": 1700000000000, "msg": "request failed"}) + "\n"
        "Error: connect ECONNREFUSED 10.0.0.1:5432\n"
        "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n"
        "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n"
        + json.dumps({"level": 30, "time": 1700000001000, "msg": "ok"}) + "\n"
    )
    recs, stats = read(tmp_path, "api.log", text)
    assert len(recs) == 2 and stats.formats and list(stats.formats.values()) == ["json"]
    assert recs[0].message.split("\n")[1] == "Error: connect ECONNREFUSED 10.0.0.1:5432"
    assert "(node:net:1555:16)" in recs[0].message and recs[1].line == 5
    assert stats.multiline_lines == 3


def test_unmatched_line_is_its_own_flagged_record(tmp_path):
    text = ("2024-01-01 12:00:00,123 INFO a: one\n"
            "this line fits no format\n"
            "2024-01-01 12:00:01,123 INFO a: two\n")
    recs, stats = read(tmp_path, "a.log", text)
    assert [r.flags for r in recs] == [(), ("unparsed",), ()]
    assert recs[1].message == "this line fits no format" and recs[1].line == 2
    assert recs[1].service == "a" and recs[1].timestamp is None
    assert stats.unparsed == 1 and stats.records == 3


def test_continuation_cap(tmp_path):
    frames = "".join(f"\tat com.acme.F{i}.run(F.java:{i})\n" for i in range(500))
    text = "2024-01-01 12:00:00.123 ERROR [main] com.acme.Svc - deep\n" + frames
    recs, stats = read(tmp_path, "deep.log", text, max_line=1000)
    assert len(recs) == 1 and len(recs[0].message) <= 1000
    assert "truncated" in recs[0].flags and stats.truncated == 1 and stats.multiline_lines == 500

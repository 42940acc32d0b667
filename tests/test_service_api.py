"""The scoring service over HTTP, in-process (httpx ASGITransport): ingest formats, validation,
back-pressure, scoring into incidents with root causes, feedback, scores and the views."""

from __future__ import annotations

import asyncio
import json

from service_helpers import client, drained, incident_logs, ndjson, wait_incident

from rca.service import ServiceConfig, create_app


def _app(tmp_path, **kw):
    kw.setdefault("analysis_interval_seconds", 0.0)
    return create_app(ServiceConfig(db=str(tmp_path / "svc.sqlite3"), **kw))


def test_ingest_formats_are_stored_and_scored(tmp_path):
    otlp = {"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "cart"}}]},
        "scopeLogs": [{"logRecords": [
            {"timeUnixNano": "1700000000000000000", "severityText": "ERROR",
             "body": {"stringValue": "connection refused to 10.0.0.7:5432"},
             "attributes": [{"key": "k", "value": {"intValue": 3}}]},
            {"timeUnixNano": "1700000001000000000", "severityNumber": 9,
             "body": {"stringValue": "ok"}}]}]}]}

    async def go():
        async with client(_app(tmp_path)) as c:
            r1 = await c.post("/v1/logs", json=[{"msg": "hello", "level": 30, "time": 1700000000000,
                                                 "name": "web"}, "plain ERROR line in text"],
                              params={"service": "web"})
            r2 = await c.post("/v1/logs", content=ndjson([{"message": "a", "service": "web"},
                                                          {"message": "b", "service": "web"}]))
            r3 = await c.post("/v1/logs", json=otlp)
            r4 = await c.post("/v1/logs", content=b"line one\nline two ERROR\n",
                              headers={"content-type": "text/plain"}, params={"service": "t"})
            r5 = await c.post("/v1/metrics", content=(
                b'# TYPE cpu gauge\ncpu{service="web"} 0.42 1700000000000\n'
                b'mem{job="web"} NaN\nweb_latency_ms 120\n'), headers={"content-type": "text/plain"})
            r6 = await c.post("/v1/metrics", json=[{"series": "web_cpu", "value": 0.5,
                                                    "timestamp": "2023-11-14T22:13:21Z"},
                                                   {"time": 1700000000, "db_mem": 0.7, "db_cpu": 0.1}])
            assert [r.status_code for r in (r1, r2, r4, r5, r6)] == [202] * 5
            assert r3.status_code == 200 and r3.json() == {}  # the OTLP response: all accepted
            assert r1.json()["accepted"] == 2
            assert r5.json() == {"accepted": 2, "duplicate": False, "truncated": 0}  # the NaN sample is dropped
            assert r6.json()["accepted"] == 3
            st = await drained(c)
            assert st["stored"] == {"logs": 8, "metrics": 5}
            assert st["scored"] == st["stored"]
            prom = (await c.get("/metrics")).text
            assert 'rca_ingested_total{kind="logs"} 8.0' in prom
            assert "rca_queue_depth 0.0" in prom
            rel = (await c.get("/reliability")).json()
            assert {"web", "cart", "t", "db"} <= set(rel["systems"])
            assert rel["health"]["services"]["db"]["checks"]["db_cpu"]["ok"] is True
            errs = {e["service"]: e for e in rel["errors"]}
            assert errs["cart"]["template"] == "connection refused to <*>"
            rows = (await c.get("/v1/scores", params={"service": "web", "since": "0"})).json()
            assert any(r["kind"] == "metric" and r["name"] == "web_cpu" for r in rows["scores"])

    asyncio.run(go())


def test_validation_limits_and_back_pressure(tmp_path):
    async def go():
        app = _app(tmp_path, max_body_bytes=2000, max_line_bytes=100, queue_max_events=50)
        async with client(app) as c:
            assert (await c.post("/v1/logs", content=b"x" * 3000)).status_code == 413
            bad = await c.post("/v1/logs", content=b"[1, 2", headers={"content-type":
                                                                    "application/json"})
            assert bad.status_code == 400 and "not valid JSON" in bad.json()["error"]
            assert (await c.post("/v1/logs", content=b"   ")).status_code == 400
            assert (await c.post("/v1/metrics", json=[{"series": "a_b"}])).status_code == 400
            long = await c.post("/v1/logs", json=[{"message": "y" * 500, "service": "s"}])
            assert long.status_code == 202 and long.json()["truncated"] == 1
            # a full queue answers 429 with Retry-After and stores nothing
            rt = app.state.runtime
            rt.writer._pending = 50
            full = await c.post("/v1/logs", json=[{"message": "m", "service": "s"}])
            assert full.status_code == 429 and full.headers["retry-after"] == "1"
            rt.writer._pending = 0
            st = await drained(c)
            assert st["stored"]["logs"] == 1
            msg = rt.reader.one("SELECT message FROM logs")["message"]
            assert len(msg) == 100
            assert "reason=\"queue_full\"" in (await c.get("/metrics")).text

    asyncio.run(go())


def test_incident_with_root_cause_feedback_and_restart(tmp_path):
    async def go():
        async with client(_app(tmp_path)) as c:
            assert (await c.post("/v1/logs", content=ndjson(incident_logs()))).status_code == 202
            await drained(c)
            inc = await wait_incident(c)
            assert inc["root_causes"][0]["service"] == "db"
            assert "ENOSPC" in inc["root_causes"][0]["evidence"][0]["text"]
            assert set(inc["services"]) >= {"db"}
            one = (await c.get(f"/v1/incidents/{inc['id']}")).json()
            assert one["id"] == inc["id"] and one["feedback"] == []
            fb = await c.post(f"/v1/incidents/{inc['id']}/feedback",
                              json={"fix": "disk-full", "note": "freed /var/lib/db"})
            assert fb.status_code == 201
            assert (await c.get("/v1/incidents/nope")).status_code == 404
            assert (await c.post("/v1/incidents/nope/feedback", json={"fix": "x"})).status_code \
                == 404
            rel = (await c.get("/reliability")).json()
            assert rel["systems"]["db"]["errors"] == 25
            assert set(rel) >= {"timestamp", "systems", "errors", "health", "predictions"}
            assert (await c.get("/readyz")).json()["ready"] is True
            before = (await c.get("/v1/stats")).json()
        # a new app on the same database keeps incidents, feedback and the scorer's state
        async with client(_app(tmp_path)) as c:
            one = (await c.get(f"/v1/incidents/{inc['id']}")).json()
            assert one["feedback"][0]["fix"] == "disk-full"
            await c.post("/v1/logs", json=[{"message": "GET /items/1 200 in 3 ms",
                                            "service": "api"}])
            st = await drained(c)
            assert st["scored"]["logs"] == before["scored"]["logs"] + 1
            page = (await c.get("/")).text
            assert "<script src=\"/static/app.js\">" in page
            assert (await c.get("/static/app.js")).status_code == 200
            assert (await c.get("/static/../config.py")).status_code == 404

    asyncio.run(go())


def test_healthz_and_readyz_before_start(tmp_path):
    async def go():
        app = _app(tmp_path)
        import httpx

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://t") as c:  # lifespan not started
            assert (await c.get("/healthz")).json() == {"status": "ok"}
            r = await c.get("/readyz")
            assert r.status_code == 503 and json.loads(r.text)["ready"] is False

    asyncio.run(go())


def test_plain_lines_are_read_with_the_ingest_line_formats(tmp_path):
    async def go():
        async with client(_app(tmp_path)) as c:
            body = (b"2024-01-02 10:00:01,123 ERROR [main] com.x.Foo - connection refused\n"
                    b"level=warn msg=\"disk almost full\" ts=2024-01-02T10:00:02Z\n"
                    b"no format at all\n")
            r = await c.post("/v1/logs", content=body, params={"service": "api"},
                             headers={"content-type": "text/plain"})
            assert r.status_code == 202 and r.json()["accepted"] == 3
            await drained(c)
            rows = c._transport.app.state.runtime.reader.q(
                "SELECT service, level, message, ts FROM logs ORDER BY id")
            assert [(x["service"], x["level"]) for x in rows] == [
                ("api", "ERROR"), ("api", "WARN"), ("api", None)]
            assert rows[0]["message"] == "connection refused"
            assert rows[1]["ts"] == 1704189602.0

    asyncio.run(go())

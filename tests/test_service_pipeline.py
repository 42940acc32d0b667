"""The service is a front over the same stages as the CLI: bodies read by the file readers'
rules, incidents analysed by the `rca analyze` analyzer, read endpoints behind the token, and
retried batches stored once."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from service_helpers import client, drained

from rca import api
from rca.ingest import read_records
from rca.service import ServiceConfig, create_app

LINES = [
    # pino
    '{"level":50,"time":1700000000123,"pid":1,"hostname":"h1","name":"carts","msg":"db down",'
    '"err":{"type":"Error","message":"ECONNREFUSED"}}',
    # winston
    '{"level":"warn","message":"slow query","timestamp":"2023-11-14T22:13:21.500Z",'
    '"service":"orders"}',
    # ECS
    '{"@timestamp":"2023-11-14T22:13:22Z","log.level":"error","message":"disk full",'
    '"service.name":"storage","host":{"name":"n1"},"ecs.version":"8.0"}',
    # OTel log record
    '{"timeUnixNano":"1700000003000000000","severityNumber":17,"body":{"stringValue":"boom"},'
    '"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"pay"}}]},'
    '"attributes":[{"key":"k","value":{"intValue":3}}]}',
    # plain JSON
    '{"msg":"hello","level":"W","ts":1700000004,"service":"legacy"}',
    '{"message":"nested service","service":{"name":"pay"},"time":1700000005}',
]


def _app(tmp_path, **kw):
    kw.setdefault("analysis_interval_seconds", 0.0)
    return create_app(ServiceConfig(db=str(tmp_path / "svc.sqlite3"), **kw))


def _norm(ts, service, host, level, message, attrs):
    return (round(ts, 3), service, host, level, message, attrs)


def test_file_reader_and_http_ingest_give_identical_records(tmp_path):
    path = tmp_path / "web.log"
    path.write_text("\n".join(LINES) + "\n")
    from_file = [_norm(r.timestamp.timestamp(), r.service, r.host, r.level, r.message,
                       json.loads(json.dumps(dict(r.attrs), default=str)))
                 for r in read_records(path)]

    async def go():
        async with client(_app(tmp_path)) as c:
            r = await c.post("/v1/logs", content="\n".join(LINES).encode(),
                             params={"service": "web"},
                             headers={"content-type": "application/x-ndjson"})
            assert r.status_code == 202 and r.json()["accepted"] == len(LINES)
            await drained(c)
            return c._transport.app.state.runtime.reader.q(
                "SELECT ts, service, host, level, message, attrs FROM logs ORDER BY id")

    rows = asyncio.run(go())
    from_http = [_norm(x["ts"], x["service"], x["host"], x["level"], x["message"],
                       json.loads(x["attrs"]) if x["attrs"] else {}) for x in rows]
    assert from_http == from_file
    assert [r[1] for r in from_http] == ["carts", "orders", "storage", "pay", "legacy", "pay"]
    assert [r[3] for r in from_http] == ["ERROR", "WARN", "ERROR", "ERROR", "WARN", None]


def test_read_endpoints_need_the_token_off_loopback(tmp_path, monkeypatch):
    monkeypatch.delenv("RCA_TOKEN", raising=False)
    app = create_app(ServiceConfig(host="0.0.0.0", token="s3cret-0123456789abcdef", db=str(tmp_path / "s.db")))

    async def go():
        async with client(app) as c:
            for path in ("/reliability", "/v1/incidents", "/v1/incidents/x", "/v1/scores"):
                r = await c.get(path)
                assert r.status_code == 401, path
                assert r.headers["www-authenticate"] == "Bearer"
            ok = {"Authorization": "Bearer s3cret-0123456789abcdef"}
            for path in ("/reliability", "/v1/incidents", "/v1/scores"):
                assert (await c.get(path, headers=ok)).status_code == 200, path
            assert (await c.get("/healthz")).status_code == 200

    asyncio.run(go())


def test_a_retried_batch_with_the_same_idempotency_key_is_stored_once(tmp_path):
    body = "\n".join(json.dumps({"message": f"line {i}", "service": "a"}) for i in range(5))

    async def go():
        async with client(_app(tmp_path)) as c:
            key = {"Idempotency-Key": "batch-0001"}
            first = await c.post("/v1/logs", content=body, headers=key)
            again = await c.post("/v1/logs", content=body, headers=key)
            other = await c.post("/v1/logs", content=body, headers={"Idempotency-Key": "b2"})
            assert first.json() == {"accepted": 5, "duplicate": False, "truncated": 0}
            assert again.status_code == 202 and again.json()["duplicate"] is True
            assert other.json()["duplicate"] is False
            st = await drained(c)
            assert st["stored"]["logs"] == 10
            n = c._transport.app.state.runtime.reader.one("SELECT count(*) AS n FROM logs")["n"]
            assert n == 10
            prom = (await c.get("/metrics")).text
            assert 'rca_duplicate_batches_total{kind="logs"} 1.0' in prom

    asyncio.run(go())


# --- a simulated incident replayed through the service, against `rca analyze` -------------------

def _replay(tmp_path, folder: Path, metrics: pd.DataFrame) -> dict:
    deps = yaml.safe_load((folder / "deps.yaml").read_text())
    edges = deps.get("edges", deps) if isinstance(deps, dict) else deps
    cfg = {"deps": [{"caller": e["caller"], "callee": e["callee"]} if isinstance(e, dict)
                    else {"caller": e[0], "callee": e[1]} for e in edges]}

    async def go():
        async with client(_app(tmp_path, **cfg)) as c:
            for log in sorted((folder / "logs").glob("*.log")):
                r = await c.post("/v1/logs", content=log.read_bytes(),
                                 params={"service": log.stem},
                                 headers={"content-type": "text/plain"})
                assert r.status_code == 202
            rows = json.loads(metrics.to_json(orient="records"))
            for i in range(0, len(rows), 100):
                assert (await c.post("/v1/metrics", json=rows[i:i + 100])).status_code == 202
            await drained(c, timeout=120)
            last, since = None, time.monotonic()
            while time.monotonic() - since < 1.5:  # the last analysis has been written
                incs = (await c.get("/v1/incidents")).json()["incidents"]
                if incs != last:
                    last, since = incs, time.monotonic()
                await asyncio.sleep(0.1)
            rel = (await c.get("/reliability")).json()
            if any(i["status"] == "open" for i in last):  # never "up" with an open incident
                assert rel["health"]["overall"]["status"] != "up"
            for name, h in rel["health"]["services"].items():  # health agrees with the checks
                if not all(ch["ok"] for ch in h["checks"].values()):
                    assert h["status"] != "up" and rel["systems"][name]["status"] == h["status"]
            noise = c._transport.app.state.runtime.reader.one(
                "SELECT count(*) AS n FROM scores WHERE alarm=1 AND name LIKE '%noise%'")["n"]
            return last, noise

    incidents, noise_alarms = asyncio.run(go())
    assert incidents, "the service opened no incident"
    return max(incidents, key=lambda i: i["alarms"]), noise_alarms


def test_replayed_incident_matches_rca_analyze_also_with_noise_metrics(tmp_path):
    folder = tmp_path / "sim"
    api.simulate("disk-full", folder, seed=3)
    truth = json.loads((folder / "truth.json").read_text())
    cli = api.analyze([folder / "logs"], [folder / "metrics.csv"], deps=folder / "deps.yaml")
    assert cli.root_causes[0].service == truth["root_cause_service"]

    metrics = pd.read_csv(folder / "metrics.csv")
    inc, _ = _replay(tmp_path / "a", folder, metrics)
    assert inc["root_causes"][0]["service"] == cli.root_causes[0].service
    assert inc["suggestions"][0]["id"] == cli.suggestions[0].id == "disk-full"

    rng = np.random.default_rng(0)
    noisy = metrics.copy()
    for svc in truth["services"]:
        for k in range(2):
            noisy[f"{svc}_noise{k}"] = rng.normal(100, 30, len(noisy))
    inc, noise_alarms = _replay(tmp_path / "b", folder, noisy)
    assert noise_alarms == 0  # random-noise series raise no alarm (calibrated, persistent)
    assert inc["root_causes"][0]["service"] == truth["root_cause_service"]
    assert inc["suggestions"][0]["id"] == "disk-full"


def test_a_trained_log_model_scores_each_bucket_of_a_service(tmp_path, raw_hdfs_config,
                                                             run_cli):
    raw, cfg = raw_hdfs_config
    lines = raw.read_text().splitlines()
    code, _, err = run_cli("train", "--config", str(cfg), "--models-dir", str(tmp_path / "m"))
    assert code == 0, err
    mon = api.local_monitor(tmp_path / "w.sqlite3", model_dir=str(tmp_path / "m" /
                                                                 "hdfs_raw_small" / "v1"))
    try:
        now = time.time()
        assert mon.logs("hdfs", lines, now=now) == 3000
        mon.score(wall=now)
        mon.score(wall=now + 60)  # the bucket closes: nothing more came for a bucket's length
        rows = mon.reader.q("SELECT score, alarm, value FROM scores WHERE kind='model'")
    finally:
        mon.close()
    assert rows and sum(r["value"] for r in rows) == 3000  # every line went to the model
    assert all(0.0 <= r["score"] for r in rows)


def test_ingest_counts_what_the_scorer_will_store():
    """The acknowledgement counts (api.count_log_body / count_metric_body, cheap) equal what
    the full readers give the scorer, or stored and scored counts would never meet."""
    otlp = json.loads(LINES[3])
    otlp = {"resourceLogs": [{"resource": otlp["resource"],
                              "scopeLogs": [{"logRecords": [otlp, otlp, "junk"]}]}]}
    bodies = [("\n".join(LINES), "application/x-ndjson"), ("[" + ",".join(LINES) + "]", ""),
              (json.dumps({"logs": [json.loads(x) for x in LINES]}), ""),
              (json.dumps(otlp), "application/json"), (json.dumps(otlp) + "\n" + LINES[0], ""),
              ("a ERROR x\n  at Foo.bar(Foo.java:1)\nb INFO y\n", "text/plain"),
              (json.dumps(["line one", "  continued", "line two"]), "")]
    for body, ctype in bodies:
        full = api.read_log_body(body.encode(), ctype)
        assert api.count_log_body(body.encode(), ctype) == (len(full), 0), body[:60]
    prom = b'# TYPE x gauge\na_cpu{service="a"} 0.5 1700000000000\nb_mem NaN\nbad\nc_lat +Inf\n'
    assert api.count_metric_body(prom) == len(api.read_metric_body(prom)) == 1

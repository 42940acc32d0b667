"""The incident workflow end to end on small generated logs and metrics (rca.analyze)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from rca import api

T0 = 1_700_000_000
FAULT = T0 + 300


def _iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def write_incident(d, fault=True, n=600):
    """front-end -> orders -> db; db's disk fills at FAULT (mixed formats)."""
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    fe, orders, db = [], [], []
    for i in range(n):
        t = T0 + i
        if fault and t > FAULT + 5 and rng.random() < 0.5:
            fe.append({"level": 50, "time": t * 1000, "msg": f"upstream orders returned 503 for "
                       f"/orders/{rng.integers(999)}"})
        else:
            fe.append({"level": 30, "time": t * 1000, "msg": f"GET /orders/{rng.integers(999)} 200"})
        if rng.random() < 0.02:
            orders.append({"level": "error", "timestamp": _iso(t), "message":
                           f"cache miss storm for key user-{rng.integers(99)}"})
        elif fault and t > FAULT + 2 and rng.random() < 0.5:
            orders.append({"level": "error", "timestamp": _iso(t), "message":
                           f"query failed: connection refused db:5432 after {rng.integers(30)} ms"})
        else:
            orders.append({"level": "info", "timestamp": _iso(t),
                           "message": f"order {rng.integers(9999)} created"})
        if not fault or t < FAULT:
            db.append(f"{_iso(t)} INFO checkpoint complete: wrote {rng.integers(100)} buffers")
        elif t == FAULT:
            db.append(f"{_iso(t)} FATAL could not write to file pg_wal/000001: "
                      "No space left on device")
    (d / "front-end.log").write_text("".join(json.dumps(x) + "\n" for x in fe))
    (d / "orders.log").write_text("".join(json.dumps(x) + "\n" for x in orders))
    (d / "db.log").write_text("".join(x + "\n" for x in db))
    return d


def write_metrics(path, culprit="db", n=600):
    rng = np.random.default_rng(2)
    t = T0 + np.arange(n)
    cols = {"time": t}
    for svc in ("front-end", "orders", "db"):
        cols[f"{svc}_cpu"] = rng.normal(20, 1, n)
        cols[f"{svc}_mem"] = 2e8 + rng.integers(0, 8, n)
    cols[f"{culprit}_cpu"] = np.where(t >= FAULT, 95.0, cols[f"{culprit}_cpu"])
    pd.DataFrame(cols).to_csv(path, index=False)
    return path


def test_logs_alone_rank_the_callee_first_with_evidence(tmp_path):
    a = api.analyze([write_incident(tmp_path / "logs")])
    assert a.incident is not None
    assert abs(a.incident.start.timestamp() - FAULT) <= 5  # onset detected
    assert [c.service for c in a.root_causes][:3] == ["db", "orders", "front-end"]
    ev = a.root_causes[0].evidence[0]
    assert ev.source == "db.log" and ev.line == 301 and "No space left" in ev.text


def test_metrics_alone(tmp_path):
    a = api.analyze(metrics=[write_metrics(tmp_path / "m.csv", culprit="orders")])
    top = a.root_causes[0]
    assert top.service == "orders" and top.metric == "orders_cpu"
    assert top.evidence[0].metric == "orders_cpu" and top.evidence[0].value == pytest.approx(95.0)
    assert abs(a.incident.start.timestamp() - FAULT) <= 2


def test_logs_and_metrics_with_fault_time_and_deps(tmp_path):
    deps = tmp_path / "deps.yaml"
    deps.write_text("- {caller: front-end, callee: orders}\n- {caller: orders, callee: db}\n")
    a = api.analyze([write_incident(tmp_path / "logs")], [write_metrics(tmp_path / "m.csv")],
                    deps=deps, fault_time=str(FAULT))
    assert a.root_causes[0].service == "db"
    assert a.incident.onset is None  # given, not detected
    assert a.root_causes[0].metric == "db_cpu" and a.root_causes[0].template
    d = api.analysis_to_dict(a)
    assert d["root_causes"][0]["rank"] == 1 and d["incident"]["start"].endswith("Z")


def test_logs_without_errors_mean_no_incident(tmp_path):
    a = api.analyze([write_incident(tmp_path / "logs", fault=False)])
    # the recurring "cache miss" errors are steady noise, not an incident
    assert a.incident is None and not a.root_causes
    assert "no incident" in a.notes[0]


def test_timeline_counts_errors_per_service(tmp_path):
    a = api.analyze([write_incident(tmp_path / "logs")])
    assert {"orders", "front-end", "db"} <= set(a.timeline.columns)
    assert a.timeline["front-end"].sum() > 100


def test_every_service_in_the_inputs_is_ranked_and_flagged(tmp_path):
    """Logs of three services, metrics of those plus two quiet ones: all five are ranked,
    ordered, with scores; only services with evidence are marked anomalous."""
    logs = write_incident(tmp_path / "logs")
    n = 600
    rng = np.random.default_rng(5)
    quiet = pd.DataFrame({"time": T0 + np.arange(n),
                          "cache_cpu": rng.normal(5, 0.5, n),
                          "mailer_mem": 1e8 + rng.integers(0, 8, n).astype(float)})
    csv = tmp_path / "quiet.csv"
    quiet.to_csv(csv, index=False)
    res = api.analyze([logs], metrics=[csv])
    doc = api.analysis_to_dict(res)
    ranked = [c["service"] for c in doc["root_causes"]]
    assert sorted(ranked) == ["cache", "db", "front-end", "mailer", "orders"]
    assert [c["rank"] for c in doc["root_causes"]] == list(range(1, 6))
    assert ranked[0] == "db" and doc["root_causes"][0]["anomalous"] is True
    flags = {c["service"]: c["anomalous"] for c in doc["root_causes"]}
    assert flags["cache"] is False and flags["mailer"] is False
    scores = [c["score"] for c in doc["root_causes"]]
    first_weak = [c["anomalous"] for c in doc["root_causes"]].index(False)
    assert all(c["anomalous"] is False for c in doc["root_causes"][first_weak:])
    assert max(scores[first_weak:]) < 0.05 <= min(scores[:first_weak])
    assert all(not c["evidence"] for c in doc["root_causes"][first_weak:])

"""The background scorer: exactly-once progress across crashes (state and cursors commit with
the outputs), fencing of a superseded scorer, silence, and forecasts in the view."""

from __future__ import annotations

import json

import pytest

from rca.service.config import ServiceConfig
from rca.service.store import connect
from rca.service.scorer import Scorer, Superseded


def _fill(db, n=600, t0=1_700_000_000.0):
    con = connect(db)
    rows = []
    for i in range(n):
        lvl = "ERROR" if i % 50 == 0 else "INFO"
        rows.append((t0, t0 + i, f"s{i % 3}", lvl, f"request {i} took {i % 7} ms", None))
    with con:
        con.executemany("INSERT INTO logs(received, ts, service, level, message, attrs) "
                        "VALUES(?,?,?,?,?,?)", rows)
        con.executemany("INSERT INTO metrics(received, ts, series, service, value) "
                        "VALUES(?,?,?,?,?)",
                        [(t0, t0 + 10 * i, "s0_mem", "s0", 0.5 + 0.001 * i) for i in range(60)])
    return con


def test_crash_between_steps_neither_loses_nor_double_counts(tmp_path):
    db = tmp_path / "s.db"
    con = _fill(db)
    cfg = ServiceConfig(db=str(db), score_batch=100, scorer="off")
    a = Scorer(cfg).open()
    assert a.step() == 160  # 100 logs + 60 metrics
    a.step()
    # crash: `a` is dropped without closing, in the middle of the backlog
    b = Scorer(cfg).open()
    while b.step():
        pass
    st = json.loads(con.execute("SELECT value FROM kv WHERE key='scorer_state'").fetchone()[0])
    assert st["scored"] == {"logs": 600, "metrics": 60}
    assert st["cursor"] == {"logs": 600, "metrics": 60}
    errors = con.execute("SELECT sum(count) FROM signatures WHERE level='ERROR'").fetchone()[0]
    assert errors == 12  # every 50th line, counted once
    view = json.loads(con.execute("SELECT value FROM kv WHERE key='view'").fetchone()[0])
    fc = view["s0"]["forecasts"][0]
    assert fc["series"] == "s0_mem" and fc["limit"] == 0.8
    assert fc["seconds_to_threshold"] > 0  # rising memory: a time-to-threshold forecast
    # the first scorer was superseded: it may not write any more
    con.execute("INSERT INTO logs(received, ts, service, level, message) VALUES(1,1,'s0',"
                "'INFO','late')")
    with pytest.raises(Superseded):
        a.step()


def test_silent_service_raises_an_alarm_once(tmp_path):
    db = tmp_path / "s.db"
    con = connect(db)
    cfg = ServiceConfig(db=str(db), scorer="off", silence_seconds=30)
    sc = Scorer(cfg).open()
    wall = 1_800_000_000.0
    for k in range(12):  # a heartbeat every 5 s
        con.execute("INSERT INTO logs(received, ts, service, level, message) VALUES(?,?,?,?,?)",
                    (wall, wall, "hb", "INFO", "alive"))
        sc.step(wall=wall)
        wall += 5
    sc.step(wall=wall + 20)  # 25 s quiet: within silence_seconds
    assert not sc.state["svc"]["hb"]["silent"]
    sc.step(wall=wall + 120)
    assert sc.state["svc"]["hb"]["silent"]
    sc.step(wall=wall + 200)
    rows = con.execute("SELECT count(*) FROM scores WHERE kind='silence'").fetchone()[0]
    assert rows == 1
    inc = con.execute("SELECT body FROM incidents").fetchone()
    assert inc is not None and "hb" in json.loads(inc[0])["services"]


def _scored_metrics(db, rows) -> Scorer:
    """A scorer that has scored metric ``rows`` ``(received, ts, series, service, value)``."""
    con = connect(db)
    with con:
        con.executemany("INSERT INTO metrics(received, ts, series, service, value) "
                        "VALUES(?,?,?,?,?)", rows)
    sc = Scorer(ServiceConfig(db=str(db), scorer="off")).open()
    while sc.step():
        pass
    return sc


def test_forecasts_count_from_the_data_time_and_flag_a_stale_series(tmp_path):
    from datetime import datetime

    from rca.service.store import Reader
    from rca.service.view import reliability

    db = tmp_path / "s.db"
    t0 = 1_700_000_000.0  # November 2023: far from the wall clock
    rows = [(t0, t0 + 60 * i, "s0_memory_percent", "s0", 50.0 + i) for i in range(20)]
    rows += [(t0, t0 + 60 * i, "s1_cpu", "s1", 0.2) for i in range(5)]  # stops after 4 min
    sc = _scored_metrics(db, rows)
    rel = reliability(Reader(db), sc.config.thresholds, sc.threshold)
    mem = rel["predictions"]["s0"]["time_to_threshold"][0]
    assert mem["value"] == 0.69 and mem["limit"] == 0.8  # percent read as a fraction
    # +1 point a minute from 69 %: 0.8 is reached 11 minutes after the LAST SAMPLE
    assert abs(mem["seconds_to_threshold"] - 660) < 1
    eta = datetime.fromisoformat(mem["eta"].replace("Z", "+00:00")).timestamp()
    assert abs(eta - (t0 + 19 * 60 + 660)) < 1
    cpu = rel["predictions"]["s1"]["time_to_threshold"][0]
    assert cpu["stale"] is True and "stale" in cpu["message"]
    assert 0.0 <= rel["predictions"]["s0"]["failure_risk"] <= 1.0


def test_a_metric_crossing_its_health_threshold_alarms_once_without_history(tmp_path):
    db = tmp_path / "s.db"
    t0 = 1_700_000_000.0
    rows = [(t0, t0 + 10 * i, "s0_disk_percent", "s0", v)  # 0.80 .. 0.95: crosses 0.9 once
            for i, v in enumerate([80, 84, 88, 91, 93, 95, 94, 96])]
    rows += [(t0, t0 + 10 * i, "s0_mem_mib", "s0", 300.0 + 20 * i) for i in range(8)]  # MiB
    _scored_metrics(db, rows)
    con = connect(db)
    alarms = con.execute("SELECT name, ts FROM scores WHERE alarm=1").fetchall()
    assert alarms == [("s0_disk_percent", t0 + 30)]  # 4th sample, long before any warm-up ends
    body = json.loads(con.execute("SELECT body FROM incidents").fetchone()[0])
    assert body["top_alarms"][0]["kind"] == "threshold" and body["services"] == ["s0"]

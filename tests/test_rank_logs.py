"""Log evidence, dependency graph and combination (rca.rank.logs/graph/combine)."""

from __future__ import annotations

import pandas as pd
import pytest

from rca.errors import InputError
from rca.rank import combine, graph
from rca.rank import logs as rl

T0 = pd.Timestamp("2024-01-01", tz="UTC")


def _events(rows):
    frame = pd.DataFrame(rows, columns=["t", "service", "level", "template_id", "message"])
    frame["timestamp"] = T0 + pd.to_timedelta(frame.pop("t"), unit="s")
    frame["template"] = frame["message"]
    frame["source"] = frame["service"] + ".log"
    frame["line"] = range(1, len(frame) + 1)
    return frame


def _incident():
    rows = []
    for t in range(0, 600):
        rows.append((t, "api", "INFO", "ok", "GET / 200"))
        if t % 50 == 0:
            rows.append((t, "api", "ERROR", "benign", "cache miss"))  # recurring noise
        if t < 300:
            rows.append((t, "db", "INFO", "ckpt", "checkpoint complete"))
    rows.append((300, "db", "FATAL", "disk", "No space left on device"))
    for t in range(303, 600, 2):
        rows.append((t, "api", "ERROR", "up", "upstream db returned 503"))
    return _events(rows)


def test_severity_uses_levels_and_words_for_unlevelled():
    ev = _events([(0, "a", "WARN", "x", "slow"), (1, "a", None, "y", "connection refused"),
                  (2, "a", None, "z", "all good"), (3, "a", "FATAL", "f", "boom")])
    assert list(rl.severity(ev)) == [0.5, 1.0, 0.0, 1.5]


def test_template_table_flags_new_and_surging_but_not_recurring():
    ev = _incident()
    table = rl.template_table(ev, T0 + pd.Timedelta(seconds=300)).set_index("template_id")
    assert table.loc["up", "new"] and table.loc["up", "score"] > 0
    assert table.loc["disk", "new"] and table.loc["disk", "score"] > 0
    assert table.loc["benign", "score"] == 0  # same rate before and after


def test_silent_service_detected():
    ev = _incident()
    silent = rl.silent_services(ev, T0 + pd.Timedelta(seconds=300))
    assert list(silent["service"]) == ["db"]


def test_log_onset_near_fault():
    onset = rl.log_onset(_incident())
    assert abs((onset - (T0 + pd.Timedelta(seconds=300))).total_seconds()) <= 5


def test_graph_parse_infer_and_victims():
    assert graph.parse_edges([{"caller": "a", "callee": "b"}]) == [("a", "b")]
    with pytest.raises(InputError):
        graph.parse_edges([{"from": "a"}])
    tmpl = pd.DataFrame({"service": ["api"], "text": ["upstream db returned 503"]})
    assert graph.infer_edges(tmpl, ["api", "db"]) == [("api", "db")]
    starts = {"api": T0 + pd.Timedelta(seconds=3), "db": T0}
    assert graph.victims(starts, [("api", "db")]) == {"api": ["db"]}
    assert graph.victims({"api": T0, "db": T0 + pd.Timedelta(seconds=9)}, [("api", "db")]) == {}


def test_combined_ranking_puts_the_callee_first():
    ev = _incident()
    onset = T0 + pd.Timedelta(seconds=300)
    table = rl.template_table(ev, onset)
    services = rl.service_table(table, rl.silent_services(ev, onset))
    ranked = combine.combine(services, None, [("api", "db")], onset=onset,
                             end=ev["timestamp"].max())
    assert list(ranked["service"]) == ["db", "api"]
    assert ranked.loc[1, "victim_of"] == "db" and ranked.loc[0, "score"] == 1.0

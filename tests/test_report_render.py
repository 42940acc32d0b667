"""Renderings of an analysis: JSON shape, terminal summary, self-contained HTML."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pandas as pd
from rich.console import Console

from rca.report.as_dict import analysis_to_dict
from rca.report.html import render_html
from rca.report.terminal import render_terminal
from rca.types import Analysis, Evidence, Incident, RootCause, Suggestion

T = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def _analysis():
    idx = pd.date_range(T, periods=20, freq="min", tz="UTC")
    timeline = pd.DataFrame({"orders": range(20), "front-end": [0] * 10 + [5] * 10}, index=idx)
    metrics = pd.DataFrame({"orders_cpu": [0.1] * 10 + [40.0] * 10}, index=idx)
    cause = RootCause(rank=1, service="orders", score=0.93, metric="orders_cpu",
                      template="disk <*> full",
                      evidence=(Evidence(source="orders.log", line=812, text="disk /data full",
                                         timestamp=T),
                                Evidence(source="m.csv", metric="orders_cpu", value=97.5,
                                         text="orders_cpu peaked at 97.5")),
                      reasons=("new or surging error signature",))
    sugg = Suggestion(id="disk-full", title="Disk full", confidence=0.8, service="orders",
                      steps=("df -h /data",), matched="disk /data full")
    return Analysis(incident=Incident(start=T, end=T, onset=None, id="inc-1"),
                    root_causes=(cause,), suggestions=(sugg,), timeline=timeline,
                    metrics=metrics, notes=("a note",))


def test_dict_has_the_documented_shape_and_is_json():
    d = json.loads(json.dumps(analysis_to_dict(_analysis())))
    assert d["incident"] == {"id": "inc-1", "start": "2024-05-01T12:00:00Z",
                             "end": "2024-05-01T12:00:00Z", "onset": None, "services": []}
    rc = d["root_causes"][0]
    assert (rc["rank"], rc["service"], rc["score"], rc["metric"], rc["template"]) == (
        1, "orders", 0.93, "orders_cpu", "disk <*> full")
    assert rc["evidence"][0] == {"source": "orders.log", "line": 812, "text": "disk /data full",
                                 "timestamp": "2024-05-01T12:00:00Z"}
    assert rc["evidence"][1]["metric"] == "orders_cpu" and rc["evidence"][1]["value"] == 97.5
    s = d["suggestions"][0]
    assert (s["id"], s["confidence"], s["service"], s["steps"], s["matched"]) == (
        "disk-full", 0.8, "orders", ["df -h /data"], "disk /data full")
    assert rc["reasons"] == ["new or surging error signature"] and s["commands"] == []


def test_no_incident_renders_plainly():
    a = Analysis(incident=None, notes=("no incident found: no errors in the logs",))
    assert analysis_to_dict(a)["incident"] is None
    buf = io.StringIO()
    render_terminal(a, Console(file=buf, width=100))
    assert "No incident found" in buf.getvalue()
    assert "No incident found" in render_html(a)


def test_terminal_lists_candidates_evidence_and_fixes():
    buf = io.StringIO()
    render_terminal(_analysis(), Console(file=buf, width=120))
    text = buf.getvalue()
    for needle in ("inc-1", "orders", "orders.log:812", "disk-full", "df -h /data", "a note"):
        assert needle in text


def test_html_is_self_contained_with_two_plots():
    page = render_html(_analysis())
    assert page.startswith("<!doctype html>")
    assert page.count("data:image/png;base64,") == 2
    assert "src='http" not in page and "<link" not in page
    assert "orders.log:812" in page and "disk-full" in page

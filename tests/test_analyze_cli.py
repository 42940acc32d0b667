"""`rca analyze` from the command line, including bad input (no tracebacks)."""

from __future__ import annotations

import json

from test_analyze_workflow import FAULT, write_incident, write_metrics


def test_json_shape(run_cli, tmp_path):
    code, out, err = run_cli("analyze", str(write_incident(tmp_path / "logs")), "--json")
    assert code == 0, err
    d = json.loads(out)
    assert set(d) >= {"incident", "root_causes", "suggestions"}
    assert set(d["incident"]) >= {"start", "end", "onset"}
    rc = d["root_causes"][0]
    assert set(rc) >= {"rank", "service", "score", "metric", "template", "evidence"}
    assert rc["service"] == "db" and rc["evidence"][0]["line"] == 301
    assert set(rc["evidence"][0]) >= {"source", "line", "text"}


def test_terminal_and_html(run_cli, tmp_path):
    report = tmp_path / "r.html"
    code, out, err = run_cli("analyze", str(write_incident(tmp_path / "logs")), "--metrics",
                             str(write_metrics(tmp_path / "m.csv")), "--html", str(report))
    assert code == 0, err
    assert "db" in out and "No space left" in out
    html = report.read_text()
    assert html.count("data:image/png;base64,") == 2 and "<script" not in html


def test_no_input(run_cli):
    code, out, err = run_cli("analyze")
    assert code == 2 and "no input" in err and "Traceback" not in err


def test_missing_and_empty_files(run_cli, tmp_path):
    code, _, err = run_cli("analyze", str(tmp_path / "nope.log"))
    assert code == 2 and "nope.log" in err and "Traceback" not in err
    empty = tmp_path / "empty.log"
    empty.write_text("")
    code, _, err = run_cli("analyze", str(empty))
    assert code == 2 and "no log records" in err


def test_no_errors_says_no_incident(run_cli, tmp_path):
    code, out, err = run_cli("analyze", str(write_incident(tmp_path / "l", fault=False)))
    assert code == 0 and "No incident found" in out
    code, out, _ = run_cli("analyze", str(tmp_path / "l"), "--json")
    assert json.loads(out)["incident"] is None and json.loads(out)["root_causes"] == []


def test_metrics_with_missing_columns(run_cli, tmp_path):
    bad = tmp_path / "m.csv"
    bad.write_text("when,value\n1,2\n2,3\n")
    code, _, err = run_cli("analyze", "--metrics", str(bad))
    assert code == 2 and "m.csv" in err and "Traceback" not in err
    only_time = tmp_path / "t.csv"
    only_time.write_text("time\n1\n2\n")
    code, _, err = run_cli("analyze", "--metrics", str(only_time))
    assert code == 2 and "Traceback" not in err


def test_bad_fault_time(run_cli, tmp_path):
    code, _, err = run_cli("analyze", "--metrics", str(write_metrics(tmp_path / "m.csv")),
                           "--fault-time", "yesterday-ish")
    assert code == 2 and "fault time" in err
    code, out, err = run_cli("analyze", "--metrics", str(tmp_path / "m.csv"), "--fault-time",
                             str(FAULT), "--json")
    assert code == 0 and json.loads(out)["root_causes"][0]["service"] == "db"


def test_fault_time_outside_the_data(run_cli, tmp_path):
    code, _, err = run_cli("analyze", "--metrics", str(write_metrics(tmp_path / "m.csv")),
                           "--fault-time", "2001-01-01T00:00:00Z")
    assert code == 2 and "outside the data" in err and "Traceback" not in err

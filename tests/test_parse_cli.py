"""`rca parse` end to end (in-process CLI) and the parsing facade."""

from __future__ import annotations

import csv
import json

from rca import api
from rca.ingest import ReadStats


def sample(tmp_path):
    path = tmp_path / "orders.log"
    lines = []
    for i in range(30):
        lines.append(json.dumps({"level": 30, "time": 1700000000000 + i * 1000,
                                 "msg": f"order {1000 + i} placed by user{i % 7}"}))
    lines.append(json.dumps({"level": 50, "time": 1700000100000, "msg": "payment timeout after 30s"}))
    lines.append("Error: upstream closed")
    lines.append("    at Socket.onEnd (node:net:1:2)")
    lines.append("garbage that is no json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_parse_writes_structured_and_templates_csv(tmp_path, run_cli):
    log = sample(tmp_path)
    out, tpl, state = tmp_path / "s.csv", tmp_path / "t.csv", tmp_path / "miner.json"
    code, stdout, err = run_cli("parse", str(log), "--out", str(out), "--templates", str(tpl),
                                "--state", str(state))
    assert code == 0, err
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 32
    assert list(rows[0]) == list(api.EVENT_COLUMNS)
    assert rows[0]["line"] == "1" and rows[0]["service"] == "orders" and rows[0]["level"] == "INFO"
    assert rows[0]["timestamp"].startswith("2023-11-14T22:13:20")
    assert rows[30]["level"] == "ERROR" and rows[30]["message"].count("\n") == 2
    assert rows[31]["flags"] == "unparsed" and rows[31]["line"] == "34"
    with open(tpl, newline="", encoding="utf-8") as f:
        trows = list(csv.DictReader(f))
    assert sum(int(r["count"]) for r in trows) == 32
    ids = {r["id"] for r in trows}
    aliases = {a for r in trows for a in r["aliases"].split()}
    assert {r["template_id"] for r in rows} <= ids | aliases
    assert "<*>" in trows[0]["template"] and int(trows[0]["count"]) == 30
    assert "32 records" in err and "1 unparsed" in err and "0 decode errors" in err
    assert state.exists() and json.loads(state.read_text())
    # the saved state is loaded on the next run: same ids for the same lines
    code, _, _ = run_cli("parse", str(log), "--templates", str(tmp_path / "t2.csv"),
                         "--state", str(state))
    assert code == 0
    with open(tmp_path / "t2.csv", newline="", encoding="utf-8") as f:
        again = {r["id"]: int(r["count"]) for r in csv.DictReader(f)}
    assert again == {r["id"]: int(r["count"]) for r in trows}


def test_parse_without_out_prints_top_templates(tmp_path, run_cli):
    code, out, err = run_cli("parse", str(sample(tmp_path)), "--top", "3")
    assert code == 0
    assert "Top templates" in out and "order <*> placed by <*>" in out
    assert "32 records from 34 lines" in err


def test_parse_missing_file_is_one_line_error(tmp_path, run_cli):
    code, out, err = run_cli("parse", str(tmp_path / "missing.log"))
    assert code == 2
    assert "missing.log" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_parse_bad_options(tmp_path, run_cli):
    log = sample(tmp_path)
    code, _, err = run_cli("parse", str(log), "--format", "yaml")
    assert code == 3 and "--format" in err
    code, _, err = run_cli("parse", str(log), "--log-format", "no fields here")
    assert code == 3 and "unknown log format" in err
    code, _, err = run_cli("parse", str(log), "--tz", "Nowhere/City")
    assert code == 3 and "time zone" in err


def test_parse_help_explains_formats(run_cli):
    code, out, _ = run_cli("parse", "--help")
    assert code == 0
    for word in ("json", "logfmt", "syslog", "--log-format", "<Content>", "pino", "OpenTelemetry"):
        assert word in out


def test_parse_forced_format_and_folder(tmp_path, run_cli):
    d = tmp_path / "logs"
    d.mkdir()
    (d / "a.log").write_text("level=info msg=hello\nlevel=error msg=boom\n")
    (d / "b.log").write_text("level=info msg=hello\n")
    out = tmp_path / "o.csv"
    code, _, err = run_cli("parse", str(d), "--format", "logfmt", "--out", str(out))
    assert code == 0, err
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["service"], r["level"]) for r in rows] == [("a", "INFO"), ("a", "ERROR"), ("b", "INFO")]


def test_facade_parse_events_and_frame(tmp_path):
    stats = ReadStats()
    events = list(api.parse_events(sample(tmp_path), stats=stats))
    assert len(events) == 32 and stats.records == 32
    df = api.events_frame(events)
    assert list(df.columns) == list(api.EVENT_COLUMNS)
    assert str(df["timestamp"].dtype).startswith("datetime64") and str(df["timestamp"].dt.tz) == "UTC"
    assert df["line"].tolist()[:3] == [1, 2, 3]
    assert df.loc[0, "template"] == events[0].template and df.loc[31, "flags"] == "unparsed"


def test_parse_with_progress_bar(tmp_path, run_cli, monkeypatch):
    from rca.cli import parse_cmd

    monkeypatch.setattr(parse_cmd, "show_progress", lambda: True)
    out = tmp_path / "o.csv"
    code, _, err = run_cli("parse", str(sample(tmp_path)), "--out", str(out))
    assert code == 0, err
    assert out.read_text().count("\n") >= 33 and "32 records" in err

"""`rca watch`: health polling (a failing or unreachable endpoint is an error event), delivery
to a sink with offsets committed only after delivery, in-process scoring, bounded runs."""

from __future__ import annotations

import http.server
import json
import socket
import threading

import pytest

from rca.errors import ConfigError
from rca.watch.health import poll
from rca.watch.runner import Watcher, parse_interval, parse_pairs


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        code = 200 if self.path == "/ok" else 503
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture()
def health_server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_health_poll_ok_failing_and_absent(health_server):
    ok = poll("api", health_server + "/ok")
    bad = poll("api", health_server + "/bad")
    gone = poll("api", f"http://127.0.0.1:{_free_port()}/health", timeout=1)
    assert ok.ok and ok.status == 200 and ok.as_log()["level"] == "INFO"
    assert not bad.ok and bad.status == 503 and "HTTP 503" in bad.as_log()["message"]
    assert not gone.ok and gone.status is None and gone.as_log()["level"] == "ERROR"
    assert [m["value"] for m in gone.as_metrics()][0] == 0.0


class RecordingSink:
    def __init__(self):
        self.lines, self.samples, self.fail = [], [], False

    def logs(self, service, lines, now):
        if self.fail:
            raise ConnectionError("down")
        self.lines += [(service, x) for x in lines]
        return len(lines)

    def metrics(self, samples, now):
        self.samples += samples
        return len(samples)


def test_watcher_delivers_then_commits(tmp_path, health_server):
    log = tmp_path / "api.log"
    log.write_text("l1\nl2\n")
    sink = RecordingSink()
    state = tmp_path / "off.json"
    w = Watcher({"api": str(log)}, {"api": health_server + "/bad"}, sink, interval=0.01,
                state_path=state)
    assert w.run(max_iterations=2) == 2
    assert [x for s, x in sink.lines if isinstance(x, str)] == ["l1", "l2"]
    errors = [x for s, x in sink.lines if isinstance(x, dict)]
    assert len(errors) == 2 and all(e["level"] == "ERROR" for e in errors)
    assert {m["series"] for m in sink.samples} == {"api_up", "api_health_latency_ms"}
    # delivery fails: the offset must not move, so a new watcher sends the line again
    with open(log, "a") as fh:
        fh.write("l3\n")
    sink.fail = True
    with pytest.raises(ConnectionError):
        Watcher({"api": str(log)}, {}, sink, state_path=state).once()
    sink.fail = False
    Watcher({"api": str(log)}, {}, sink, state_path=state).once()
    assert [x for s, x in sink.lines if isinstance(x, str)] == ["l1", "l2", "l3"]
    assert json.loads(state.read_text())


def test_cli_watch_once_scores_in_process(tmp_path, run_cli):
    log = tmp_path / "db.log"
    lines = [json.dumps({"time": 1_700_000_000 + i, "level": "info", "msg": f"query {i} ok"})
             for i in range(50)]
    log.write_text("\n".join(lines) + "\nERROR disk full on /var/lib/db\n")
    code, out, err = run_cli("watch", "--log", f"db={log}", "--once",
                             "--db", str(tmp_path / "w.sqlite3"),
                             "--state", str(tmp_path / "o.json"))
    assert code == 0, err
    assert "51 log lines" in out
    import sqlite3

    con = sqlite3.connect(tmp_path / "w.sqlite3")
    assert con.execute("SELECT count(*) FROM logs WHERE service='db'").fetchone()[0] == 51
    state = json.loads(con.execute("SELECT value FROM kv WHERE key='scorer_state'").fetchone()[0])
    assert state["scored"]["logs"] == 51
    # a second run resumes from the saved offset: nothing new to send
    code, out, _ = run_cli("watch", "--log", f"db={log}", "--once",
                           "--db", str(tmp_path / "w.sqlite3"), "--state", str(tmp_path / "o.json"))
    assert "0 log lines" in out


def test_option_parsing():
    assert parse_pairs(["a=/x", "b = http://h"], "--log") == {"a": "/x", "b": "http://h"}
    with pytest.raises(ConfigError):
        parse_pairs(["nope"], "--log")
    assert parse_interval("5s") == 5 and parse_interval("250ms") == 0.25
    assert parse_interval("2m") == 120 and parse_interval("3") == 3
    with pytest.raises(ConfigError):
        parse_interval("soon")
    with pytest.raises(ConfigError):
        Watcher({}, {}, RecordingSink())

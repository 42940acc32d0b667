"""util-linux ``logger`` into `rca serve`'s syslog listener over TCP (newline framing and
octet counting, RFC 5424 and RFC 3164) and UDP (issue 15): every line stored with its host,
app name and severity."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import time

import httpx
import pytest
from service_helpers import running_server

pytestmark = pytest.mark.skipif(shutil.which("logger") is None,
                                reason="needs `logger` (Debian package bsdutils)")


def _free_port() -> int:
    """A port free for both TCP and UDP on loopback."""
    for _ in range(50):
        with socket.socket() as t, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port")


def _logger(port: int, *args: str, lines: list[str]) -> None:
    subprocess.run(["logger", "--server", "127.0.0.1", "--port", str(port), *args],
                   input="\n".join(lines) + "\n", text=True, check=True, timeout=30)


SENDS = [  # (logger options, app name, priority, level stored, lines)
    (("--tcp",), "billing", "local0.err", "ERROR", 30),
    (("--tcp", "--octet-count", "--rfc3164"), "payments", "user.warning", "WARN", 20),
    (("--udp",), "inventory", "daemon.info", "INFO", 25),
    (("--udp", "--rfc3164"), "auth", "auth.crit", "FATAL", 5),
]


def test_logger_tcp_and_udp_lines_are_all_stored(tmp_path):
    port = _free_port()
    db = tmp_path / "svc.sqlite3"
    sent: dict[str, list[str]] = {}
    with running_server(db, syslog_port=port) as base:
        for opts, app, prio, _level, n in SENDS:
            lines = [f"{app} event {i} id={i * 7}" for i in range(n)]
            sent[app] = lines
            _logger(port, *opts, "-t", app, "-p", prio, lines=lines)
        total = sum(s[4] for s in SENDS)
        deadline = time.monotonic() + 20
        while True:
            st = httpx.get(base + "/v1/stats", timeout=5).json()
            if st["stored"]["logs"] >= total and st["scored"] == st["stored"]:
                break
            assert time.monotonic() < deadline, st
            time.sleep(0.05)
    con = sqlite3.connect(str(db))
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute("SELECT * FROM logs")]
    con.close()
    for r in rows:  # host: its own column, or in attrs where the store has none
        r.setdefault("host", json.loads(r["attrs"] or "{}").get("host"))
    assert len(rows) == total
    hosts = {socket.gethostname(), socket.gethostname().split(".")[0]}
    for _opts, app, _prio, level, n in SENDS:
        mine = [r for r in rows if r["service"] == app]
        assert sorted(r["message"] for r in mine) == sorted(sent[app]), app
        assert {r["level"] for r in mine} == {level}, app
        assert {r["host"] for r in mine} <= hosts, app
        attrs = [json.loads(r["attrs"]) for r in mine]
        assert {a["syslog"] for a in attrs} == {"3164" if "--rfc3164" in _opts else "5424"}


def test_syslog_is_off_and_loopback_by_default():
    from rca.errors import ConfigError
    from rca.service import ServiceConfig

    cfg = ServiceConfig()
    assert cfg.syslog_port is None and cfg.syslog_host == "127.0.0.1"
    with pytest.raises(ConfigError, match="syslog_port"):
        ServiceConfig.load(None, syslog_port=70000)

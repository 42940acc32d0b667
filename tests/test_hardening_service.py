"""Issue 11, service at rest and in flight: retention, private files, the token never in a
child's environment or command line nor in an access log."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rca.service.store import GroupWriter, connect, prune

TOKEN = "tok-" + "s3cr3t" * 4


def test_prune_deletes_raw_data_older_than_retention(tmp_path):
    db = tmp_path / "s.sqlite3"
    con = connect(db)
    now = time.time()
    for received in (now - 10 * 86400, now - 86400):
        con.execute("INSERT INTO batches(received, kind, ctype, service, n, body) "
                    "VALUES(?, 'logs', 'json', 'api', 1, x'00')", (received,))
        con.execute("INSERT INTO logs(received, ts, service, message) VALUES(?, ?, 'api', 'm')",
                    (received, received))
    assert prune(con, now - 7 * 86400) == 2
    assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM logs").fetchone()[0] == 1
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    con.close()


def test_writer_applies_retention_while_ingesting(tmp_path):
    db = tmp_path / "s.sqlite3"
    con = connect(db)
    con.execute("INSERT INTO batches(received, kind, ctype, service, n, body) "
                "VALUES(?, 'logs', 'json', 'api', 1, x'00')", (time.time() - 3 * 86400,))
    con.close()
    writer = GroupWriter(db, "NORMAL", 1000, 100, retention_days=1.0)
    writer.start()
    try:
        writer.submit("logs", 1, time.time(), "json", "api", b"[]").result(timeout=10)
    finally:
        writer.stop()
    con = connect(db)
    ages = [r[0] for r in con.execute("SELECT received FROM batches")]
    con.close()
    assert len(ages) == 1 and ages[0] > time.time() - 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout.split()
    kids = [int(p) for p in out]
    return kids + [g for k in kids for g in _descendants(k)]


@pytest.mark.slow
def test_token_never_in_child_environment_command_line_or_access_log(tmp_path):
    import httpx

    port = _free_port()
    env = dict(os.environ, RCA_TOKEN=TOKEN, RCA_HOME=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "rca", "serve", "--port", str(port),
                             "--workers", "2", "--db", str(tmp_path / "s.sqlite3")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("service did not start")
        httpx.get(f"http://127.0.0.1:{port}/healthz?token={TOKEN}", timeout=5)
        kids = _descendants(proc.pid)
        assert len(kids) >= 2  # the uvicorn workers (and the scorer)
        for pid in kids:
            for name in ("environ", "cmdline"):
                try:
                    data = Path(f"/proc/{pid}/{name}").read_bytes()
                except OSError:
                    continue  # exited meanwhile
                assert TOKEN.encode() not in data, (pid, name)
        leftovers = [p for p in tmp_path.glob(".rca-serve-*.json")]
        assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in leftovers)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
    assert TOKEN.encode() not in out
    assert not list(tmp_path.glob(".rca-serve-*.json"))

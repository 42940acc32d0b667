"""`rca watch --to URL` feeds a running service over HTTP (a real loopback server)."""

from __future__ import annotations

import httpx
from service_helpers import running_server


def test_watch_feeds_running_service(tmp_path, run_cli):
    log = tmp_path / "api.log"
    log.write_text("INFO GET / 200\nERROR connection refused to 10.0.0.9:5432\n")
    with running_server(tmp_path / "svc.sqlite3") as base:
        code, out, err = run_cli("watch", "--log", f"api={log}", "--to", base, "--once",
                                 "--state", str(tmp_path / "off.json"))
        assert code == 0, err
        assert "2 log lines" in out
        stats = httpx.get(base + "/v1/stats", timeout=10).json()
        assert stats["stored"]["logs"] == 2
        with open(log, "a") as fh:
            fh.write("INFO GET /x 200\n")
        run_cli("watch", "--log", f"api={log}", "--to", base, "--once",
                "--state", str(tmp_path / "off.json"))
        assert httpx.get(base + "/v1/stats", timeout=10).json()["stored"]["logs"] == 3
        # a wrong URL is a clear error, not a traceback
        code, _out, err = run_cli("watch", "--log", f"api={log}", "--to", "ftp://x", "--once")
        assert "must be an http(s) URL" in err
        assert "Traceback" not in err

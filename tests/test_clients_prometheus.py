"""A real Prometheus server scraping a real node exporter (and `rca serve`'s own /metrics),
queried by `rca score --prometheus` and pulled by the service (issue 15).

The Debian packages ``prometheus`` and ``prometheus-node-exporter`` are installed by
``tasks.py`` (``ensure_system_packages``); where they cannot be installed the tests skip.
"""

from __future__ import annotations

import contextlib
import csv
import shutil
import socket
import ssl
import subprocess
import time

import httpx
import pytest
from service_helpers import running_server

PROMETHEUS = shutil.which("prometheus")
NODE_EXPORTER = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
pytestmark = pytest.mark.skipif(
    PROMETHEUS is None or NODE_EXPORTER is None,
    reason="needs the Debian packages prometheus and prometheus-node-exporter "
           "(python3 tasks.py test installs them when run as root with apt)")
CPU_RATE = 'rate(node_cpu_seconds_total{mode=~"user|system|idle"}[5s])'


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _process(args: list[str], log):
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait(check, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            got = check()
            if got:
                return got
        except (httpx.HTTPError, ValueError, KeyError):  # still starting: 503, not JSON yet
            pass
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout}s"
        time.sleep(0.2)


def _query(prom: str, q: str) -> list:
    r = httpx.get(prom + "/api/v1/query", params={"query": q}, timeout=5)
    return r.json()["data"]["result"]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    """node exporter + rca serve + Prometheus scraping both every second; yields
    (prometheus URL, rca serve URL)."""
    tmp = tmp_path_factory.mktemp("prom")
    node = _port()
    prom_port = _port()
    log = open(tmp / "processes.log", "w")
    with contextlib.ExitStack() as stack:
        stack.callback(log.close)
        stack.enter_context(_process(
            [NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{node}",
             "--collector.disable-defaults", "--collector.cpu", "--collector.meminfo"], log))
        rca = stack.enter_context(running_server(tmp / "svc.sqlite3"))
        (tmp / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n"
            f"  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:{node}']\n"
            f"  - job_name: rca\n    static_configs:\n"
            f"      - targets: ['{rca.removeprefix('http://')}']\n"
            "remote_write:\n"  # Prometheus pushes node_cpu_seconds_total to rca serve
            f"  - url: {rca}/api/v1/write\n"
            "    queue_config: {batch_send_deadline: 1s}\n"
            "    write_relabel_configs:\n"
            "      - {source_labels: [__name__], regex: node_cpu_seconds_total, action: keep}\n")
        stack.enter_context(_process(
            [PROMETHEUS, f"--config.file={tmp / 'prometheus.yml'}",
             f"--storage.tsdb.path={tmp / 'tsdb'}", f"--web.listen-address=127.0.0.1:{prom_port}",
             "--storage.tsdb.retention.time=1h"], log))
        url = f"http://127.0.0.1:{prom_port}"
        # enough scrapes for several points of a 5s rate
        _wait(lambda: _query(url, "count_over_time(node_cpu_seconds_total[15s]) >= 8"),
              "eight scrapes of the node exporter")
        yield url, rca, tmp / "svc.sqlite3"


def test_rca_score_prometheus_scores_a_node_cpu_rate(prometheus, tmp_path, run_cli):
    url, _rca, _db = prometheus
    out = tmp_path / "scored.csv"
    code, _out, err = run_cli("score", "--prometheus", url, "--query", CPU_RATE,
                              "--since", "30s", "--step", "1s", "--out", str(out),
                              "--header", "X-Scope-OrgID: test")
    assert code == 0, err
    rows = list(csv.DictReader(out.open()))
    assert len(rows) >= 5
    series = [c for c in rows[0] if c.startswith("value{")]
    assert any('mode="user"' in c for c in series) and any('mode="idle"' in c for c in series)
    scores = [float(r["anomaly_score"]) for r in rows]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert {r["alarm"] for r in rows} <= {"0", "1"}
    assert "scored" in err and f"{len(rows)} rows" in err


def test_prometheus_scrapes_rca_serve_metrics(prometheus):
    url, _rca, _db = prometheus
    got = _wait(lambda: _query(url, 'up{job="rca"} == 1'), "a scrape of rca serve")
    assert got
    assert _query(url, "rca_queue_depth")


def test_rca_score_prometheus_errors_are_one_line(prometheus, tmp_path, run_cli):
    url, _rca, _db = prometheus
    code, _out, err = run_cli("score", "--prometheus", url, "--query", "rate(",
                              "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "bad_data" in err and "Traceback" not in err
    code, _out, err = run_cli("score", "--prometheus", "http://127.0.0.1:9",
                              "--query", "up", "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "cannot reach Prometheus" in err


def test_service_pulls_prometheus_queries(prometheus, tmp_path):
    url, _rca, _db = prometheus
    setting = {"url": url, "queries": {"node_cpu": CPU_RATE}, "interval_seconds": 1,
               "step_seconds": 1}
    with running_server(tmp_path / "pull.sqlite3", prometheus=setting) as base:
        st = _wait(lambda: (s := httpx.get(base + "/v1/stats", timeout=5).json())["stored"][
            "metrics"] >= 20 and s, "pulled samples")
        assert st["stored"]["logs"] == 0
        rel = httpx.get(base + "/reliability", timeout=5).json()
        assert "node" in rel["systems"]


def test_prometheus_remote_write_into_rca_serve(prometheus):
    import sqlite3

    _url, rca, db = prometheus
    _wait(lambda: httpx.get(rca + "/v1/stats", timeout=5).json()["scored"]["metrics"] >= 8,
          "remote-written samples scored")
    con = sqlite3.connect(str(db))
    rows = con.execute("SELECT series, service, value FROM metrics").fetchall()
    con.close()
    assert rows and all(svc == "node" for _s, svc, _v in rows)
    assert {s.split("{")[0] for s, _svc, _v in rows} == {"node_cpu_seconds_total"}
    assert all(v >= 0 for _s, _svc, v in rows)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a test CA")
def test_rca_score_prometheus_over_tls_with_auth(tmp_path, run_cli):
    """Prometheus serving https with a self-signed certificate and basic auth: --ca-file
    verifies it, --insecure skips verification, neither is a one-line certificate error;
    the credentials go in --header."""
    import base64
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        crypt = pytest.importorskip("crypt", reason="needs crypt to hash the test password")
    hashed = crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
    if not hashed or not hashed.startswith("$2"):
        pytest.skip("this libc cannot make bcrypt hashes")
    auth = "Authorization: Basic " + base64.b64encode(b"rca:s3cret").decode()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    (tmp_path / "web.yml").write_text(
        f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"
        f"basic_auth_users:\n  rca: '{hashed}'\n")
    (tmp_path / "prometheus.yml").write_text("global:\n  scrape_interval: 15s\n")
    port = _port()
    url = f"https://127.0.0.1:{port}"
    with open(tmp_path / "prometheus.log", "w") as log, _process(
            [PROMETHEUS, f"--config.file={tmp_path / 'prometheus.yml'}",
             f"--web.config.file={tmp_path / 'web.yml'}",
             f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port}"], log):
        ca = ssl.create_default_context(cafile=str(cert))
        _wait(lambda: httpx.get(url + "/-/ready", verify=ca, timeout=2,
                                auth=("rca", "s3cret")).status_code == 200,
              "Prometheus over TLS ready")
        args = ["score", "--prometheus", url, "--query", "vector(1)", "--since", "1m",
                "--step", "5s", "--out", str(tmp_path / "s.csv"), "--header", auth]
        code, _out, err = run_cli(*args[:-2], "--ca-file", str(cert))
        assert code == 2 and "401" in err and "Traceback" not in err
        code, _out, err = run_cli(*args, "--ca-file", str(cert))
        assert code == 0, err
        assert len(list(csv.DictReader((tmp_path / "s.csv").open()))) >= 10
        code, _out, err = run_cli(*args, "--insecure")
        assert code == 0, err
        code, _out, err = run_cli(*args)
        assert code == 2 and "CERTIFICATE_VERIFY_FAILED" in err and "Traceback" not in err

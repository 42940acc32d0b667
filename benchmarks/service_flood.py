#!/usr/bin/env python3
"""`/healthz` latency of `rca serve` during an ingest flood of 8-MB bodies (loopback only).

    .venv/bin/python benchmarks/service_flood.py [--clients 8] [--seconds 20]

Starts `rca serve` (one worker, ``--scorer process`` by default) on 127.0.0.1 and probes ``GET /healthz`` every
20 ms from its own process, first with no load (the baseline, same run, same server), then
while ``--clients`` processes post 8-MB bodies in a loop:

- ``lines``: 4M one-byte lines (the issue's reproduction; refused by the lines-per-request
  bound before any parsing),
- ``records``: NDJSON records of ~170 bytes filling 8 MB (just under the lines bound, so every
  body is parsed and stored: the worst case that is accepted).

Reports median and p99 of the probe latency per phase, the flood's request outcomes and the
server's peak RSS. Writes benchmarks/results/service_flood.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
BODY_BYTES = 8 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def body(kind: str, max_lines: int) -> tuple[bytes, str]:
    if kind == "lines":
        return b"a\n" * (BODY_BYTES // 2), "text/plain"
    line = json.dumps({"message": "GET /api/items/1234 200 in 12 ms " + "x" * 100,
                       "service": "web", "level": "INFO", "timestamp": 1_700_000_000.0})
    n = min(BODY_BYTES // (len(line) + 1), max_lines - 1)
    return ("\n".join([line] * n) + "\n").encode(), "application/x-ndjson"


def flood(port: int, kind: str, seconds: float, max_lines: int, out_q) -> None:
    data, ctype = body(kind, max_lines)
    codes: dict[int, int] = {}
    end = time.monotonic() + seconds
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    while time.monotonic() < end:
        try:
            conn.request("POST", "/v1/logs", body=data, headers={"content-type": ctype})
            resp = conn.getresponse()
            resp.read()
            codes[resp.status] = codes.get(resp.status, 0) + 1
        except (OSError, http.client.HTTPException):
            codes[-1] = codes.get(-1, 0) + 1
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=120)
    out_q.put(codes)


def probe(port: int, seconds: float) -> list[float]:
    lat = []
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.perf_counter()
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        lat.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.02)
    return lat


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def phase(port: int, kind: str | None, clients: int, seconds: float, max_lines: int) -> dict:
    q: mp.Queue = mp.Queue()
    procs = [mp.Process(target=flood, args=(port, kind, seconds, max_lines, q))
             for _ in range(clients if kind else 0)]
    for p in procs:
        p.start()
    time.sleep(1.0 if procs else 0)  # let the flood build up
    lat = probe(port, seconds - (1.0 if procs else 0))
    codes: dict[int, int] = {}
    for _ in procs:
        for k, v in q.get(timeout=300).items():
            codes[k] = codes.get(k, 0) + v
    for p in procs:
        p.join()
    lat.sort()
    return {"phase": kind or "baseline (no load)", "probes": len(lat),
            "median_ms": statistics.median(lat), "p99_ms": lat[int(0.99 * (len(lat) - 1))],
            "max_ms": lat[-1], "codes": codes}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--scorer", default="process", choices=["thread", "process"])
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "service_flood.md"))
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from rca.service.config import ServiceConfig

    max_lines = ServiceConfig().max_request_events
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="rca-flood-"))
    server = subprocess.Popen([sys.executable, "-m", "rca", "serve", "--host", HOST, "--port",
                               str(port), "--db", str(tmp / "s.sqlite3"), "--log-level",
                               "warning", "--scorer", args.scorer], cwd=ROOT, env=dict(os.environ, RCA_HOME=str(tmp)))
    try:
        for _ in range(300):
            try:
                probe(port, 0.01)
                break
            except OSError:
                time.sleep(0.1)
        rows = [phase(port, None, 0, args.seconds, max_lines)]
        for kind in ("lines", "records"):
            rows.append(phase(port, kind, args.clients, args.seconds, max_lines))
        peak = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    lines = ["# /healthz during an 8-MB-body ingest flood", "",
             f"`rca serve` (1 worker, scorer {args.scorer}) on loopback; {args.clients} flooding client "
             f"processes per phase, {args.seconds:g} s per phase; probe every 20 ms from its own "
             f"connection. Lines bound per request: {max_lines:,}. Machine: "
             f"{os.cpu_count()} cores shared with other work.", "",
             "| phase | probes | /healthz median ms | p99 ms | max ms | flood answers |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(r["codes"].items())) or "-"
        lines.append(f"| {r['phase']} | {r['probes']} | {r['median_ms']:.1f} | "
                     f"{r['p99_ms']:.1f} | {r['max_ms']:.1f} | {codes} |")
    lines += ["", f"Server peak RSS: {peak:.0f} MB.", "",
              f"p99 during the floods / baseline p99: "
              + ", ".join(f"{r['phase']} {r['p99_ms'] / max(rows[0]['p99_ms'], 1e-9):.1f}x"
                          for r in rows[1:]), ""]
    text = "\n".join(lines)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()

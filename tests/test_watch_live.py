"""Issue 16's scenario, in-process: a writer process appends normal lines, then ENOSPC errors,
then stops; `rca watch` (api.watch, no server) opens an incident naming the service with the
disk-full fix within 30 s of the first ENOSPC line, and the silence joins that incident."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from rca import api

WRITER = r"""
import sys, time
from datetime import datetime, timezone
path, normal, errors = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
def stamp():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
t0 = time.time()
with open(path, "a", buffering=1) as fh:
    i = 0
    while time.time() - t0 < normal + errors:
        if time.time() - t0 < normal:
            fh.write(f"{stamp()} INFO upload {i} stored in {3 + i % 5} ms\n")
        else:
            if i >= 0 and not getattr(sys, "first", None):
                sys.first = time.time()
                print(sys.first, flush=True)
            fh.write(f"{stamp()} ERROR ENOSPC: no space left on device, write "
                     f"'/data/uploads/{i}.part'\n")
        i += 1
        time.sleep(0.25)
"""


def _scenario(tmp_path, to=None, fetch=None):
    """Run the writer and ``api.watch``; returns what on_pass saw."""
    log = tmp_path / "uploader.log"
    log.write_text("")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(log), "12", "12"],
                              stdout=subprocess.PIPE, text=True)
    passes: list[dict] = []
    stop = threading.Event()
    seen: dict = {}

    def on_pass(result):
        passes.append(result)
        incidents = result.get("incidents") if fetch is None else fetch()
        for inc in incidents or []:
            if inc["root_causes"] and "opened" not in seen:
                seen["opened"], seen["first"] = time.time(), inc
            if any(a["kind"] == "silence" for a in inc["top_alarms"]):
                seen["silence"] = inc
                stop.set()

    th = threading.Thread(target=api.watch, kwargs=dict(
        logs={"uploader": str(log)}, to=to, interval=0.5, db=tmp_path / "w.sqlite3",
        state=tmp_path / "offsets.json", stop=stop, on_pass=on_pass,
        settings={"silence_seconds": 4.0, "analysis_interval_seconds": 0.0}), daemon=True)
    th.start()
    first_error = float(writer.stdout.readline())
    writer.wait(timeout=60)
    th.join(timeout=60)
    stop.set()
    assert "opened" in seen, "no incident with a root cause"
    assert seen["opened"] - first_error < 30
    inc = seen["first"]
    assert inc["root_causes"][0]["service"] == "uploader"
    assert "disk-full" in [s["id"] for s in inc["suggestions"]]
    assert "silence" in seen and seen["silence"]["id"] == inc["id"]
    return passes


def test_in_process_watch_opens_an_incident_within_30s_and_the_silence_joins_it(tmp_path):
    passes = _scenario(tmp_path)
    assert any(p.get("warming_up") for p in passes)  # learned detectors said they warm up


def test_watch_feeding_rca_serve_opens_the_same_incident(tmp_path):
    import httpx
    from service_helpers import running_server

    with running_server(tmp_path / "s.sqlite3", silence_seconds=4.0) as base:
        def fetch():
            return httpx.get(base + "/v1/incidents", timeout=10).json()["incidents"]

        _scenario(tmp_path, to=base, fetch=fetch)
        rel = httpx.get(base + "/reliability", timeout=10).json()
        assert rel["health"]["overall"]["status"] != "up"  # an incident is open
        assert rel["systems"]["uploader"]["detectors"] == "warming up"

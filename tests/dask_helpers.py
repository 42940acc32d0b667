"""A real Dask cluster for tests: `dask scheduler` and `dask worker` processes on loopback,
started from the project's own environment and stopped (whole process groups) afterwards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

DASK = Path(sys.executable).with_name("dask")


class LoopbackCluster:
    """``start(n)`` a scheduler and ``n`` single-threaded workers; ``kill_worker()`` one with
    SIGKILL (nanny and all); ``stop()`` everything."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.killed: list[subprocess.Popen] = []
        self.address = ""

    def _spawn(self, *args: str) -> subprocess.Popen:
        log = open(self.folder / f"{args[0]}-{len(self.procs)}.log", "wb")
        proc = subprocess.Popen([str(DASK), *args], stdout=log, stderr=subprocess.STDOUT,
                                cwd=self.folder, start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    def start(self, n_workers: int = 2, timeout: float = 60) -> "LoopbackCluster":
        info = self.folder / "scheduler.json"
        self._spawn("scheduler", "--host", "127.0.0.1", "--port", "0",
                    "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(info))
        deadline = time.monotonic() + timeout
        while not info.exists() or not info.read_text().strip():
            self._check_alive(deadline)
            time.sleep(0.1)
        self.address = json.loads(info.read_text())["address"]
        for _ in range(n_workers):
            self.add_worker()
        self.wait_for(n_workers, timeout)
        return self

    def add_worker(self) -> subprocess.Popen:
        proc = self._spawn("worker", self.address, "--nworkers", "1", "--nthreads", "1",
                           "--memory-limit", "0", "--host", "127.0.0.1",
                           "--dashboard-address", "127.0.0.1:0")
        self.workers.append(proc)
        return proc

    def n_workers(self) -> int:
        from distributed import Client

        with Client(self.address, timeout=10) as client:
            return len(client.scheduler_info()["workers"])

    def wait_for(self, n: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.n_workers() < n:
            self._check_alive(deadline)
            time.sleep(0.2)

    def _check_alive(self, deadline: float) -> None:
        dead = [p.args for p in self.procs if p.poll() is not None and p not in self.killed]
        if time.monotonic() > deadline or dead:
            logs = "\n".join(f.read_text(errors="replace")[-2000:]
                             for f in sorted(self.folder.glob("*.log")))
            raise RuntimeError(f"the Dask cluster did not come up:\n{logs}")

    def kill_worker(self) -> None:
        proc = self.workers.pop(0)
        self.killed.append(proc)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)

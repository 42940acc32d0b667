"""Scale-out benchmark: ``rca parse`` on a 2M-line corpus in one process vs on a local Dask
cluster of 1 and of 2 worker processes, on this machine.

    .venv/bin/python benchmarks/scale.py [--lines 2000000] [--repeats 1] [--workers 1 2]

The corpus is built from the shared data in a temporary folder (never in the repo): 80% of
the lines are ``hdfs/HDFS_first20000.log`` repeated into one large file (which the Dask
runs cut into byte ranges), 20% the twelve ``loghub_2k/*/*_2k.log`` systems repeated, one
file each; formats are sniffed (no --log-format), as a user parsing a mixed folder would.

Every run is the CLI as a process (``rca parse CORPUS --out ... --templates ... --state ...``
plus ``--workers N`` for Dask; one process writes its CSV, Dask writes partitioned Parquet),
timed end to end (cluster start-up included). Peak memory is polled (psutil, every 0.1 s)
over the process tree: the ``rca`` process itself and each Dask worker process.
Equality: the templates file (id, template, count) of every run equals the one-process one,
and a digest of every row's (source, line, final template id), in order, is the same.

Writes ``benchmarks/results/scale.md`` with the machine's load average beside the figures
(the 2-worker speedup is only meaningful on a quiet machine). Bars: 2 workers >= 1.6x the
lines/s of 1 worker; per-worker peak memory < 400 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rca.paths import bench_data_dir  # noqa: E402

RCA = Path(sys.executable).with_name("rca")
SYSTEMS = ["HDFS", "Hadoop", "Spark", "Zookeeper", "BGL", "HPC", "Windows", "Linux",
           "Android", "Apache", "Proxifier", "OpenStack"]
SPEEDUP_BAR, MEMORY_BAR_MB = 1.6, 400.0


def _repeat_into(dest: Path, lines: list[bytes], n: int) -> int:
    with open(dest, "wb") as fh:
        full, rest = divmod(n, len(lines))
        block = b"".join(lines)
        for _ in range(full):
            fh.write(block)
        fh.write(b"".join(lines[:rest]))
    return n


def build_corpus(folder: Path, n_lines: int, data: Path) -> int:
    """Write the corpus (see the module docstring) into ``folder``; returns its line count."""
    folder.mkdir(parents=True, exist_ok=True)
    hdfs = (data / "hdfs" / "HDFS_first20000.log").read_bytes().splitlines(keepends=True)
    total = _repeat_into(folder / "hdfs_v1.log", hdfs, int(n_lines * 0.8))
    per_system = (n_lines - total) // len(SYSTEMS)
    for k, system in enumerate(SYSTEMS):
        raw = (data / "loghub_2k" / system / f"{system}_2k.log").read_bytes()
        lines = [ln.rstrip(b"\r\n") + b"\n" for ln in raw.splitlines()]
        n = per_system if k else n_lines - total - per_system * (len(SYSTEMS) - 1)
        total += _repeat_into(folder / f"{system.lower()}.log", lines, n)
    return total


class TreeMemory(threading.Thread):
    """Polls the peak RSS and the CPU time of a process and of each of its descendants."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        import psutil

        self.root = psutil.Process(pid)
        self.peak: dict[int, int] = {}
        self.cpu: dict[int, float] = {}
        self.leaf: set[int] = set()
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop.is_set():
            try:
                procs = [self.root] + self.root.children(recursive=True)
            except psutil.Error:
                break
            for p in procs:
                try:
                    rss = p.memory_info().rss
                    times = p.cpu_times()
                    self.cpu[p.pid] = max(self.cpu.get(p.pid, 0.0), times.user + times.system)
                    if p.pid != self.root.pid and not p.children():
                        self.leaf.add(p.pid)  # a worker (a nanny has the worker as child)
                except psutil.Error:
                    continue
                self.peak[p.pid] = max(self.peak.get(p.pid, 0), rss)
            self.stop.wait(0.1)

    def result(self) -> tuple[float, float, float, float]:
        """MB of the rca process, MB of the largest worker process (0 when none), CPU
        seconds of the rca process and of the busiest worker."""
        main = self.peak.get(self.root.pid, 0)
        workers = [p for p in self.leaf if self.peak.get(p, 0) > 50 << 20]
        worker_mb = max((self.peak[p] for p in workers), default=0) / 2**20
        worker_cpu = max((self.cpu.get(p, 0.0) for p in workers), default=0.0)
        return main / 2**20, worker_mb, self.cpu.get(self.root.pid, 0.0), worker_cpu


def run_parse(corpus: Path, work: Path, workers: int | None) -> dict:
    """One timed ``rca parse`` process; returns wall time, peak memory and the outputs."""
    tag = f"dask{workers}" if workers else "one"
    out = work / (f"{tag}.csv" if not workers else f"{tag}-parquet")
    if out.is_dir():
        shutil.rmtree(out)
    out.unlink(missing_ok=True)
    tpl, state = work / f"{tag}-templates.csv", work / f"{tag}-miner.json"
    state.unlink(missing_ok=True)
    cmd = [str(RCA), "parse", str(corpus), "--out", str(out), "--templates", str(tpl),
           "--state", str(state)] + (["--workers", str(workers)] if workers else [])
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    mem = TreeMemory(proc.pid)
    mem.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    mem.stop.set()
    mem.join()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err.decode()[-2000:]}")
    main_mb, worker_mb, main_cpu, worker_cpu = mem.result()
    return {"tag": tag, "workers": workers, "wall": wall, "main_mb": main_mb,
            "worker_mb": worker_mb, "main_cpu": main_cpu, "worker_cpu": worker_cpu, "load": load, "out": out, "templates": tpl,
            "state": state, "summary": err.decode().strip().splitlines()[-1]}


def row_digest(run: dict) -> str:
    """SHA-256 over (source, line, final template id) of every row, in order."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from rca.templates import TemplateMiner

    digest = hashlib.sha256()
    out = Path(run["out"])
    if out.is_dir():
        batches = (b for part in sorted(out.glob("part-*.parquet"))
                   for b in pq.ParquetFile(part).iter_batches(
                       columns=["source", "line", "template_id"]))
        resolve = None
    else:
        opts = pacsv.ConvertOptions(include_columns=["source", "line", "template_id"],
                                    column_types={"line": "string"})
        batches = pacsv.open_csv(out, convert_options=opts)
        miner = TemplateMiner.load(run["state"])
        resolve = miner.resolve
    for batch in batches:
        cols = batch.to_pydict()
        ids = cols["template_id"] if resolve is None else [resolve(t) for t in cols["template_id"]]
        text = "".join(f"{s}\t{ln}\t{t}\n" for s, ln, t in zip(cols["source"], cols["line"], ids))
        digest.update(text.encode())
    return digest.hexdigest()


def templates_of(run: dict) -> list[tuple[str, str, str]]:
    import csv

    with open(run["templates"], newline="", encoding="utf-8") as fh:
        return sorted((r["id"], r["template"], r["count"]) for r in csv.DictReader(fh))


def measure(corpus: Path, work: Path, n_lines: int, repeats: int, workers: list[int]) -> list:
    configs = [None] + workers
    runs: dict = {c: [] for c in configs}
    for _ in range(repeats):
        for c in configs:  # interleaved, so a change of machine load hits every config
            runs[c].append(run_parse(corpus, work, c))
            print(f"  {runs[c][-1]['tag']}: {runs[c][-1]['wall']:.1f} s "
                  f"(load {runs[c][-1]['load']:.2f})", flush=True)
    base = runs[None][-1]
    base_templates, base_digest = templates_of(base), row_digest(base)
    rows = []
    for c in configs:
        last = runs[c][-1]
        wall = statistics.median(r["wall"] for r in runs[c])
        rows.append({
            "config": "1 process" if c is None else f"Dask, {c} worker{'s' if c > 1 else ''}",
            "workers": c, "wall": wall, "lines_per_s": n_lines / wall,
            "main_mb": max(r["main_mb"] for r in runs[c]),
            "worker_mb": max(r["worker_mb"] for r in runs[c]),
            "load": statistics.median(r["load"] for r in runs[c]),
            "main_cpu": statistics.median(r["main_cpu"] for r in runs[c]),
            "worker_cpu": statistics.median(r["worker_cpu"] for r in runs[c]),
            "templates_equal": templates_of(last) == base_templates,
            "rows_equal": row_digest(last) == base_digest,
            "n_templates": len(base_templates), "summary": last["summary"],
        })
    return rows


def _bound(r: dict) -> float:
    """Least wall time of a run on 2 idle cores, from its CPU seconds."""
    workers = r["workers"] or 0
    total = r["main_cpu"] + r["worker_cpu"] * workers  # busiest worker as every worker
    return max(r["main_cpu"], r["worker_cpu"], total / 2)


def _bound_ratio(one: dict, two: dict) -> float:
    return _bound(one) / max(_bound(two), 1e-9)


def _autogroup() -> str:
    try:
        on = Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return "autogroup setting unknown"
    return "autogroup is on here" if on else "autogroup is off here"


def markdown(rows: list, n_lines: int, repeats: int, load_after: float) -> str:
    by = {r["workers"]: r for r in rows}
    lines = [
        "# Scale-out: `rca parse` on one process vs a local Dask cluster", "",
        f"Generated by `benchmarks/scale.py` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs. Corpus: {n_lines:,} lines "
        "(80% HDFS_first20000 repeated into one file, 20% the 12 Loghub 2k systems repeated, "
        "one file each; formats sniffed). Each run is `rca parse` as a process, wall time end "
        f"to end (Dask cluster start-up included), median of {repeats} run(s); peak memory "
        "polled over the process tree.", "",
        "| run | wall s | lines/s | vs 1 process | rca process peak MB | worker peak MB "
        "| rca process CPU s | busiest worker CPU s | load avg (1 min) | templates equal "
        "| rows equal |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    base = by[None]["lines_per_s"]
    for r in rows:
        lines.append(f"| {r['config']} | {r['wall']:.1f} | {r['lines_per_s']:,.0f} | "
                     f"{r['lines_per_s'] / base:.2f}x | {r['main_mb']:.0f} | "
                     f"{r['worker_mb']:.0f} | {r['main_cpu']:.1f} | {r['worker_cpu']:.1f} | "
                     f"{r['load']:.2f} | {r['templates_equal']} | "
                     f"{r['rows_equal']} |")
    lines += ["", f"Load average after the runs: {load_after:.2f}. "
              f"Templates: {rows[0]['n_templates']}. One process read: {rows[0]['summary']}", ""]
    if 1 in by and 2 in by:
        speedup = by[2]["lines_per_s"] / by[1]["lines_per_s"]
        worst = max(r["worker_mb"] for r in rows if r["workers"])
        lines += [
            f"- 2 workers vs 1 worker: **{speedup:.2f}x** lines/s "
            f"(bar >= {SPEEDUP_BAR}x: {'met' if speedup >= SPEEDUP_BAR else 'NOT met'}).",
            f"- Largest worker peak: **{worst:.0f} MB** (bar < {MEMORY_BAR_MB:.0f} MB: "
            f"{'met' if worst < MEMORY_BAR_MB else 'NOT met'}).",
            "- The speedup needs two idle cores. With the kernel's autogroup on "
            f"({_autogroup()}), CPU time is split between sessions, not processes: with other "
            "sessions busy (see the load average) the whole run - rca process and workers - "
            "gets about the same share with 2 workers as with 1, and the ratio says nothing "
            "about scaling. Re-run on a quiet machine with the command above.",
            "- CPU seconds (polled, user + system) show how the work divides. A run cannot "
            "take less wall time on 2 idle cores than max(busiest process CPU, all CPU / 2); "
            f"that bound gives **{_bound_ratio(by[1], by[2]):.2f}x** for 2 workers vs 1 "
            "(a diagnostic, not the bar: it leaves out start-up; the rca process's CPU - "
            "start-up, the scheduler and the template merge, whose cost grows with the "
            "distinct masked messages, not the lines - competes with the workers for the two "
            "cores).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=2_000_000)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "scale.md")
    args = ap.parse_args(argv)
    data = bench_data_dir()
    work = Path(tempfile.mkdtemp(prefix="rca-scale-"))
    try:
        print(f"building a {args.lines:,}-line corpus in {work}", flush=True)
        n = build_corpus(work / "corpus", args.lines, data)
        rows = measure(work / "corpus", work, n, args.repeats, args.workers)
        text = markdown(rows, n, args.repeats, os.getloadavg()[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(text)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

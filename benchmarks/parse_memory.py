"""Peak memory of ``rca parse FILE --out OUT.csv`` on generated logs of growing size.

Generates a realistic log (Python-logging layout, a few hundred templates with varying
parameters - ids, IPs, numbers, durations, paths, UUIDs - and an occasional Java stack trace)
in a temporary folder, runs ``rca parse`` on it as a subprocess and reads the child's peak
resident set size from ``os.wait4`` (``ru_maxrss``, exact, no polling). Done at 0.5M and 2M
lines by default, each twice: format sniffed (the record path) and with ``--log-format`` (the
column-wise path), to show memory does not grow with the file. Bar: < 400 MB, flat.

    .venv/bin/python benchmarks/parse_memory.py [N_LINES]

``run(n_lines)`` returns the measurements, ``markdown(result)`` renders them (the parsing
benchmark includes that table in benchmarks/results/parsing.md); run standalone, the table is
printed and written to benchmarks/results/parse_memory.md.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BAR_MB = 400.0
ROOT = Path(__file__).resolve().parent.parent
_WORDS = ("request", "connection", "session", "cache", "worker", "queue", "block", "replica",
          "lease", "token", "user", "order", "payment", "invoice", "shard", "index", "job",
          "task", "socket", "handler", "pool", "thread", "file", "snapshot", "checkpoint")
_VERBS = ("opened", "closed", "failed", "started", "stopped", "retrying", "timed out",
          "accepted", "rejected", "flushed", "evicted", "allocated", "released", "received",
          "sent", "committed", "rolled back", "scheduled", "completed", "dropped")
_LOGGERS = ("orders.api", "orders.db", "payments.gateway", "auth.session", "inventory.cache",
            "shipping.worker", "search.index", "gateway.proxy")
_LEVELS = ("INFO",) * 14 + ("DEBUG",) * 3 + ("WARN",) * 2 + ("ERROR",)


def _param(kind: str, rng: random.Random) -> str:
    if kind == "int":
        return str(rng.randrange(100_000))
    if kind == "ip":
        return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}:{rng.randrange(1024, 65535)}"
    if kind == "hex":
        return f"{rng.getrandbits(64):016x}"
    if kind == "dur":
        return f"{rng.random() * 900:.1f}ms"
    if kind == "path":
        return f"/var/data/{rng.choice(_WORDS)}/{rng.randrange(10_000)}.dat"
    if kind == "uuid":
        b = f"{rng.getrandbits(128):032x}"
        return f"{b[:8]}-{b[8:12]}-{b[12:16]}-{b[16:20]}-{b[20:]}"
    return rng.choice(_WORDS) + str(rng.randrange(50))  # "name": user42


def _templates(n: int, rng: random.Random) -> list[list[str]]:
    kinds = ("int", "ip", "hex", "dur", "path", "uuid", "name")
    seen, out = set(), []
    while len(out) < n:
        words = [rng.choice(_WORDS), rng.choice(_VERBS)]
        for _ in range(rng.randrange(1, 5)):
            words += [rng.choice(("for", "on", "from", "to", "after", "with")),
                      rng.choice(_WORDS), "\x00" + rng.choice(kinds)]
        key = " ".join(words)
        if key not in seen:
            seen.add(key)
            out.append(words)
    return out


_STACK = ("java.lang.IllegalStateException: pool exhausted",
          "\tat com.acme.pool.Pool.acquire(Pool.java:212)",
          "\tat com.acme.orders.OrderService.place(OrderService.java:88)",
          "Caused by: java.net.SocketTimeoutException: connect timed out",
          "\t... 42 more")


def generate(path: Path, n_lines: int, n_templates: int = 300, seed: int = 0) -> int:
    """Write ``n_lines`` log lines (stack-trace lines included in the count) to ``path``."""
    rng = random.Random(seed)
    templates = _templates(n_templates, rng)
    weights = [1.0 / (k + 1) ** 0.8 for k in range(len(templates))]  # a few frequent, long tail
    t0 = 1_700_000_000.0
    written = 0
    with open(path, "w", encoding="utf-8") as f:
        buf = []
        for words in rng.choices(templates, weights, k=n_lines):
            if written >= n_lines:
                break
            t0 += rng.random() * 0.01
            secs = time.gmtime(t0)
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", secs) + f",{int(t0 % 1 * 1000):03d}"
            msg = " ".join(_param(w[1:], rng) if w[0] == "\x00" else w for w in words)
            level = rng.choice(_LEVELS)
            buf.append(f"{stamp} {level} {rng.choice(_LOGGERS)}: {msg}\n")
            written += 1
            if level == "ERROR" and rng.random() < 0.05 and written + len(_STACK) <= n_lines:
                buf.extend(s + "\n" for s in _STACK)
                written += len(_STACK)
            if len(buf) >= 10_000:
                f.writelines(buf)
                buf.clear()
        f.writelines(buf)
    return written


#: The generated layout as a format string: ``rca parse --log-format`` takes the column-wise path.
LOG_FORMAT = "<Date> <Time> <Level> <Component>: <Content>"


def measure(log: Path, out_csv: Path, log_format: str | None = None) -> dict:
    """Run ``rca parse LOG --out OUT [--log-format F]`` in a subprocess; peak RSS (MB) and
    wall time."""
    cmd = [sys.executable, "-m", "rca", "parse", str(log), "--out", str(out_csv)]
    if log_format:
        cmd += ["--log-format", log_format]
    start = time.perf_counter()
    # run from the repo root: benchmarks/ holds an rca.py that would shadow the package
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    stderr = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"rca parse failed ({proc.returncode}): {stderr.decode()[-500:]}")
    return {"peak_rss_mb": usage.ru_maxrss / 1024.0, "seconds": seconds,
            "summary": stderr.decode().strip().splitlines()[-1] if stderr else ""}


def run(n_lines: int = 2_000_000, sizes: tuple[float, ...] = (0.25, 1.0),
        verbose: bool = False) -> dict:
    """Measure ``rca parse`` at ``n_lines * s`` lines for each ``s`` in ``sizes`` (``verbose``
    prints each measurement on stderr as it comes)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="rca-parse-mem-") as tmp:
        for share in sizes:
            n = int(n_lines * share)
            log = Path(tmp) / f"app_{n}.log"
            generate(log, n)
            size_mb = log.stat().st_size / 1e6
            for how, fmt in (("sniffed (record path)", None), ("--log-format (column-wise)",
                                                               LOG_FORMAT)):
                m = measure(log, Path(tmp) / "out.csv", fmt)
                rows.append({"lines": n, "how": how, "file_mb": size_mb, **m,
                             "lines_per_s": n / m["seconds"]})
                if verbose:
                    print(f"{n:,} lines {how}: peak {m['peak_rss_mb']:.1f} MB, "
                          f"{m['seconds']:.0f} s", file=sys.stderr, flush=True)
            log.unlink()
            (Path(tmp) / "out.csv").unlink(missing_ok=True)
    peaks = [r["peak_rss_mb"] for r in rows]
    growth = max(b["peak_rss_mb"] - a["peak_rss_mb"]
                 for a, b in zip(rows, rows[2:]) if a["how"] == b["how"]) if len(rows) > 2 else 0.0
    return {"n_lines": n_lines, "rows": rows, "bar_mb": BAR_MB, "max_peak_mb": max(peaks),
            "growth_mb": growth, "under_bar": max(peaks) < BAR_MB,
            "flat": growth < max(25.0, 0.10 * min(peaks))}


def markdown(result: dict) -> str:
    """The measurements as a markdown table plus a verdict line."""
    lines = ["| lines | how | file (MB) | peak RSS (MB) | wall (s) | lines/s |",
             "|---:|---|---:|---:|---:|---:|"]
    for r in result["rows"]:
        lines.append(f"| {r['lines']:,} | {r['how']} | {r['file_mb']:.0f} | "
                     f"{r['peak_rss_mb']:.1f} | "
                     f"{r['seconds']:.1f} | {r['lines_per_s']:,.0f} |")
    lines.append("")
    lines.append(
        f"Peak {result['max_peak_mb']:.1f} MB (bar < {result['bar_mb']:.0f} MB: "
        f"{'met' if result['under_bar'] else 'NOT met'}); growth from the smallest to the "
        f"largest file (same path) {result['growth_mb']:+.1f} MB "
        f"({'flat' if result['flat'] else 'NOT flat'}). `rca parse FILE --out OUT.csv "
        "[--log-format F]` as a subprocess, peak from os.wait4 ru_maxrss; wall time includes "
        "interpreter start-up.")
    return "\n".join(lines)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    res = run(n, verbose=True)
    table = markdown(res)
    print(table)
    out = ROOT / "benchmarks" / "results" / "parse_memory.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Peak memory of `rca parse`\n\n" + table + "\n", encoding="utf-8")

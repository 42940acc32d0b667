"""The speed half of the parsing benchmark: ``rca parse LOG --out x.csv`` as a process vs a
drain3 script (``benchmarks/drain3_parse.py``), alternating, median; used by
``benchmarks/parsing.py`` (``--skip-accuracy --update`` re-runs only this section of its
results file, keeping the accuracy tables of the last full run)."""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Throughput as users run it"
MEMORY_HEADING = "## Peak memory of `rca parse`"


def _timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd[:4])} failed: {proc.stderr.decode()[-400:]}")
    return time.perf_counter() - t0


def throughput(data: Path, n_lines: int, repeats: int) -> dict:
    """``rca parse`` vs the drain3 script, as processes and in-process, alternating."""
    src = data / "hdfs" / "HDFS_first20000.log"
    setting = json.loads((data / "loghub_2k" / "drain_settings.json").read_text())[
        "datasets"]["HDFS"]
    fmt = setting["log_format"]
    import drain3_parse as d3mod
    from rca import api

    # As installed from a wheel: byte-compiled (drain3 is; an editable install is not, and
    # with PYTHONDONTWRITEBYTECODE set every run would compile rca's modules again).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "rca")], check=True,
                   stdout=subprocess.DEVNULL)
    times: dict[str, list[float]] = {k: [] for k in ("rca", "drain3", "rca_in", "drain3_in")}
    with tempfile.TemporaryDirectory(prefix="rca-parse-bench-") as tmp:
        base = src.read_text(encoding="utf-8", errors="replace").splitlines()
        log = Path(tmp) / "hdfs.log"
        log.write_text("\n".join((base * (n_lines // len(base) + 1))[:n_lines]) + "\n",
                       encoding="utf-8")
        out = Path(tmp) / "out.csv"
        rca_cmd = [sys.executable, "-m", "rca", "parse", str(log), "--log-format", fmt,
                   "--out", str(out)]
        d3_args = [str(log), str(out), "--log-format", fmt, "--settings", json.dumps(setting)]
        d3_cmd = [sys.executable, str(ROOT / "benchmarks" / "drain3_parse.py"), *d3_args]
        _timed(rca_cmd), _timed(d3_cmd)  # warm-up, not counted (page cache, first start)
        for k in range(repeats):
            times["rca"].append(_timed(rca_cmd))
            times["drain3"].append(_timed(d3_cmd))
            t0 = time.perf_counter()
            api.parse_to_files([log], out=out, log_format=fmt)
            times["rca_in"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            d3mod.main(d3_args)
            times["drain3_in"].append(time.perf_counter() - t0)
            print(f"throughput run {k + 1}/{repeats}: " + ", ".join(
                f"{name} {v[-1]:.2f}s" for name, v in times.items()), flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"lines": n_lines, "repeats": repeats, "times": times, "median": med,
            "ratio": med["drain3"] / med["rca"], "ratio_in": med["drain3_in"] / med["rca_in"],
            "cmd": "rca parse LOG --log-format '" + fmt + "' --out x.csv"}


def throughput_section(thr: dict) -> list[str]:
    """The markdown section of a :func:`throughput` result."""
    md = thr["median"]
    out = [HEADING, "",
           f"`hdfs/HDFS_first20000.log` repeated to {thr['lines']:,} raw lines in a "
           f"temporary folder. **process**: `{thr['cmd']}` vs `python "
           "benchmarks/drain3_parse.py LOG x.csv` (header split with the same format, "
           "drain3 with Drain's published HDFS settings, the same 10 columns written with "
           "csv.writer), each a fresh interpreter (start-up and imports included; rca "
           "byte-compiled first, as a wheel install is). **in-process**: "
           "`rca.api.parse_to_files` vs the script's `main`. "
           f"{thr['repeats']} alternating runs, median.", "",
           "| run | median s | lines/s | runs (s) |", "|---|---|---|---|"]
    for k, name in (("rca", "rca parse (process)"), ("drain3", "drain3 script (process)"),
                    ("rca_in", "rca.api.parse_to_files (in-process)"),
                    ("drain3_in", "drain3 script main (in-process)")):
        runs = ", ".join(f"{t:.2f}" for t in thr["times"][k])
        out.append(f"| {name} | {md[k]:.2f} | {thr['lines'] / md[k]:,.0f} | {runs} |")
    out += ["", f"Speed-up as processes: **{thr['ratio']:.1f}x** (bar 5x); in-process: "
            f"**{thr['ratio_in']:.1f}x**.", ""]
    return out


def update_section(path: Path, thr: dict | None, cmd: str, memory_md: str) -> None:
    """Replace the throughput section (when ``thr``) and the memory section of a results
    file written by a full run; the accuracy tables stay as that run wrote them."""
    text = path.read_text(encoding="utf-8")
    note = (f"(Re-run on {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC by `{cmd}`, "
            f"load average {os.getloadavg()[0]:.2f} at its end; the accuracy tables are from the "
            "full run named at the top.)")
    if thr:
        text = _replace(text, HEADING, "\n".join(throughput_section(thr)) + "\n" + note)
    text = _replace(text, MEMORY_HEADING, MEMORY_HEADING + "\n\n" + memory_md)
    path.write_text(text, encoding="utf-8")


def _replace(text: str, heading: str, section: str) -> str:
    """``text`` with the section under ``heading`` replaced (added before the memory section
    when a run with --skip-throughput left it out)."""
    if heading not in text:
        start = end = text.index(MEMORY_HEADING)
        return text[:start] + section.rstrip("\n") + "\n\n" + text[end:]
    start = text.index(heading)
    end = text.index("\n## ", start + len(heading)) + 1
    return text[:start] + section.rstrip("\n") + "\n\n" + text[end:]

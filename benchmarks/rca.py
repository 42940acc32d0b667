"""RCA benchmark: Sock Shop and Nezha metric cases against baselines, simulated incidents on
building and held-out seeds, the real-error corpus, and timing. Writes benchmarks/results/rca.md.

    .venv/bin/python benchmarks/rca.py [--quick]

(a) the 50 Sock Shop cases of RCD (``rcd_sockshop/<service>-<cpu|mem>/<run>/``): normal.csv
    then anomalous.csv (re-timed to follow the normal rows: the files are separate runs), the
    fault time is the first anomalous row. ``rca analyze``
    runs end to end on the joined CSV (once with ``--fault-time``, once without), side by side
    with N-sigma, the BARO-style robust scaler as published, and a seeded random ranker, all on
    the same cases in this process. AC@k = share of cases whose root-cause service is in the
    top k; Avg@5 = mean of AC@1..AC@5.
(b) Nezha fault injections (``nezha/<day>``, see benchmarks/nezha_cases.py), fault time given:
    ``rca analyze`` end to end on each window's CSV with the ranker constants chosen on the
    OTHER day (train one day, report the other, then swap), beside N-sigma and the published
    BARO scaler (signed and |z| variants) on the same windows.
(c) simulated incidents from ``rca.simulate``: every scenario on the seeds used while building
    the ranker (1-5), on held-out seeds never used for tuning (101-105), and on the held-out
    seeds with ``vary=True`` (other names, ECS/OTel error fields, more unrelated noise).
(d) the real-error corpus (tests/data/real_errors): right fix in the top 3, dev vs held-out.
(e) seconds per incident, and one 100,000-line / 10-service incident end to end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rca import api  # noqa: E402
from rca.paths import bench_data_dir  # noqa: E402
from rca.rank import metrics as rm  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from rca_nezha import run_nezha  # noqa: E402
from rca_sim import BUILD_SEEDS, HELD_OUT_SEEDS, run_simulated  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "rca.md"


def acc(ranks: list[int]) -> dict[str, float]:
    r = np.array(ranks)
    out = {f"AC@{k}": float((r <= k).mean()) for k in (1, 3)}
    out["Avg@5"] = float(np.mean([(r <= k).mean() for k in range(1, 6)]))
    return out


def rank_of(truth: str, order: list[str]) -> int:
    return order.index(truth) + 1 if truth in order else 10**6


# --- (a) Sock Shop -----------------------------------------------------------------------------

def sockshop_cases(root: Path):
    for case in sorted(root.glob("*/*/")):
        if not (case / "normal.csv").exists():
            continue
        normal = pd.read_csv(case / "normal.csv")
        anomalous = pd.read_csv(case / "anomalous.csv")
        truth = case.parent.name.rsplit("-", 1)[0]
        yield f"{case.parent.name}/{case.name}", truth, normal, anomalous


def run_sockshop(root: Path, tmp: Path) -> tuple[list[dict], list[str]]:
    methods = {"rca analyze (fault time given)": [], "rca analyze (onset detected)": [],
               "N-sigma": [], "BARO-style robust (as published)": [], "random (seed 0)": []}
    secs: list[float] = []
    onset_err: list[float] = []
    cases = list(sockshop_cases(root))
    for i, (name, truth, normal, anomalous) in enumerate(cases):
        # the two files come from separate runs (one anomalous run even predates its normal
        # run): place the anomalous rows right after the normal ones, shifted by a constant
        step = float(normal["time"].diff().median() or 1.0)
        shifted = anomalous.assign(
            time=anomalous["time"] - anomalous["time"].iloc[0] + normal["time"].iloc[-1] + step)
        joined = pd.concat([normal, shifted], ignore_index=True)
        csv = tmp / f"sockshop_{i}.csv"
        joined.to_csv(csv, index=False)
        fault = float(shifted["time"].iloc[0])
        t0 = time.perf_counter()
        res = api.analyze(metrics=[csv], fault_time=fault, suggest=False)
        secs.append(time.perf_counter() - t0)
        methods["rca analyze (fault time given)"].append(
            rank_of(truth, [c.service for c in res.root_causes] + _rest(res)))
        res2 = api.analyze(metrics=[csv], suggest=False)
        methods["rca analyze (onset detected)"].append(
            rank_of(truth, [c.service for c in res2.root_causes] + _rest(res2)))
        if res2.incident is not None:
            onset_err.append(abs(res2.incident.start.timestamp() - fault))
        n = normal.drop(columns="time")
        a = anomalous.drop(columns="time")
        methods["N-sigma"].append(rank_of(truth, rm.rank_services(n, a, rm.nsigma_scores)))
        methods["BARO-style robust (as published)"].append(
            rank_of(truth, rm.rank_services(n, a, rm.plain_robust_scores)))
        methods["random (seed 0)"].append(
            rank_of(truth, rm.rank_services(n, a, lambda x, y, s=i: rm.random_scores(x.columns,
                                                                                      seed=s))))
    sweep = {}
    for floor in (0.0, 0.001, 0.01, 0.1):
        sweep[floor] = acc([rank_of(truth, rm.rank_services(
            n.drop(columns="time"), a.drop(columns="time"),
            lambda x, y, f=floor: rm.robust_scores(x, y, rel_floor=f)))
            for _, truth, n, a in cases])
    rows = [{"method": m, **acc(r), "cases": len(r)} for m, r in methods.items()]
    notes = [f"Sock Shop: {len(cases)} cases; rca analyze median {statistics.median(secs):.3f} s "
             f"per case (metrics only, {len(cases[0][2].columns) - 1} series)",
             f"onset detection: median |error| {statistics.median(onset_err):.1f} s, "
             f"max {max(onset_err):.1f} s over {len(onset_err)} cases",
             "sensitivity of the one design constant (scale floor, share of the normal level; "
             "default 0.01), robust scorer alone: " + ", ".join(
                 f"{f}: AC@1 {v['AC@1']:.2f} / Avg@5 {v['Avg@5']:.2f}" for f, v in sweep.items())]
    return rows, notes


def _rest(res) -> list[str]:
    """Services the analysis saw but did not list in its top candidates (tail of the order)."""
    if res.incident is None:
        return []
    top = {c.service for c in res.root_causes}
    return [s for s in res.incident.services if s not in top]


# --- (c) scale ---------------------------------------------------------------------------------

def run_scale(tmp: Path) -> list[str]:
    """One incident of ~100,000 log lines over 10 services, end to end (read, mine, rank)."""
    from rca.simulate import simulate

    out = tmp / "scale"
    # ``lines`` is records per service; fault and symptom lines come on top
    simulate("disk-full", out, seed=7, n_services=10, lines=9_300)
    lines = sum(sum(1 for _ in p.open("rb")) for p in (out / "logs").iterdir())
    services = len(list((out / "logs").iterdir()))
    wall, cpu = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        res = api.analyze([out / "logs"], [out / "metrics.csv"], deps=out / "deps.yaml")
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    truth = json.loads((out / "truth.json").read_text())
    top = res.root_causes[0].service if res.root_causes else None
    return [f"scale: {lines:,} log lines over {services} services (disk-full, seed 7): "
            f"median {statistics.median(wall):.1f} s wall, {statistics.median(cpu):.1f} s CPU "
            f"over 3 runs (2 shared cores; wall includes waiting for other processes); "
            f"top-1 {top} (truth {truth['root_cause_service']})"]


METHOD_NOTES = [
    "## How the ranker was designed (and what was tried)", "",
    "- Metrics are scored by the detect stage (`rca.detect.robust.RobustDeviation`): BARO-style "
    "median/IQR of the normal period with two unit-free floors (scale >= 1 % of the normal "
    "level; a series flat at zero is scaled by 1 % of its own peak), max over a service's "
    "series. The floor came from why the published scaler failed on Sock Shop (flat byte "
    "gauges), not from a search; the sweep in (a) shows 0.001-0.1 give the same result.",
    "- Every service seen in the inputs is ranked (`root_causes` is complete); services with "
    "evidence of their own (a surging signature, a silence, a metric beyond 10 robust "
    "deviations) are `anomalous` and come first, the rest follow by how far they moved.",
    "- Nezha: three ranker constants (`TWO_SIDED`, `SCORE_CAP`, `AGGREGATE` in "
    "rca/rank/metrics.py) are chosen by a 6-point grid on one day and reported on the other "
    "(then swapped); the row 'in-sample' shows the same day's own best for comparison. The "
    "ideas in the grid (two-sided deviations, capping deviations of sparse series, averaging "
    "a service's three strongest series) were found by looking at misses on both days, so the "
    "design (not the constants) has seen both days. Code-level faults (exception, return) "
    "barely move these per-minute metrics; the published anchor (README) is about a quarter to "
    "a third first for N-sigma. Both days chose the same values (two-sided, cap 100, max), "
    "so they are the shipped defaults; (a) and (c) run with them. With them Sock Shop with "
    "the onset detected drops from 1.00 to 0.94 AC@1 (fault time given stays 1.00).",
    "- Logs: per (service, template) of WARN+ events, new or >= 3x surge after the onset "
    "scores severity x log(1+surge) x log(1+count); a busy service that goes quiet is scored "
    "like a surge of the missing volume at FATAL weight. The signature and the evidence carry "
    "the deepest cause of the record (structured error fields, Java `Caused by:`, Python "
    "chained tracebacks), so fixes match the cause, not the wrapper message.",
    "- Propagation: a service whose callee (given deps, else edges inferred from error "
    "messages naming another service) was anomalous no later is scaled by 0.35 per such "
    "callee; otherwise later starters are scaled by 1/(1 + delay/tau), tau = 2 % of the "
    "incident span. These constants were set against simulator seeds 1-3 in an earlier round; "
    "seeds 101-103 were never used for tuning (seed 101 ran in a smoke test and in "
    "tests/test_analyze_simulated.py; nothing was changed after), and the varied output (other names, "
    "ECS/OTel error fields, deploys, GC storms, cron failures) was added after the ranker's "
    "constants were frozen. The simulator is still ours: treat (c) as a regression check.",
    "- Fix matching: rules (patterns, errno names/numbers in every frame, exception class "
    "names, gRPC/HTTP statuses) are data in rca/fixes/library/*.yaml; rules were added while "
    "looking only at misses of the dev half of the corpus (two rounds: dev-miss rules, then "
    "family-level rules written from runtime knowledge); the dev half is also shipped as "
    "`examples` for a nearest-example fallback (TF-IDF cosine >= 0.4, chosen by leave-one-out "
    "on the dev half with <= 1 % hits on 600 loghub lines). Held-out figures after each round: "
    "0.63 (library before), 0.68 (dev-miss rules), 0.75 (+ examples), 0.86 (+ family rules). "
    "Caveat: the held-out lines were written by the same person who wrote the rules.",
    "",
]


def corpus_table() -> list[str]:
    """The real-error corpus evaluation of tests/test_fixes_real_errors.py, as a table."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "real_errors", ROOT / "tests" / "test_fixes_real_errors.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    cells = mod.top3_table()
    rows, tot = [], {"dev": [0, 0], "held-out": [0, 0]}
    for fid, c in sorted(cells.items()):
        hits, lines = c["dev"][0] + c["held-out"][0], c["dev"][1] + c["held-out"][1]
        rows.append({"fix id": fid, "dev (in-sample)": f"{c['dev'][0]}/{c['dev'][1]}",
                     "held-out": f"{c['held-out'][0]}/{c['held-out'][1]}",
                     "all": hits / lines})
        for k in tot:
            tot[k][0] += c[k][0]
            tot[k][1] += c[k][1]
    hits, lines = tot["dev"][0] + tot["held-out"][0], tot["dev"][1] + tot["held-out"][1]
    rows.append({"fix id": "**overall**", "dev (in-sample)": f"{tot['dev'][0]}/{tot['dev'][1]}",
                 "held-out": f"{tot['held-out'][0]}/{tot['held-out'][1]} "
                             f"({tot['held-out'][0] / tot['held-out'][1]:.2f})",
                 "all": hits / lines})
    return [table(rows, ["fix id", "dev (in-sample)", "held-out", "all"])]


def table(rows: list[dict], cols: list[str]) -> str:
    head = "| " + " | ".join(cols) + " |\n|" + "|".join("---" for _ in cols) + "|\n"
    body = ""
    for r in rows:
        body += "| " + " | ".join(
            f"{r[c]:.2f}" if isinstance(r[c], float) else str(r[c]) for c in cols) + " |\n"
    return head + body


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer simulated incidents")
    args = ap.parse_args(argv)
    out = ["# RCA benchmark", "", f"Run: `.venv/bin/python benchmarks/rca.py"
           f"{' --quick' if args.quick else ''}`", ""]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        root = bench_data_dir() / "rcd_sockshop"
        rows, notes = run_sockshop(root, tmp)
        out += ["## (a) Sock Shop, root-cause service (RCD cases)", "",
                table(rows, ["method", "AC@1", "AC@3", "Avg@5", "cases"])]
        out += [f"- {n}" for n in notes] + [""]
        rows, notes = run_nezha(bench_data_dir() / "nezha", tmp)
        out += ["## (b) Nezha fault injections, metrics only, fault time given", "",
                table(rows, ["day", "method", "AC@1", "AC@3", "Avg@5", "cases"])]
        out += [f"- {n}" for n in notes] + [""]
        os.environ["RCA_HOME"] = str(tmp / "home")  # feedback store: never the user's
        out += ["## (c) Simulated incidents (rca.simulate), constants frozen", ""]
        seeds = {"building seeds 1-3": (BUILD_SEEDS, False),
                 "held-out seeds 101-103": (HELD_OUT_SEEDS, False),
                 "held-out seeds 101-103, varied output": (HELD_OUT_SEEDS, True)}
        if args.quick:
            seeds = {k: (v[:2], vary) for k, (v, vary) in seeds.items()}
        all_rows, all_notes, all_misses = [], [], []
        for label, (which, vary) in seeds.items():
            rows, notes, misses = run_simulated(tmp, which, vary=vary, label=label)
            all_rows += rows
            all_notes += notes
            all_misses += [dict(m, seeds=label) for m in misses]
        out += [table(all_rows, ["seeds", "input", "top-1 service", "top-3 service",
                                 "top-3 fix", "incidents"])]
        out += [f"- {n}" for n in all_notes]
        for m in all_misses[:20]:
            out.append(f"- miss ({m['seeds']}): {m['scenario']} seed {m['seed']} size "
                       f"{m['size']}: truth {m['truth']} / {m['fix']}, got {m['got']} / "
                       f"{m['fixes']}")
        out += ["", "## (d) Real-error corpus (tests/data/real_errors), right fix in the top 3",
                ""] + corpus_table() + [""]
        out += ["## (e) Timing", ""] + [f"- {n}" for n in run_scale(tmp)] + [""]
        out += METHOD_NOTES
        print("\n".join(out))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(out) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

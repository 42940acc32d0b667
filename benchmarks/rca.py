"""RCA benchmark: Sock Shop metric cases (with and without the fault time) against baselines,
simulated multi-service incidents, and timing. Writes benchmarks/results/rca.md.

    .venv/bin/python benchmarks/rca.py [--quick]

(a) the 50 Sock Shop cases of RCD (``rcd_sockshop/<service>-<cpu|mem>/<run>/``): normal.csv
    then anomalous.csv (re-timed to follow the normal rows: the files are separate runs), the
    fault time is the first anomalous row. ``rca analyze``
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


# --- (b) simulated incidents ---------------------------------------------------------------

def sim_plan(quick: bool) -> list[tuple[str, int, int]]:
    """(scenario, seed, n_services): every scenario, several seeds and system sizes."""
    from rca.simulate import SCENARIOS

    seeds = (1, 2) if quick else (1, 2, 3, 4, 5)
    sizes = (4, 6, 8, 10, 12)
    plan = []
    for i, name in enumerate(sorted(SCENARIOS)):
        for j, seed in enumerate(seeds):
            plan.append((name, seed, sizes[(i + j) % len(sizes)]))
    return plan


def run_simulated(tmp: Path, quick: bool) -> tuple[list[dict], list[str], list[dict]]:
    from rca.simulate import simulate

    plan = sim_plan(quick)
    modes = {"logs + metrics + deps": dict(deps=True, metrics=True, logs=True),
             "logs + metrics (graph inferred)": dict(deps=False, metrics=True, logs=True),
             "logs only": dict(deps=False, metrics=False, logs=True),
             "metrics only": dict(deps=False, metrics=True, logs=False)}
    ranks = {m: [] for m in modes}
    fix_hits: list[bool] = []
    secs: list[float] = []
    misses: list[dict] = []
    per_kind: dict[str, list[int]] = {}
    for k, (name, seed, size) in enumerate(plan):
        out = tmp / f"sim_{k}"
        simulate(name, out, seed=seed, n_services=size)
        truth = json.loads((out / "truth.json").read_text())
        want = truth["root_cause_service"]
        for mode, use in modes.items():
            t0 = time.perf_counter()
            res = api.analyze([out / "logs"] if use["logs"] else [],
                              [out / "metrics.csv"] if use["metrics"] else [],
                              deps=(out / "deps.yaml") if use["deps"] else None,
                              suggest=(mode == "logs + metrics + deps"))
            if mode == "logs + metrics + deps":
                secs.append(time.perf_counter() - t0)
                got = [s.id for s in res.suggestions[:3]]
                fix_hits.append(truth["fix_id"] in got)
                r = rank_of(want, [c.service for c in res.root_causes] + _rest(res))
                per_kind.setdefault(truth.get("fault_kind", name), []).append(r)
                if r != 1 or truth["fix_id"] not in got:
                    misses.append({"scenario": name, "seed": seed, "size": size, "truth": want,
                                   "got": [c.service for c in res.root_causes[:3]],
                                   "fix": truth["fix_id"], "fixes": got})
            ranks[mode].append(rank_of(want, [c.service for c in res.root_causes] + _rest(res)))
    rows = []
    for mode, r in ranks.items():
        a = np.array(r)
        row = {"input": mode, "top-1 service": float((a <= 1).mean()),
               "top-3 service": float((a <= 3).mean()), "top-3 fix": "",
               "incidents": len(r)}
        if mode == "logs + metrics + deps":
            row["top-3 fix"] = float(np.mean(fix_hits))
        rows.append(row)
    kinds = ", ".join(f"{k} {np.mean(np.array(v) == 1):.2f}" for k, v in sorted(per_kind.items()))
    notes = [f"simulated: {len(plan)} incidents ({len(per_kind)} fault kinds x "
             f"{len(plan) // max(len(per_kind), 1)} seeds, 4-12 services); rca analyze median "
             f"{statistics.median(secs):.2f} s per incident (logs + metrics + deps, "
             "suggestions on)",
             f"top-1 service by fault kind: {kinds}"]
    return rows, notes, misses


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
    "- Metrics: BARO-style robust deviation (median/IQR of the normal period, max after the "
    "fault), upward only, max over a service's series. The published scaler falls back to a "
    "scale of 1 when the IQR is 0, so flat memory gauges in bytes (a few-kB drift between the "
    "separately recorded normal and anomalous runs) dominate; the fix is a unit-free floor: the "
    "scale is never below 1 % of the series' normal level, and a series flat at zero is scaled "
    "by 1 % of its own peak. The floor came from inspecting why the published scaler failed "
    "here (which series won), not from a search over values; the sweep above shows any value "
    "from 0.001 to 0.1 gives the same Sock Shop result (floor 0 keeps only the zero-IQR handling: AC@1 .96), so it is not a tuned "
    "threshold.",
    "- Sock Shop has no training split, so nothing else was fitted on it; all constants are "
    "defaults for every data set. The N-sigma and published-BARO rows here differ from the "
    "figures quoted in the issue (N-sigma .28/.64, robust .80/.91): presumably they come from "
    "other preprocessing (RCAEval) that we did not reproduce; ours run on exactly the same "
    "joined frames as `rca analyze`.",
    "- Symptom metrics (latency, error rate, throughput, load) are weighted 0.5 against "
    "resource metrics (cpu, memory, disk): symptoms travel to every caller, resources stay with "
    "the faulty service. A series counts as evidence only above 10 robust deviations, "
    "compressed as log(score/10).",
    "- Logs: per (service, template) of WARN+ events, new or >= 3x surge after the onset "
    "scores severity x log(1+surge) x log(1+count); a busy service that goes quiet is scored "
    "like a surge of the missing volume at FATAL weight. Onset: joint change point of per-"
    "service error counts, moved back to the start of the sustained run of each strong "
    "template and of each metric already moving (slow faults such as leaks start long before "
    "the loud symptoms).",
    "- Propagation: a service whose callee (given deps, else edges inferred from error "
    "messages naming another service) was anomalous no later is scaled by 0.35 per such "
    "callee; otherwise later starters are scaled by 1/(1 + delay/tau), tau = 2 % of the "
    "incident span. These constants were set while developing against simulator seeds 1-3 "
    "(logs only, then logs + metrics); the table in (b) uses seeds 1-5, so seeds 4-5 are "
    "unseen, but the simulator is our own and shares its assumptions with the ranker: treat "
    "(b) as a regression check, not as evidence of real-world accuracy.",
    "",
]


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
        os.environ["RCA_HOME"] = str(tmp / "home")  # feedback store: never the user's
        rows, notes, misses = run_simulated(tmp, args.quick)
        out += ["## (b) Simulated incidents (rca.simulate), default settings", "",
                table(rows, ["input", "top-1 service", "top-3 service", "top-3 fix",
                             "incidents"])]
        out += [f"- {n}" for n in notes]
        for m in misses[:15]:
            out.append(f"- miss: {m['scenario']} seed {m['seed']} size {m['size']}: truth "
                       f"{m['truth']} / {m['fix']}, got {m['got']} / {m['fixes']}")
        out += ["", "## (c) Timing", ""] + [f"- {n}" for n in run_scale(tmp)] + [""]
        out += METHOD_NOTES
        print("\n".join(out))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(out) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""NAB benchmark, leave-one-category-out: every constant and the threshold are chosen on the
other categories and scored on the held-out one. All detectors are scored by
rca.detect.nab_scoring on the 51 NAB files shipped in $RCA_BENCH_DATA/nab.

Run:  .venv/bin/python benchmarks/nab.py [--river] [--rows 1000000]  -> benchmarks/results/nab.md

* ours: ``NoveltyDetector`` over a grid of parameter settings (:data:`GRID`, the shipped default
  among them), each run once over every file through the vectorised prequential path
  (``score_learn_many``, the path ``rca score`` uses);
* published detectors (numenta HTM, randomCutForest, windowedGaussian, knncad, relativeEntropy,
  null): their per-row scores from NAB's results folder, rescored here by our scorer;
* leave-one-category-out (sklearn ``LeaveOneGroupOut`` over the NAB categories): for each held-out
  category the setting (ours: parameters + threshold; published: threshold) with the best NAB
  total on the other categories is applied to the held-out files. The headline sums those
  held-out raw scores over the 51 files and normalises them as NAB does (null 0, perfect 100);
  the in-sample column picks one setting on all 51 files (NAB's own protocol);
* each profile (standard, reward_low_FP_rate, reward_low_FN_rate) is chosen for separately;
* speed: ``rca score`` run as a process on a generated 1M-row series (median of 3 runs, wall
  clock and CPU time of the child), beside a same-run baseline process that only reads and
  writes the same CSV with pandas (the I/O floor); the inner loop's points/s goes beside it;
* ``--river``: also river's HalfSpaceTrees / StandardAbsoluteDeviation / LODA (slow).
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import LeaveOneGroupOut

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rca.detect import nab_scoring as ns  # noqa: E402
from rca.detect.online import NoveltyDetector, score_series  # noqa: E402
from rca.paths import bench_data_dir  # noqa: E402

PUBLISHED = ["numenta", "randomCutForest", "windowedGaussian", "knncad", "relativeEntropy", "null"]
RIVER = {"river HalfSpaceTrees": "hst", "river StandardAbsoluteDeviation": "sad", "river LODA (5 lags)": "loda"}
PROFILES = list(ns.PROFILES)
SHORT = {"standard": "std", "reward_low_FP_rate": "low FP", "reward_low_FN_rate": "low FN"}
OURS = "ours: NoveltyDetector"
GRID = {"tolerance": [0.03, 0.05, 0.08], "z_tolerance": [0.1, 0.2, 0.3],
        "contexts": [((20, 1, "x", 1), (10, 2, "sm", 20)), ((20, 1, "x", 1), (8, 2, "sm", 15))],
        "refractory": [3.0, 5.0, 8.0]}


def load_published(corpus: ns.NabCorpus, name: str) -> dict[str, np.ndarray]:
    out = {}
    for f in corpus.files:
        cat, base = f.split("/")
        out[f] = pd.read_csv(corpus.root / "results" / name / cat / f"{name}_{base}.gz")["anomaly_score"].to_numpy(float)
    return out


def run_grid(corpus: ns.NabCorpus) -> tuple[list[tuple[dict, dict]], float]:
    """Scores of every grid setting on every file; points/s (median per file) of the default."""
    settings = [dict(zip(GRID, combo)) for combo in itertools.product(*GRID.values())]
    runs, rates = [], []
    default = NoveltyDetector()._get_params()
    for cfg in settings:
        scores = {}
        for f in corpus.files:
            t0 = time.perf_counter()
            scores[f] = NoveltyDetector(**cfg).score_learn_many(corpus.values[f])
            if all(default[k] == v for k, v in cfg.items()):
                rates.append(len(corpus.values[f]) / (time.perf_counter() - t0))
        runs.append((cfg, scores))
    return runs, statistics.median(rates)


def choose(corpus, runs, cost, files):
    """(index of the best run, its threshold) by NAB total over ``files``."""
    best = None
    for k, (_cfg, scores) in enumerate(runs):
        res = corpus.sweep(scores, cost, files)
        if best is None or res.best_score > best[0]:
            best = (res.best_score, k, res.best_threshold)
    return best[1], best[2]


def leave_one_category_out(corpus, runs, null_scores, prof):
    """Held-out NAB score over all files, in-sample score, and the per-fold choices."""
    cost = ns.PROFILES[prof]
    groups = [f.split("/")[0] for f in corpus.files]
    null_raw = corpus.sweep(null_scores, cost).best_score
    total, folds = 0.0, []
    for train_idx, test_idx in LeaveOneGroupOut().split(corpus.files, groups=groups):
        train = [corpus.files[i] for i in train_idx]
        test = [corpus.files[i] for i in test_idx]
        k, thr = choose(corpus, runs, cost, train)
        raw = corpus.sweep(runs[k][1], cost, test).score_at(thr)
        total += raw
        folds.append((groups[test_idx[0]], len(test), k, thr))
    held_out = ns.normalize(total, null_raw, corpus.n_windows, cost)
    k, thr = choose(corpus, runs, cost, corpus.files)
    in_sample = ns.normalize(corpus.sweep(runs[k][1], cost).best_score, null_raw, corpus.n_windows, cost)
    return held_out, in_sample, folds, (k, thr)


def _child_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _timed(cmd, repeats=3) -> tuple[float, float]:
    """Median wall and CPU seconds of ``cmd`` run as a process."""
    walls, cpus = [], []
    for _ in range(repeats):
        c0, t0 = _child_cpu(), time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        walls.append(time.perf_counter() - t0)
        cpus.append(_child_cpu() - c0)
    return statistics.median(walls), statistics.median(cpus)


def cli_throughput(rows: int) -> dict:
    """``rca score`` on a generated ``rows``-row series as a process, beside an I/O-only baseline."""
    rng = np.random.default_rng(0)
    i = np.arange(rows)
    v = 10 + 3 * np.sin(i / 288 * 2 * np.pi) + 0.5 * rng.standard_normal(rows)
    v[rng.choice(rows, 50, replace=False)] += 15
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "series.csv", Path(tmp) / "scored.csv"
        pd.DataFrame({"timestamp": pd.date_range("2020-01-01", periods=rows, freq="5min"),
                      "value": v.round(4)}).to_csv(src, index=False)
        rca = [sys.executable, "-m", "rca", "score", str(src), "--out", str(out)]
        io = [sys.executable, "-c", "import pandas as pd, sys; "
              "pd.read_csv(sys.argv[1], dtype=str).to_csv(sys.argv[2], index=False)", str(src), str(out)]
        wall, cpu = _timed(rca)
        io_wall, io_cpu = _timed(io)
    return {"rows": rows, "wall": wall, "cpu": cpu, "io_wall": io_wall, "io_cpu": io_cpu}


def report(corpus, results, folds, grid_choice, runs, speed, inner_rate, river_rates):
    n_points = sum(len(v) for v in corpus.values.values())
    lines = [
        "# NAB benchmark: leave-one-category-out (51 of the 58 NAB files, scored by rca.detect.nab_scoring)",
        "", f"Data: `$RCA_BENCH_DATA/nab` ({len(corpus.files)} files in "
        f"{len({f.split('/')[0] for f in corpus.files})} categories, {n_points} points, "
        f"{corpus.n_windows} anomaly windows). Written by `benchmarks/nab.py` (protocol in its docstring).", "",
        "| detector | held-out std | held-out low FP | held-out low FN | in-sample std | in-sample low FP | in-sample low FN | what is chosen per fold |",
        "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, res in sorted(results.items(), key=lambda kv: -kv[1]["standard"][0]):
        what = f"parameters ({len(runs)} settings) + threshold" if name == OURS else "threshold"
        held = " | ".join(f"**{res[p][0]:.1f}**" if p == "standard" else f"{res[p][0]:.1f}" for p in PROFILES)
        ins = " | ".join(f"{res[p][1]:.1f}" for p in PROFILES)
        lines.append(f"| {name} | {held} | {ins} | {what} |")
    htm, ours = results["numenta"]["standard"][0], results[OURS]["standard"][0]
    lines += ["", f"Bar: held-out standard score of ours ({ours:.1f}) >= numenta HTM's ({htm:.1f}) "
              f"on the same files in the same run: {'met' if ours >= htm else 'NOT met'}.", "",
              "## Our choice per held-out category (standard profile)", "",
              "| held-out category | files | parameters chosen on the other categories | threshold |",
              "|---|---:|---|---:|"]
    for cat, n, k, thr in folds:
        lines.append(f"| {cat} | {n} | `{runs[k][0]}` | {thr:.4f} |")
    k, thr = grid_choice
    lines += ["", f"Chosen on all 51 files (in-sample): `{runs[k][0]}`, threshold {thr:.4f}.", "",
              "## Speed", "",
              "| what | rows | wall s (median of 3) | points/s (wall) | CPU s | points/s (CPU) |",
              "|---|---:|---:|---:|---:|---:|",
              f"| `rca score` as a process (read CSV, score, write CSV) | {speed['rows']:,} | {speed['wall']:.2f} | "
              f"{speed['rows'] / speed['wall']:,.0f} | {speed['cpu']:.2f} | {speed['rows'] / speed['cpu']:,.0f} |",
              f"| baseline process: pandas read + write of the same CSV only | {speed['rows']:,} | "
              f"{speed['io_wall']:.2f} | {speed['rows'] / speed['io_wall']:,.0f} | {speed['io_cpu']:.2f} | "
              f"{speed['rows'] / speed['io_cpu']:,.0f} |", "",
              f"`rca score` takes {speed['wall'] / speed['io_wall']:.2f}x the wall time of the I/O-only "
              f"baseline in this run. Inner loop (`score_learn_many`, default setting, median per NAB file): "
              f"{inner_rate:,.0f} points/s."]
    for name, rate in river_rates.items():
        lines.append(f"- {name}: {rate:,.0f} points/s (score_one/learn_one + calibrator, median per file).")
    lines += ["", "Notes:",
              "- Held-out: each category's files are scored with the setting chosen on the other five "
              "categories; the raw NAB totals of all folds are summed and normalised once over the 51 files. "
              "In-sample: one setting chosen on all 51 files, as NAB entrants were tuned.",
              "- The published detectors' own parameters were set by their authors on the full corpus; "
              "only their threshold is re-chosen here, so their held-out column is, if anything, generous.",
              "- Published figures on the 58-file corpus (HTM 70.1, ARTime 74.9, ...) are not comparable to "
              "this 51-file subset; compare rows of this table.",
              "- 2 shared cores under load: wall-clock speed is noisy; the CPU column and the ratio to the "
              "same-run baseline are the steadier figures."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--river", action="store_true", help="also run river's detectors (slow)")
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the `rca score` timing series")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "nab.md"))
    args = ap.parse_args(argv)
    os.environ.setdefault("RCA_BENCH_DATA", str(bench_data_dir()))
    corpus = ns.NabCorpus.load(bench_data_dir() / "nab")
    print(f"{len(corpus.files)} files, {corpus.n_windows} windows", flush=True)
    runs, inner_rate = run_grid(corpus)
    print(f"grid of {len(runs)} settings scored", flush=True)
    detectors = {OURS: runs}
    for name in PUBLISHED:
        detectors[name] = [({}, load_published(corpus, name))]
    river_rates = {}
    if args.river:
        for label, key in RIVER.items():
            scores, rates = {}, []
            for f in corpus.files:
                t0 = time.perf_counter()
                scores[f] = score_series(corpus.values[f], key)
                rates.append(len(corpus.values[f]) / (time.perf_counter() - t0))
            detectors[label], river_rates[label] = [({}, scores)], statistics.median(rates)
    null_scores = detectors["null"][0][1]
    results, folds, grid_choice = {}, None, None
    for name, det_runs in detectors.items():
        results[name] = {}
        for prof in PROFILES:
            held, ins, fl, choice = leave_one_category_out(corpus, det_runs, null_scores, prof)
            results[name][prof] = (held, ins)
            if name == OURS and prof == "standard":
                folds, grid_choice = fl, choice
        print(f"{name}: held-out std {results[name]['standard'][0]:.1f}", flush=True)
    speed = cli_throughput(args.rows)
    text = report(corpus, results, folds, grid_choice, runs, speed, inner_rate, river_rates)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

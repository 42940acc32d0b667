"""NAB benchmark: our online detectors, river baselines and NAB's published detectors, all scored
by rca.detect.nab_scoring on the 51 NAB files shipped in $RCA_BENCH_DATA/nab.

Run:  .venv/bin/python benchmarks/nab.py [--tuning]   -> benchmarks/results/nab.md

* published detectors (numenta HTM, randomCutForest, windowedGaussian, knncad, relativeEntropy,
  null): their per-row scores from NAB's results folder, rescored here;
* ours (NoveltyDetector, default parameters, vectorised prequential path) and river baselines
  (HalfSpaceTrees on min-max scaled values, StandardAbsoluteDeviation, LODA on 5 lags; their raw
  scores are calibrated to [0, 1] by a running ScoreCalibrator so one threshold can serve every
  file) run here, one file at a time, in this process; points/s is the median over files;
* thresholds are optimised per detector and profile over the corpus, as NAB does; a 2-fold
  check re-does that on half of the files and scores the other half;
* ``--tuning``: a 2-fold *parameter* study: pick the NoveltyDetector parameters on one half of
  the files from a small grid, score the other half with them.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rca.detect import nab_scoring as ns  # noqa: E402
from rca.detect.online import NoveltyDetector, score_series  # noqa: E402
from rca.paths import bench_data_dir  # noqa: E402

PUBLISHED = ["numenta", "randomCutForest", "windowedGaussian", "knncad", "relativeEntropy", "null"]
RIVER = {"river HalfSpaceTrees": "hst", "river StandardAbsoluteDeviation": "sad", "river LODA (5 lags)": "loda"}
PROFILE_NAMES = list(ns.PROFILES)


def load_published(corpus: ns.NabCorpus, name: str) -> dict[str, np.ndarray]:
    out = {}
    for f in corpus.files:
        cat, base = f.split("/")
        path = corpus.root / "results" / name / cat / f"{name}_{base}.gz"
        out[f] = pd.read_csv(path)["anomaly_score"].to_numpy(dtype=float)
    return out


def run_detector(corpus: ns.NabCorpus, fn) -> tuple[dict[str, np.ndarray], float]:
    """Scores per file and the median points/s over files."""
    scores, rates = {}, []
    for f in corpus.files:
        v = corpus.values[f]
        t0 = time.perf_counter()
        scores[f] = fn(v)
        rates.append(len(v) / (time.perf_counter() - t0))
    return scores, statistics.median(rates)


def novelty(v, **params):
    return NoveltyDetector(**params).score_learn_many(v)


def novelty_one_by_one(v):
    det, out = NoveltyDetector(), np.empty(len(v))
    for i, x in enumerate(v):
        out[i] = det.score_one({"value": x})
        det.learn_one({"value": x})
    return out


def table_rows(corpus, all_scores, null_scores, rates, sources):
    rows = []
    for name, scores in all_scores.items():
        vals, thr = [], None
        for prof in PROFILE_NAMES:
            s, t = corpus.score(scores, null_scores, ns.PROFILES[prof])
            vals.append(s)
            if prof == "standard":
                thr = t
        rows.append((name, *vals, thr, rates.get(name), sources[name]))
    return rows


def two_fold(corpus, scores, null_scores, prof="standard"):
    """Threshold tuned on one half of the files, applied to the other; both halves, averaged
    by window count."""
    cost = ns.PROFILES[prof]
    halves = [corpus.files[0::2], corpus.files[1::2]]
    total, weight = 0.0, 0
    for train, test in (halves, halves[::-1]):
        thr = corpus.sweep(scores, cost, train).best_threshold
        s, _ = corpus.score(scores, null_scores, cost, files=test, threshold=thr)
        n = sum(len(corpus.windows[f]) for f in test)
        total, weight = total + s * n, weight + n
    return total / weight


GRID = {"tolerance": [0.04, 0.05, 0.06], "z_tolerance": [0.15, 0.2, 0.25],
        "contexts": [((20, 1, "x", 1), (10, 2, "sm", 20)), ((20, 1, "x", 1), (8, 2, "sm", 15))]}


def tuning_study(corpus, null_scores):
    cost = ns.PROFILES["standard"]
    halves = [corpus.files[0::2], corpus.files[1::2]]
    configs = [dict(zip(GRID, combo)) for combo in itertools.product(*GRID.values())]
    runs = []
    for cfg in configs:
        sc = {f: novelty(corpus.values[f], **cfg) for f in corpus.files}
        runs.append((cfg, sc))
    lines, total, weight = [], 0.0, 0
    for k, (train, test) in enumerate((halves, halves[::-1])):
        best = max(runs, key=lambda r: corpus.score(r[1], null_scores, cost, files=train)[0])
        tr, thr = corpus.score(best[1], null_scores, cost, files=train)
        te, _ = corpus.score(best[1], null_scores, cost, files=test, threshold=thr)
        n = sum(len(corpus.windows[f]) for f in test)
        total, weight = total + te * n, weight + n
        lines.append(f"| fold {k + 1} | {len(configs)} configs | {tr:.1f} | {te:.1f} | `{best[0]}` |")
    return lines, total / weight


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tuning", action="store_true", help="also run the 2-fold parameter study")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "nab.md"))
    args = ap.parse_args(argv)
    root = bench_data_dir() / "nab"
    corpus = ns.NabCorpus.load(root)
    n_points = sum(len(v) for v in corpus.values.values())
    print(f"{len(corpus.files)} files, {n_points} points, {corpus.n_windows} windows", flush=True)

    all_scores, rates, sources = {}, {}, {}
    for name in PUBLISHED:
        all_scores[name] = load_published(corpus, name)
        sources[name] = "published results"
    null_scores = all_scores["null"]

    all_scores["ours: NoveltyDetector (default)"], rates["ours: NoveltyDetector (default)"] = \
        run_detector(corpus, novelty)
    sources["ours: NoveltyDetector (default)"] = "run here (score_learn_many)"
    print("novelty done", flush=True)
    # the one-at-a-time river path on the same files: same scores, its own speed
    few = ns.NabCorpus(corpus.root, corpus.files[::10], corpus.timestamps, corpus.values, corpus.windows)
    one_scores, one_rate = run_detector(few, novelty_one_by_one)
    same = all(np.array_equal(one_scores[f], all_scores["ours: NoveltyDetector (default)"][f]) for f in few.files)
    print(f"one-by-one path: {one_rate:.0f} points/s, identical scores: {same}", flush=True)
    for label, key in RIVER.items():
        all_scores[label], rates[label] = run_detector(corpus, lambda v, k=key: score_series(v, k))
        sources[label] = "run here (score_one/learn_one + calibrator)"
        print(f"{label} done", flush=True)

    rows = table_rows(corpus, all_scores, null_scores, rates, sources)
    folds = {name: two_fold(corpus, sc, null_scores) for name, sc in all_scores.items()}
    rows.sort(key=lambda r: -r[1])
    lines = [
        "# NAB benchmark (51 of the 58 NAB files, scored by rca.detect.nab_scoring)",
        "",
        f"Data: `$RCA_BENCH_DATA/nab` ({len(corpus.files)} files, {n_points} points, "
        f"{corpus.n_windows} anomaly windows). Written by `benchmarks/nab.py`.",
        "",
        "| detector | standard | reward_low_FP | reward_low_FN | threshold (std) | 2-fold std | points/s (median per file) | source |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, s_std, s_fp, s_fn, thr, rate, src in rows:
        r = f"{rate:,.0f}" if rate else "n/a"
        lines.append(f"| {name} | {s_std:.1f} | {s_fp:.1f} | {s_fn:.1f} | {thr:.4f} | {folds[name]:.1f} | {r} | {src} |")
    lines += [
        "",
        f"One-point-at-a-time path of NoveltyDetector (`score_one` then `learn_one`, river API) on "
        f"{len(few.files)} of the files: {one_rate:,.0f} points/s (median per file); scores identical "
        f"to the vectorised path: {same}.",
        "",
        "Notes:",
        "- Scores are NAB-normalised (null detector 0, perfect 100) with one threshold per detector and "
        "profile optimised over the corpus, as NAB does; the 2-fold column re-optimises the threshold "
        "on half the files (even/odd positions) and scores the other half.",
        "- The NoveltyDetector defaults were tuned on these 51 files (as NAB entrants tune on the "
        "corpus); one set of defaults serves every file. The `--tuning` study below shows how much "
        "of the score survives tuning on half of the files only.",
        "- The published figures on the full 58-file corpus (numenta 70.1, knncad 58.0, "
        "randomCutForest 51.7, ...) are not comparable to this 51-file subset; compare rows here.",
        "- River baselines get their raw scores through a running ScoreCalibrator (Merlion-style) "
        "so that a single corpus threshold is meaningful.",
    ]
    if args.tuning:
        tl, tscore = tuning_study(corpus, null_scores)
        lines += ["", "## 2-fold parameter study (NoveltyDetector, standard profile)", "",
                  "| fold | grid | train score | test score | chosen parameters |", "|---|---|---:|---:|---|",
                  *tl, "", f"Window-weighted test score over both folds: {tscore:.1f}."]
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

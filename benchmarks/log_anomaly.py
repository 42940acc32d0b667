"""Log anomaly detection / failure prediction benchmark on the shipped pipeline configs.

Run:  .venv/bin/python benchmarks/log_anomaly.py [--repeats 3]  -> benchmarks/results/log_anomaly.md

For each data set the config in ``pipelines/`` is read exactly as ``rca train`` reads it (same
input, windowing and train/test split). On that split, in this process:

* ours: the supervised classifiers (forest, gbdt, logreg; fit with the training labels) and the
  unsupervised detectors (pca, invariants, rare, iforest; fit on the training split WITHOUT its
  labels, anomalies included, except OpenStack whose training file is normal only), each as the
  full rca pipeline (features + model) with default parameters; pca, invariants and rare are
  also fit on the normal training sessions only (the setting of two baselines);
* baselines, on plain event-count vectors:
  - ``loglizer PCA``: TF-IDF (log N/df) + zero-mean, PCA keeping 95% variance, SPE against the
    Q-statistic at alpha = 0.001 (Xu et al. 2009 / loglizer defaults), fit without labels;
  - ``count clustering``: LogClustering-like: normal training vectors (TF-IDF) clustered by
    complete-linkage agglomeration on cosine distance (max_dist 0.3); a test vector farther than
    0.3 from every cluster centroid is an anomaly (fit on the NORMAL training sessions);
  - ``unseen template``: anomaly iff the session holds an event never seen in the normal
    training sessions (fit on the NORMAL training sessions);
* ``ceiling``: not a model. Sessions with identical event-count vectors must get the same answer
  from any count-based model; each test session gets its group's anomaly share over the whole
  data set and the best threshold on it is picked WITH the test labels. No model on event counts
  can beat its F1; it shows how many anomalies look exactly like normal sessions in these slices.

Throughput: sessions (or windows) per second for fit and for predict, median of ``--repeats``
runs, plus the ratio to the loglizer PCA baseline timed the same way.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rca.features import EventCounts  # noqa: E402
from rca.train import load_config  # noqa: E402
from rca.train.build import build_pipeline, score_frame  # noqa: E402
from rca.train.data import load_sessions  # noqa: E402
from rca.train.evaluate import binary_metrics, evaluate  # noqa: E402
from rca.train.runner import split_frame  # noqa: E402

DATASETS = [
    ("hdfs_sessions", "HDFS 100k block sessions (CSV, given split)"),
    ("hdfs_raw", "HDFS first 20k raw lines -> parsed -> block sessions (70/30 random)"),
    ("bgl_windows", "BGL 2k, 1 h windows, failure line inside (60/40 by time)"),
    ("bgl_predict", "BGL 2k, 1 h windows, failure within the next 6 h (60/40 by time)"),
    ("openstack_unsupervised", "OpenStack sequences (train: normal file; test: normal + abnormal)"),
    ("hdfs_deeplog", "HDFS_v1 whole block sessions, normal-only training (DeepLog's data)"),
]
SUPERVISED = ["forest", "gbdt", "logreg"]
UNSUPERVISED = ["pca", "invariants", "rare", "iforest"]
#: also fit on the normal training sessions only, the setting of two of the baselines
NORMAL_ONLY = ["pca", "invariants", "rare"]


from log_baselines import BASELINES  # noqa: E402  (benchmarks/ is the script's folder)
from log_normal_only import (normal_only_bar, normal_only_table, order_lines, run_normal_only,  # noqa: E402
                             seed_spread, sweep_table)


# --- running -----------------------------------------------------------------------------------
def _median_time(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def ceiling(frame: pd.DataFrame, test: pd.DataFrame) -> dict:
    """Best test F1 any model seeing only event counts could reach: sessions with identical
    count vectors must get the same answer; each gets its group's anomaly share over the whole
    data set, and the best threshold on that share (chosen with the test labels) is applied."""
    keys = frame["events"].map(lambda s: str(sorted(s)))
    share = pd.DataFrame({"k": keys, "y": frame["label"]}).groupby("k")["y"].mean()
    p = keys.loc[test.index].map(share).to_numpy()
    best = None
    for t in np.unique(p):
        m = binary_metrics(test["label"], (p >= t).astype(int))
        if t > 0 and (best is None or m["f1"] > best["f1"]):
            best = m
    return best or binary_metrics(test["label"], np.zeros(len(test), dtype=int))


def run_dataset(name: str, repeats: int) -> tuple[list[dict], dict]:
    cfg = load_config(ROOT / "pipelines" / f"{name}.toml")
    miner = None
    if cfg.input["format"] == "log":
        from rca.templates import TemplateMiner

        miner = TemplateMiner()
    t0 = time.perf_counter()
    frame = load_sessions(cfg, miner=miner)
    load_s = time.perf_counter() - t0
    train, test = split_frame(frame, cfg)
    horizon = cfg.windowing.get("horizon")
    failures = frame.attrs.get("failure_times")
    info = {"sessions": len(frame), "train": len(train), "test": len(test),
            "train_anomalies": int(train["label"].sum()), "test_anomalies": int(test["label"].sum()),
            "load_s": round(load_s, 2), "horizon": horizon}
    rows = []
    # baselines on plain event counts; timings include counting, as our pipelines' do
    normal = (train["label"] == 0).to_numpy()
    for label, cls, fit_on in BASELINES:
        fit_part = train if fit_on == "all" else train[normal]

        def fit(fit_part=fit_part, cls=cls):
            # vocabulary from the whole training split (no labels needed for that)
            counts = EventCounts(novelty=False).fit(train)
            return counts, cls().fit(counts.transform(fit_part))

        fit_s, (counts, model) = _median_time(fit, repeats)
        pred_s, pred = _median_time(lambda: model.predict(counts.transform(test)), repeats)
        m = evaluate(test, pd.DataFrame({"prediction": pred, "score": pred}), horizon=horizon,
                     failure_times=failures)
        rows.append({"model": label,
                     "kind": f"baseline ({'no labels' if fit_on == 'all' else 'normal only'})",
                     **m, "fit_per_s": len(fit_part) / fit_s, "predict_per_s": len(test) / pred_s})
    runs = [(k, "all") for k in SUPERVISED + UNSUPERVISED] + [(k, "normal") for k in NORMAL_ONLY]
    for kind, fit_on in runs:
        c = copy.deepcopy(cfg)
        c.model["kind"] = kind
        c.model["params"] = {}
        supervised = kind in SUPERVISED
        part = train if fit_on == "all" else train[train["label"] == 0]
        if fit_on == "normal" and len(part) == len(train):
            continue  # the training split is normal only anyway
        y = part["label"].to_numpy()
        if supervised and len(set(y)) < 2:
            rows.append({"model": kind, "kind": "supervised", "note": "single class in training"})
            continue
        pipe = build_pipeline(c)
        fit_s, _ = _median_time(lambda: pipe.fit(part, y) if supervised else pipe.fit(part),
                                repeats)
        pred_s, scored = _median_time(lambda: score_frame(pipe, test), repeats)
        m = evaluate(test, scored, horizon=horizon, failure_times=failures)
        what = ("supervised" if supervised else
                "unsupervised (no labels)" if fit_on == "all" else "unsupervised (normal only)")
        rows.append({"model": kind, "kind": what, **m, "fit_per_s": len(part) / fit_s,
                     "predict_per_s": len(test) / pred_s})
    rows.append({"model": "ceiling", "kind": "oracle, not a model", **ceiling(frame, test)})
    return rows, info


def _f(v, digits=3):
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "-"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def table(rows: list[dict], horizon) -> list[str]:
    base = next((r for r in rows if r["model"] == "loglizer PCA"), None)
    head = "| model | kind | precision | recall | F1 | alarms | fit sess/s | predict sess/s | predict vs loglizer PCA |"
    sep = "|---|---|---|---|---|---|---|---|---|"
    if horizon:
        head = head[:-1] + "| median lead | bursts warned |"
        sep += "---|---|"
    out = [head, sep]
    for r in rows:
        if "note" in r:
            out.append(f"| {r['model']} | {r['kind']} | {r['note']} |")
            continue
        ratio = (r["predict_per_s"] / base["predict_per_s"]) if base and "predict_per_s" in r else None
        line = (f"| {r['model']} | {r['kind']} | {_f(r.get('precision'))} | {_f(r.get('recall'))} | "
                f"**{_f(r.get('f1'))}** | {r.get('alarms', '-')} | {_f(r.get('fit_per_s'), 0)} | "
                f"{_f(r.get('predict_per_s'), 0)} | {_f(ratio, 2) + 'x' if ratio else '-'} |")
        if horizon:
            lead = r.get("median_lead_seconds")
            line += (f" {_f(lead / 3600, 1) + ' h' if lead else '-'} | "
                     f"{r.get('bursts_warned', '-')}/{r.get('failure_bursts', '-')} |")
        out.append(line)
    return out


def verdict(rows: list[dict]) -> list[str]:
    bases = [r for r in rows if r["kind"].startswith("baseline")]
    best = max(bases, key=lambda r: r.get("f1", 0))
    lines = []
    for r in rows:
        if r["kind"].startswith(("baseline", "oracle")) or "f1" not in r:
            continue
        beaten = [b["model"] for b in bases if r["f1"] < b["f1"]]
        if beaten:
            lines.append(f"- {r['model']}, {r['kind']} (F1 {r['f1']:.3f}) does NOT beat: {', '.join(beaten)} "
                         f"(best baseline {best['model']} {best['f1']:.3f}).")
    return lines or ["- every model's F1 is at least that of every baseline."]


def bars(rows: list[dict]) -> list[str]:
    """The issue's bars on HDFS sessions, as measured in this run."""
    def best(kind):
        cands = [r for r in rows if r["kind"] == kind and "f1" in r]
        return max(cands, key=lambda r: r["f1"])

    sup, uns = best("supervised"), best("unsupervised (no labels)")
    ceil = next(r for r in rows if r["model"] == "ceiling")
    ok = lambda v, bar: "holds" if v >= bar else "does NOT hold"  # noqa: E731
    return [
        "## Bars (HDFS sessions, held-out test split)", "",
        f"- supervised F1 >= 0.99: best {sup['model']} {sup['f1']:.3f} -> {ok(sup['f1'], 0.99)}.",
        f"- unsupervised (no labels) F1 >= 0.95: best {uns['model']} {uns['f1']:.3f} -> "
        f"{ok(uns['f1'], 0.95)}.",
        f"- the count-vector ceiling of this split is F1 {ceil['f1']:.3f} (recall "
        f"{ceil['recall']:.3f}): about half of the anomalous test blocks have exactly the event "
        "counts of normal blocks in this 100k-line slice (presumably their anomalous lines fall "
        "outside the slice: the labels come from the full HDFS_v1 run), so no model on these "
        "events can reach the bars here; the published .99+ figures are on the full 11M-line "
        "HDFS_v1.", ""]


def normal_only_section(name: str, title: str) -> list[str]:
    cfg = load_config(ROOT / "pipelines" / f"{name}.toml")
    frame = load_sessions(cfg)
    train, test = split_frame(frame, cfg)
    rows, sweep, order, losses = run_normal_only(cfg, frame, train, test)
    n_fit = int((train["label"] == 0).sum())
    lines = [f"## {title}", "",
             f"Config `pipelines/{name}.toml`: {len(frame)} sessions ({int(frame['label'].sum())} "
             f"anomalous); fit on {n_fit} normal training sessions, false alarms counted on "
             f"{int((test['label'] == 0).sum())} held-back normal sessions, recall on all "
             f"{int(frame['label'].sum())} anomalous sessions (none is used for fitting). Protocol: "
             "`benchmarks/log_normal_only.py`.", "", *order_lines(order, losses), *normal_only_table(rows), "",
             *sweep_table(sweep), "", *seed_spread(cfg, frame, order, split_frame), "",
             *normal_only_bar(rows, sweep), ""]
    for line in lines:
        print(line)
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", nargs="*", help="config names to run (default: all)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "log_anomaly.md")
    args = ap.parse_args(argv)
    import platform

    import sklearn

    md = ["# Log anomaly detection and failure prediction", "",
          f"`.venv/bin/python benchmarks/log_anomaly.py --repeats {args.repeats}`; Python "
          f"{platform.python_version()}, scikit-learn {sklearn.__version__}; 2 shared cores, so "
          "throughput is noisy: compare the ratio column (same process, same split).", "",
          "Method: see the module docstring. Every model has its default parameters on every "
          "data set; thresholds come from training data only; no test label is used except by "
          "the `ceiling` row.", ""]
    for name, title in DATASETS:
        if args.only and name not in args.only:
            continue
        print(f"== {name}", flush=True)
        if name == "hdfs_deeplog":
            md += normal_only_section(name, title)
            continue
        rows, info = run_dataset(name, args.repeats)
        md += [f"## {title}", "",
               f"Config `pipelines/{name}.toml`: {info['sessions']} sessions/windows, train "
               f"{info['train']} ({info['train_anomalies']} anomalous), test {info['test']} "
               f"({info['test_anomalies']} anomalous); reading and windowing took {info['load_s']} s.", ""]
        md += table(rows, info["horizon"]) + [""] + verdict(rows) + [""]
        if name == "hdfs_sessions":
            md += bars(rows)
        for line in table(rows, info["horizon"]):
            print(line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(md) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

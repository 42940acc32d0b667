"""Nezha fault injections through `rca analyze` (part (b) of benchmarks/rca.py).

``../shared/data/nezha/<day>/metric/<pod>_metric.csv`` (one row a minute per pod) become one
wide frame per day: ``<service>_<metric>`` columns (service = pod name less its replica-set
suffix, metric = the column name without its unit), node-level columns
(``Node*``, shared by every pod of a node) and the ``TimeStamp`` column left out. Each fault of
``<day>-fault_list.json`` is one case: the rows from :data:`BEFORE` before the injection to
:data:`AFTER` after it, the fault time (``inject_time``, on the metrics' clock), and the root service.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

#: Window around each injection (faults are 4-9 minutes apart: the window before includes
#: the tail of earlier faults, as it would for a user).
BEFORE = pd.Timedelta(minutes=15)
AFTER = pd.Timedelta(minutes=5)


def service_of_pod(pod: str) -> str:
    """``ts-route-service-b6c59fb57-zv8dt`` -> ``ts-route-service``."""
    return pod.rsplit("-", 2)[0]


def _metric_name(column: str) -> str:
    return re.sub(r"\(.*?\)", "", column).strip()


def day_frame(day_dir: Path) -> pd.DataFrame:
    """Time-indexed (UTC, whole minutes) wide frame of every pod metric of one day."""
    frames = []
    for path in sorted((day_dir / "metric").glob("*_metric.csv")):
        raw = pd.read_csv(path)
        when = pd.to_datetime(raw["Time"].str.slice(0, 19), utc=True).dt.floor("min")
        svc = service_of_pod(str(raw["PodName"].iloc[0]))
        cols = [c for c in raw.columns if c not in ("Time", "TimeStamp", "PodName")
                and not c.startswith("Node")]
        part = raw[cols].apply(pd.to_numeric, errors="coerce")
        part.columns = [f"{svc}_{_metric_name(c)}" for c in cols]
        part.index = when
        frames.append(part.groupby(level=0).mean())
    wide = pd.concat(frames, axis=1).sort_index()
    return wide.loc[:, ~wide.columns.duplicated()]


def cases(day_dir: Path):
    """``(name, root_service, fault_time, window_frame, fault_type)`` per injection."""
    wide = day_frame(day_dir)
    faults = json.loads(next(day_dir.glob("*fault_list.json")).read_text())
    for hour in sorted(faults):
        for f in faults[hour]:
            # inject_time is on the metrics' clock (UTC); on 2023-01-29 inject_timestamp is
            # 8 h off (a local-time epoch), so the wall-clock string is the one to trust
            t = pd.Timestamp(f["inject_time"], tz="UTC")
            window = wide[(wide.index >= t - BEFORE) & (wide.index < t + AFTER)]
            yield (f"{day_dir.name} {f['inject_time'][11:]}", service_of_pod(f["inject_pod"]),
                   t, window, f["inject_type"])


# --- the benchmark: constants chosen on one day, reported on the other ----------------------

#: Ranker constants searched (rca.rank.metrics); everything else stays at its default.
GRID = [{"TWO_SIDED": two, "SCORE_CAP": cap, "AGGREGATE": agg}
        for two in (False, True) for cap, agg in ((None, "max"), (100.0, "max"), (100.0, "top3"))]


def _rank_of(truth: str, order: list[str]) -> int:
    return order.index(truth) + 1 if truth in order else 10**6


def _acc(ranks: list[int]) -> dict[str, float]:
    r = np.array(ranks)
    return {"AC@1": float((r <= 1).mean()), "AC@3": float((r <= 3).mean()),
            "Avg@5": float(np.mean([(r <= k).mean() for k in range(1, 6)]))}


def _apply(cfg: dict) -> dict:
    from rca.rank import metrics as rm

    old = {k: getattr(rm, k) for k in cfg}
    for k, v in cfg.items():
        setattr(rm, k, v)
    return old


def _in_process(day_cases, cfg) -> dict[str, float]:
    """Accuracy of one configuration through analyze_frames (the function `rca analyze` runs
    after reading its CSV) - used only to choose constants on the training day."""
    from rca.analyze.workflow import analyze_frames

    old = _apply(cfg)
    try:
        ranks = [_rank_of(truth, [c.service for c in analyze_frames(
            None, window, fault_time=t, suggest=False).root_causes])
            for _, truth, t, window, _ in day_cases]
    finally:
        _apply(old)
    return _acc(ranks)


def choose(day_cases) -> tuple[dict, dict]:
    """The grid configuration with the best AC@1 + Avg@5 on ``day_cases`` (first on ties)."""
    scored = [(cfg, _in_process(day_cases, cfg)) for cfg in GRID]
    return max(scored, key=lambda cs: cs[1]["AC@1"] + cs[1]["Avg@5"])


def _write_window(window: pd.DataFrame, path: Path) -> None:
    frame = window.copy()
    frame.index = frame.index.strftime("%Y-%m-%dT%H:%M:%SZ")
    frame.index.name = "time"
    frame.reset_index().to_csv(path, index=False)


def run_nezha(root: Path, tmp: Path) -> tuple[list[dict], list[str]]:
    """Rows per day and method; constants for `rca analyze` come from the other day."""
    from rca import api
    from rca.rank import metrics as rm

    days = sorted(p.name for p in root.iterdir() if p.is_dir())
    data = {d: list(cases(root / d)) for d in days}
    chosen = {d: choose(data[d]) for d in days}
    rows, notes = [], []
    for day in days:
        other = next(d for d in days if d != day)
        cfg = chosen[other][0]
        old = _apply(cfg)
        ranks = []
        try:
            for i, (_, truth, t, window, _) in enumerate(data[day]):
                csv = tmp / f"nezha_{day}_{i}.csv"
                _write_window(window, csv)
                res = api.analyze(metrics=[csv], fault_time=t.isoformat(), suggest=False)
                ranks.append(_rank_of(truth, [c.service for c in res.root_causes]))
        finally:
            _apply(old)
        rows.append({"day": day, "method": f"rca analyze (constants from {other})",
                     **_acc(ranks), "cases": len(ranks)})
        rows.append({"day": day, "method": "rca analyze, in-sample (constants from this day)",
                     **chosen[day][1], "cases": len(ranks)})
        for name, scorer in (("N-sigma", rm.nsigma_scores),
                             ("N-sigma |z|", lambda n, a: rm.nsigma_scores(n, a, True)),
                             ("BARO-style (as published)", rm.plain_robust_scores),
                             ("BARO-style |z|", lambda n, a: rm.plain_robust_scores(n, a, True))):
            r = [_rank_of(truth, rm.rank_services(w[w.index < t], w[w.index >= t], scorer))
                 for _, truth, t, w, _ in data[day]]
            rows.append({"day": day, "method": name, **_acc(r), "cases": len(r)})
        notes.append(f"{day}: constants chosen on {other}: {cfg}; chosen on {day} itself: "
                     f"{chosen[day][0]}")
    return rows, notes

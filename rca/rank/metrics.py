"""Rank services by how far their metric series moved after a fault.

Series are scored by the detect stage (:class:`rca.detect.robust.RobustDeviation`: median/IQR of
the normal period with unit-free floors, in the spirit of BARO); this module turns those
scores into per-series evidence (:func:`metric_table`) and per-service strength
(:func:`service_table`). The baselines (N-sigma, the published BARO scaler, random) come from
the same module, for the benchmarks.

>>> import pandas as pd
>>> normal = pd.DataFrame({"a_cpu": [1.0, 1.1, 0.9, 1.0], "b_cpu": [5.0, 5.2, 4.8, 5.0]})
>>> after = pd.DataFrame({"a_cpu": [9.0, 9.5], "b_cpu": [5.1, 5.0]})
>>> robust_scores(normal, after).idxmax()
'a_cpu'
>>> service_of("carts-db_lat_50")
'carts-db'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rca.detect.kinds import kind_of
from rca.detect.robust import (REL_FLOOR, as_float, nsigma_scores, plain_robust_scores,  # noqa: F401
                               random_scores, robust_scores, robust_z)

#: Robust deviation below which a series' move is not evidence (the largest of ~40 untouched
#: Sock Shop series, normal half against normal half, is about 5 in a typical case).
ANOMALY_Z = 10.0
#: Weight of a symptom (golden-signal) metric's move, see :func:`metric_weight`.
SYMPTOM_WEIGHT = 0.5
#: Robust deviation from which a series counts as moving (its ``start``).
START_Z = 3.0
#: Score drops as well as rises (a success rate falling, traffic vanishing). This and
#: :data:`SCORE_CAP` / :data:`AGGREGATE` were chosen by train-one-day/report-the-other on the
#: Nezha injections (both days chose the same values; benchmarks/results/rca.md).
TWO_SIDED = True
#: Deviation beyond which a series is simply "clearly moved": a sparse series (a p99 latency
#: that is flat at ~0 and then sees one slow call) reaches millions, a saturated CPU hundreds;
#: past the cap only the kind of metric and the number of moved series tell them apart.
SCORE_CAP: float | None = 100.0
#: How a service's series combine: ``"max"`` (the best series, as BARO) or ``"top3"`` (the
#: mean strength of its three strongest series: a fault moves several metrics of its service).
AGGREGATE = "max"


def service_of(series: str) -> str:
    """The service a series belongs to: the text before the first underscore."""
    return series.split("_", 1)[0]


def metric_of(series: str) -> str:
    """The metric part of a series name (``carts_lat_50`` -> ``lat_50``)."""
    parts = series.split("_", 1)
    return parts[1] if len(parts) == 2 else series


def metric_table(wide: pd.DataFrame, fault_time: pd.Timestamp, scorer=None) -> pd.DataFrame:
    """Score every series of a time-indexed wide frame around ``fault_time``.

    Returns one row per series, best first: ``series, service, metric, score, peak,
    peak_time, start, baseline`` (``score``: the largest deviation after the fault from
    :class:`~rca.detect.robust.RobustDeviation`, or from ``scorer(normal, after)`` if given;
    ``peak``: the value furthest from normal; ``start``: first time the deviation reached
    :data:`START_Z`). Series without a usable value after the fault score 0.
    """
    normal = wide[wide.index < fault_time]
    after = wide[wide.index >= fault_time]
    if normal.empty or after.empty:
        return pd.DataFrame(columns=["series", "service", "metric", "score", "peak", "peak_time",
                                     "start", "baseline"])
    z = robust_z(normal, after, two_sided=TWO_SIDED)
    scores = (z.max().fillna(0.0).clip(lower=0.0) if scorer is None
              else scorer(normal, after).reindex(z.columns).fillna(0.0))
    over = z.ge(START_Z)
    start = _times(over.idxmax(), over.any())
    peak_time = _times(z.abs().fillna(-1.0).idxmax(), z.notna().any())
    num_after = as_float(after[z.columns])
    rows = num_after.index.get_indexer(pd.DatetimeIndex(peak_time) if len(peak_time) else [])
    vals = num_after.to_numpy()
    peak = pd.Series([vals[r, i] if r >= 0 else np.nan for i, r in enumerate(rows)],
                     index=z.columns, dtype=float)
    out = pd.DataFrame({
        "series": z.columns,
        "service": [service_of(c) for c in z.columns],
        "metric": [metric_of(c) for c in z.columns],
        "score": scores.reindex(z.columns).to_numpy(dtype=float),
        "peak": peak.reindex(z.columns).to_numpy(dtype=float),
        "peak_time": peak_time,
        "start": start,
        "baseline": as_float(normal[z.columns]).median().to_numpy(dtype=float),
    })
    return out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def _times(when: pd.Series, valid: pd.Series) -> list:
    """Per column: its time where ``valid``, else NaT (tz kept)."""
    return [t if ok else pd.NaT for t, ok in zip(when, valid)]


def metric_weight(metric: str) -> float:
    """How much a move of this metric says about its own service: :data:`SYMPTOM_WEIGHT` for
    a symptom kind (latency, errors, traffic; :mod:`rca.detect.kinds`), else 1.

    >>> metric_weight("lat_99"), metric_weight("cpu"), metric_weight("error_rate")
    (0.5, 1.0, 0.5)
    """
    kind = kind_of(metric)
    return SYMPTOM_WEIGHT if kind is not None and kind.symptom else 1.0


def service_table(table: pd.DataFrame) -> pd.DataFrame:
    """Aggregate series scores per service: the best series stands for its service.

    Each series' *strength* is ``log(score / ANOMALY_Z)`` when its robust deviation exceeds
    :data:`ANOMALY_Z`, else 0 (deviations are heavy-tailed: 100 and 3,000 are both "clearly
    moved", while a few deviations is what any series does by chance), times
    :func:`metric_weight` — resource metrics (cpu,
    memory, disk...) point at the service they belong to, while symptom metrics (latency,
    errors, throughput) travel up the call graph to every caller. Max aggregation (as in BARO):
    a fault shows in the resource it hits; averaging with the service's untouched metrics
    would only dilute it. Returns ``service, score, strength, series[, start]`` best first
    (``score`` is the raw robust deviation of the chosen series).
    """
    if table.empty:
        return pd.DataFrame(columns=["service", "score", "strength", "series", "start"])
    score = table["score"] if SCORE_CAP is None else table["score"].clip(upper=SCORE_CAP)
    ratio = (score / ANOMALY_Z).clip(lower=1.0)
    table = table.assign(strength=np.log(ratio) * table["metric"].map(metric_weight))
    ordered = table.sort_values(["strength", "score"], ascending=False, kind="stable")
    best = ordered.drop_duplicates("service")
    best = best[["service", "score", "strength", "series"]].reset_index(drop=True)
    if AGGREGATE == "top3":
        mean3 = ordered.groupby("service", sort=False)["strength"].apply(lambda s: s.head(3).mean())
        best["strength"] = best["service"].map(mean3)
        best = best.sort_values(["strength", "score"], ascending=False, kind="stable")
        best = best.reset_index(drop=True)
    if "start" in table.columns:
        moving = table[table["score"] >= START_Z]
        first = moving.dropna(subset=["start"]).groupby("service")["start"].min().to_dict()
        best["start"] = [first.get(svc, pd.NaT) for svc in best["service"]]
    return best


def rank_services(normal: pd.DataFrame, after: pd.DataFrame, scorer=robust_scores) -> list[str]:
    """Services ordered by their best series score under ``scorer`` (benchmarks use this)."""
    scores = scorer(normal, after)
    per = scores.groupby([service_of(c) for c in scores.index]).max()
    return list(per.sort_values(ascending=False, kind="stable").index)


def early_start(wide: pd.DataFrame, onset: pd.Timestamp, lookback: pd.Timedelta,
                min_run: int = 3) -> pd.Timestamp | None:
    """When a clearly anomalous series already started moving before ``onset``.

    A slow fault (a memory leak) creeps in long before the loud symptoms that an onset
    detector finds. Every series whose robust deviation after ``onset`` reaches
    :data:`ANOMALY_Z` is scored against the data before ``onset - lookback``; if it already
    sits at :data:`START_Z` or more for a run of at least ``min_run`` rows that lasts up to
    the onset, the run's first row is an earlier start. Returns the earliest such start, or
    None.
    """
    earliest = onset - lookback
    base = wide[wide.index < earliest]
    if len(base) < 10:
        return None
    z = robust_z(base, wide[wide.index >= earliest])
    after = z[z.index >= onset]
    strong = after.columns[after.max() >= ANOMALY_Z]
    pre = z.loc[z.index < onset, strong]
    if pre.empty or not len(strong):
        return None
    high = (pre >= START_Z).to_numpy()
    # length of the run of True ending at the last row, per column
    run = np.argmin(high[::-1], axis=0)
    run = np.where(high.all(axis=0), len(high), run)
    ok = run >= min_run
    if not ok.any():
        return None
    return pre.index[len(pre) - int(run[ok].max())]

"""Metric root-cause scorers: how far each series moved after the fault, per service.

The main scorer is robust change scoring in the spirit of BARO (Pham et al., FSE 2024): each
series is centred on the median of the normal period and scaled by its inter-quartile range;
its score is the largest upward deviation after the fault. Two unit-free guards make this work
on real gauges:

* the scale never falls below ``rel_floor`` (1 %) of the series' normal level, so a flat memory
  gauge counted in bytes (IQR of a few bytes) does not turn a drift of 4 kB into a score of
  thousands;
* a series that is constant at zero before the fault is scaled by ``rel_floor`` of its largest
  absolute value, so its score does not depend on its unit either.

N-sigma (mean/std) and a seeded random ranker are kept as baselines.

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

#: Smallest scale, as a fraction of the series' normal level (unit-free noise floor).
REL_FLOOR = 0.01
#: Robust deviation below which a series' move is not evidence (the largest of ~40 untouched
#: Sock Shop series, normal half against normal half, is about 5 in a typical case).
ANOMALY_Z = 10.0
#: Weight of a symptom (golden-signal) metric's move, see :func:`metric_weight`.
SYMPTOM_WEIGHT = 0.5
#: Robust deviation from which a series counts as moving (its ``start``).
START_Z = 3.0


def service_of(series: str) -> str:
    """The service a series belongs to: the text before the first underscore."""
    return series.split("_", 1)[0]


def metric_of(series: str) -> str:
    """The metric part of a series name (``carts_lat_50`` -> ``lat_50``)."""
    parts = series.split("_", 1)
    return parts[1] if len(parts) == 2 else series


def _floor_scale(scale: pd.Series, normal: pd.DataFrame, after: pd.DataFrame, level: pd.Series,
                 rel_floor: float) -> pd.Series:
    scale = np.maximum(scale.fillna(0.0), rel_floor * level.abs().fillna(0.0))
    peak = pd.concat([normal.abs().max(), after.abs().max()], axis=1).max(axis=1).fillna(0.0)
    scale = scale.where(scale > 0, rel_floor * peak)
    return scale.where(scale > 0, np.nan)


def robust_z(normal: pd.DataFrame, after: pd.DataFrame, rel_floor: float = REL_FLOOR
             ) -> pd.DataFrame:
    """Robust deviation of every value of ``after``: ``(x - median) / scale`` (see module)."""
    normal, after = _align(normal, after)
    med = normal.median()
    iqr = normal.quantile(0.75) - normal.quantile(0.25)
    scale = _floor_scale(iqr, normal, after, med, rel_floor)
    return (after - med) / scale


def robust_scores(normal: pd.DataFrame, after: pd.DataFrame, rel_floor: float = REL_FLOOR
                  ) -> pd.Series:
    """Per series: max over ``after`` of ``(x - median) / max(IQR, rel_floor * |median|)``.

    ``normal`` and ``after`` are wide frames with the same numeric columns. A series that never
    moves scores 0; NaN values are ignored.
    """
    return robust_z(normal, after, rel_floor).max().fillna(0.0).clip(lower=0.0)


def nsigma_scores(normal: pd.DataFrame, after: pd.DataFrame) -> pd.Series:
    """Baseline N-sigma: max over ``after`` of ``(x - mean) / std`` (std 0 -> 1, as usual)."""
    normal, after = _align(normal, after)
    mu = normal.mean()
    sd = normal.std().fillna(0.0)
    sd = sd.where(sd > 0, 1.0)
    return ((after - mu) / sd).max().fillna(0.0)


def plain_robust_scores(normal: pd.DataFrame, after: pd.DataFrame) -> pd.Series:
    """Baseline BARO-style robust scaler exactly as published (IQR 0 -> scale 1, no floor)."""
    normal, after = _align(normal, after)
    med = normal.median()
    iqr = normal.quantile(0.75) - normal.quantile(0.25)
    iqr = iqr.where(iqr > 0, 1.0)
    return ((after - med) / iqr).max().fillna(0.0)


def random_scores(columns, seed: int = 0) -> pd.Series:
    """Baseline: a random score per series from a fixed seed."""
    rng = np.random.default_rng(seed)
    cols = list(columns)
    return pd.Series(rng.random(len(cols)), index=cols, dtype=float)


def _align(normal: pd.DataFrame, after: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    cols = [c for c in normal.columns if c in after.columns]
    n = normal[cols].apply(pd.to_numeric, errors="coerce").astype(float)
    a = after[cols].apply(pd.to_numeric, errors="coerce").astype(float)
    return n, a


def metric_table(wide: pd.DataFrame, fault_time: pd.Timestamp, scorer=robust_scores
                 ) -> pd.DataFrame:
    """Score every series of a time-indexed wide frame around ``fault_time``.

    Returns one row per series, best first: ``series, service, metric, score, peak,
    peak_time, start, baseline`` (``start``: first time the robust deviation reached
    :data:`START_Z`).
    """
    normal = wide[wide.index < fault_time]
    after = wide[wide.index >= fault_time]
    if normal.empty or after.empty:
        return pd.DataFrame(columns=["series", "service", "metric", "score", "peak", "peak_time",
                                     "start", "baseline"])
    scores = scorer(normal, after)
    z = robust_z(normal, after)
    over = z.ge(START_Z)
    start = over.idxmax().where(over.any())
    num_after = after[scores.index].apply(pd.to_numeric, errors="coerce").astype(float)
    peak_time = num_after.idxmax()
    out = pd.DataFrame({
        "series": scores.index,
        "service": [service_of(s) for s in scores.index],
        "metric": [metric_of(s) for s in scores.index],
        "score": scores.to_numpy(dtype=float),
        "peak": num_after.max().reindex(scores.index).to_numpy(dtype=float),
        "peak_time": peak_time.reindex(scores.index).to_numpy(),
        "start": start.reindex(scores.index).to_numpy(),
        "baseline": normal[scores.index].apply(pd.to_numeric, errors="coerce").median()
        .to_numpy(dtype=float),
    })
    return out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


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
    ratio = (table["score"] / ANOMALY_Z).clip(lower=1.0)
    table = table.assign(strength=np.log(ratio) * table["metric"].map(metric_weight))
    best = table.sort_values(["strength", "score"], ascending=False, kind="stable")
    best = best.drop_duplicates("service")
    best = best[["service", "score", "strength", "series"]].reset_index(drop=True)
    if "start" in table.columns:
        moving = table[table["score"] >= START_Z]
        best["start"] = best["service"].map(moving.groupby("service")["start"].min())
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

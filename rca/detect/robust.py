"""Robust deviation scores of metric series after a reference (normal) period.

:class:`RobustDeviation` is the detector ``rca analyze`` scores metrics with, in the spirit of
BARO (Pham et al., FSE 2024): each series is centred on the median of the normal period and
scaled by its inter-quartile range, with two unit-free guards that make it work on real gauges:

* the scale never falls below ``rel_floor`` (1 %) of the series' normal level, so a flat memory
  gauge counted in bytes (IQR of a few bytes) does not turn a drift of 4 kB into a score of
  thousands;
* a series that is constant at zero before the fault is scaled by ``rel_floor`` of its largest
  absolute value, so its score does not depend on its unit either.

Scoring (:meth:`RobustDeviation.score_samples`) is kept apart from any threshold, as in
scikit-learn. N-sigma (mean/std), the published BARO scaler and a seeded random scorer are
baselines for the benchmarks.

>>> import pandas as pd
>>> normal = pd.DataFrame({"a_cpu": [1.0, 1.1, 0.9, 1.0], "b_cpu": [5.0, 5.2, 4.8, 5.0]})
>>> after = pd.DataFrame({"a_cpu": [9.0, 9.5], "b_cpu": [5.1, 5.0]})
>>> RobustDeviation().fit(normal).score_samples(after).max().idxmax()
'a_cpu'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Smallest scale, as a fraction of the series' normal level (unit-free noise floor).
REL_FLOOR = 0.01


class RobustDeviation:
    """``(x - median) / max(IQR, rel_floor * |median|)`` per column of a wide frame.

    ``two_sided=False`` keeps the signed deviation (upward moves score high); ``True`` scores
    the absolute deviation, so a drop (a success rate falling, traffic vanishing) counts too.
    """

    def __init__(self, rel_floor: float = REL_FLOOR, two_sided: bool = False):
        self.rel_floor = rel_floor
        self.two_sided = two_sided

    def fit(self, normal: pd.DataFrame, peak: pd.Series | None = None) -> RobustDeviation:
        """Learn median and scale of every column of ``normal`` (``peak``: largest absolute
        value of each series over the whole data, for series flat at zero)."""
        normal = as_float(normal)
        self.columns_ = list(normal.columns)
        self.median_ = normal.median()
        iqr = normal.quantile(0.75) - normal.quantile(0.25)
        scale = np.maximum(iqr.fillna(0.0), self.rel_floor * self.median_.abs().fillna(0.0))
        if peak is None:
            peak = normal.abs().max()
        peak = pd.concat([normal.abs().max(), peak.reindex(self.columns_)], axis=1).max(axis=1)
        scale = scale.where(scale > 0, self.rel_floor * peak.fillna(0.0))
        self.scale_ = scale.where(scale > 0, np.nan)
        return self

    def score_samples(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Deviation of every value (NaN where a series has no scale or no value)."""
        z = (as_float(frame)[self.columns_] - self.median_) / self.scale_
        return z.abs() if self.two_sided else z


def as_float(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as floats (non-numbers -> NaN); a no-op cast when already numeric."""
    if all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes):
        return frame.astype(float)
    return frame.apply(pd.to_numeric, errors="coerce").astype(float)


def _align(normal: pd.DataFrame, after: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    cols = [c for c in normal.columns if c in after.columns]
    return as_float(normal[cols]), as_float(after[cols])


def robust_z(normal: pd.DataFrame, after: pd.DataFrame, rel_floor: float = REL_FLOOR,
             two_sided: bool = False) -> pd.DataFrame:
    """Robust deviation of every value of ``after`` against ``normal`` (see the module)."""
    normal, after = _align(normal, after)
    det = RobustDeviation(rel_floor, two_sided).fit(normal, peak=after.abs().max())
    return det.score_samples(after)


def robust_scores(normal: pd.DataFrame, after: pd.DataFrame, rel_floor: float = REL_FLOOR,
                  two_sided: bool = False) -> pd.Series:
    """Per series: the largest robust deviation after the fault (0 if it never moves)."""
    z = robust_z(normal, after, rel_floor, two_sided)
    return z.max().fillna(0.0).clip(lower=0.0)


def nsigma_scores(normal: pd.DataFrame, after: pd.DataFrame, two_sided: bool = False
                  ) -> pd.Series:
    """Baseline N-sigma: max over ``after`` of ``(x - mean) / std`` (std 0 -> 1, as usual);
    ``two_sided``: of ``|x - mean| / std``."""
    normal, after = _align(normal, after)
    sd = normal.std().fillna(0.0)
    z = (after - normal.mean()) / sd.where(sd > 0, 1.0)
    return (z.abs() if two_sided else z).max().fillna(0.0)


def plain_robust_scores(normal: pd.DataFrame, after: pd.DataFrame, two_sided: bool = False
                        ) -> pd.Series:
    """Baseline BARO-style robust scaler as published (RCAEval): max of
    ``(x - median) / IQR`` (IQR 0 -> scale 1, no floor); ``two_sided``: of its absolute value."""
    normal, after = _align(normal, after)
    iqr = normal.quantile(0.75) - normal.quantile(0.25)
    z = (after - normal.median()) / iqr.where(iqr > 0, 1.0)
    return (z.abs() if two_sided else z).max().fillna(0.0)


def random_scores(columns, seed: int = 0) -> pd.Series:
    """Baseline: a random score per series from a fixed seed."""
    rng = np.random.default_rng(seed)
    cols = list(columns)
    return pd.Series(rng.random(len(cols)), index=cols, dtype=float)

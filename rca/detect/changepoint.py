"""Change points: when did an incident start when nobody says (a multivariate single change point).

Each series is rank-transformed (robust to spikes and units), then for every split point the
standardised difference of the means before and after (a CUSUM statistic) is summed in
squares over the series; the split with the largest sum is the onset. Computed with cumulative
sums, so it is linear in the number of points.

>>> import numpy as np, pandas as pd
>>> idx = pd.date_range("2024-01-01", periods=100, freq="s", tz="UTC")
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(100, 3)); x[60:, 0] += 5
>>> abs(detect_onset(pd.DataFrame(x, index=idx, columns=list("abc"))) - idx[60]).seconds <= 2
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def change_statistic(values: np.ndarray, min_size: int = 3) -> np.ndarray:
    """Sum over columns of the squared CUSUM statistic for a split before each row.

    ``values`` is (n, k); entry ``t`` of the result scores "the change starts at row t"; rows
    closer than ``min_size`` to either end score 0.
    """
    x = np.asarray(values, dtype=float)
    n = x.shape[0]
    out = np.zeros(n)
    if n < 2 * min_size:
        return out
    x = pd.DataFrame(x).rank(pct=True).to_numpy()
    x = np.nan_to_num(x - np.nanmean(x, axis=0), nan=0.0)
    sd = x.std(axis=0)
    keep = sd > 0
    if not keep.any():
        return out
    x = x[:, keep] / sd[keep]
    csum = np.cumsum(x, axis=0)
    total = csum[-1]
    t = np.arange(1, n)  # left size
    left_mean = csum[:-1] / t[:, None]
    right_mean = (total - csum[:-1]) / (n - t)[:, None]
    stat = (t * (n - t) / n)[:, None] * (left_mean - right_mean) ** 2
    out[1:] = stat.sum(axis=1)
    out[:min_size] = 0.0
    out[n - min_size + 1:] = 0.0
    return out


def detect_onset(wide: pd.DataFrame, min_frac: float = 0.05) -> pd.Timestamp | None:
    """The most likely start of a change in a time-indexed wide frame, or None if too short."""
    if wide is None or len(wide) < 6:
        return None
    frame = wide.apply(pd.to_numeric, errors="coerce")
    min_size = max(3, int(len(frame) * min_frac))
    stat = change_statistic(frame.to_numpy(dtype=float), min_size=min_size)
    if not np.any(stat > 0):
        return None
    return frame.index[int(np.argmax(stat))]

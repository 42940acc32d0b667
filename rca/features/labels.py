"""Labels for failure *prediction*: does a failure follow a window within a horizon?

>>> import pandas as pd
>>> ends = pd.to_datetime(["2024-01-01 00:01", "2024-01-01 00:02", "2024-01-01 00:10"], utc=True)
>>> fails = pd.to_datetime(["2024-01-01 00:04"], utc=True)
>>> label, lead = failure_ahead(ends, fails, "5min")
>>> label.tolist(), lead.tolist()
([1, 1, 0], [180.0, 120.0, nan])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rca.features.windows import duration_seconds


def _epoch(values) -> np.ndarray:
    ts = pd.to_datetime(pd.Series(values), utc=True)
    return ((ts - pd.Timestamp(0, tz="UTC")).dt.total_seconds()).to_numpy(dtype=float)


def failure_ahead(window_ends, failure_times, horizon) -> tuple[np.ndarray, np.ndarray]:
    """For each window end ``e``: label 1 iff a failure time lies in ``(e, e + horizon]``.

    Returns ``(labels, lead_seconds)`` where ``lead_seconds`` is the time from ``e`` to the first
    such failure (NaN when none).
    """
    h = duration_seconds(horizon, "horizon")
    ends = _epoch(window_ends)
    fails = np.sort(_epoch(failure_times)) if len(failure_times) else np.array([], dtype=float)
    idx = np.searchsorted(fails, ends, side="right")
    if len(fails):
        nxt = np.where(idx < len(fails), fails[np.minimum(idx, len(fails) - 1)], np.nan)
    else:
        nxt = np.full(len(ends), np.nan)
    lead = nxt - ends
    label = (lead <= h).astype(int)
    lead = np.where(label == 1, lead, np.nan)
    return label, lead


def failure_onsets(failure_times, gap) -> np.ndarray:
    """First failure time of each burst: failures closer than ``gap`` belong to one burst."""
    g = duration_seconds(gap, "gap")
    t = np.sort(_epoch(failure_times))
    if len(t) == 0:
        return t
    keep = np.concatenate([[True], np.diff(t) > g])
    return t[keep]


def median_lead_time(window_ends, alarms, failure_times, horizon) -> tuple[float, int, int]:
    """Median seconds of warning gained per failure burst, and how many bursts got a warning.

    Only bursts that some window could warn of count: those with a window (alarmed or not)
    ending within ``horizon`` before their onset; a burst in a stretch without windows is not
    a miss. A burst counts as warned when some alarmed window ends within ``horizon`` before
    its onset; its lead time is onset minus the earliest such window end. Returns
    ``(median_lead_seconds or NaN, warned_bursts, warnable_bursts)``.
    """
    h = duration_seconds(horizon, "horizon")
    onsets = failure_onsets(failure_times, horizon)
    all_ends = _epoch(window_ends)
    ends = all_ends[np.asarray(alarms, dtype=bool)]
    leads, warnable = [], 0
    for t in onsets:
        if not ((all_ends < t) & (all_ends >= t - h)).any():
            continue
        warnable += 1
        before = ends[(ends < t) & (ends >= t - h)]
        if len(before):
            leads.append(t - before.min())
    med = float(np.median(leads)) if leads else float("nan")
    return med, len(leads), warnable

"""Time-to-threshold forecasts for resource series from their recent linear trend.

"memory reaches 80% in about 12 minutes": fit a least-squares line to the last ``window``
points of a series and, when it heads towards the series' threshold, report when it crosses.
Thresholds come from :data:`DEFAULT_THRESHOLDS` by metric-name suffix, overridable.

>>> import numpy as np
>>> t = np.arange(0, 600, 60.0)            # ten minutes, one point a minute
>>> mem = 0.5 + 0.01 * np.arange(10)        # +1 point of memory per minute
>>> f = time_to_threshold(t, mem, threshold=0.8, series="carts_mem")
>>> round(f.eta_seconds / 60), f.message
(21, 'carts_mem reaches 0.8 in about 21 minutes (now 0.59)')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

#: Default thresholds by metric kind; matched against the series name (``<service>_<metric>``).
DEFAULT_THRESHOLDS: dict[str, float] = {
    "error_rate": 0.01,
    "response_time": 1000.0,
    "latency": 1000.0,
    "lat": 1000.0,
    "mem": 0.8,
    "memory": 0.8,
    "cpu": 0.7,
}


@dataclass(frozen=True)
class Forecast:
    series: str
    value: float
    threshold: float
    slope_per_second: float
    eta_seconds: float | None
    message: str


def threshold_for(series: str, thresholds: dict[str, float] | None = None) -> float | None:
    """The threshold whose key matches the end of the series name (longest key wins), or
    any ``_``-separated part of it (``carts_lat_50`` -> ``lat``)."""
    table = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    name = series.lower()
    for key in sorted(table, key=len, reverse=True):
        if name == key or name.endswith("_" + key):
            return table[key]
    parts = set(re.split(r"[_.:\-]", name))
    for key in sorted(table, key=len, reverse=True):
        if key in parts:
            return table[key]
    return None


def _human(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} seconds"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"


def time_to_threshold(times, values, threshold: float, series: str = "series",
                      window: int = 30, horizon: float | None = None) -> Forecast:
    """Forecast when ``values`` (at ``times``, seconds) cross ``threshold`` upwards.

    ``eta_seconds`` is 0 when already at/above it, None when the trend does not reach it
    (flat or falling, or beyond ``horizon`` seconds).
    """
    t = np.asarray(times, dtype=float)[-window:]
    v = np.asarray(values, dtype=float)[-window:]
    ok = np.isfinite(t) & np.isfinite(v)
    t, v = t[ok], v[ok]
    if len(v) == 0:
        return Forecast(series, float("nan"), threshold, 0.0, None, f"{series}: no data")
    now_v = float(v[-1])
    if now_v >= threshold:
        return Forecast(series, now_v, threshold, 0.0, 0.0, f"{series} is at {now_v:.3g}, above {threshold:g}")
    if len(v) < 3 or np.ptp(t) <= 0:
        return Forecast(series, now_v, threshold, 0.0, None, f"{series}: too few points for a trend")
    slope, intercept = np.polyfit(t - t[-1], v, 1)
    level = intercept  # fitted value now
    if slope <= 0:
        return Forecast(series, now_v, threshold, float(slope), None, f"{series} is not rising towards {threshold:g}")
    eta = max((threshold - level) / slope, 0.0)
    if horizon is not None and eta > horizon:
        return Forecast(series, now_v, threshold, float(slope), None,
                        f"{series} does not reach {threshold:g} within {_human(horizon)}")
    return Forecast(series, now_v, threshold, float(slope), float(eta),
                    f"{series} reaches {threshold:g} in about {_human(eta)} (now {now_v:.3g})")


def forecast_frame(wide, thresholds: dict[str, float] | None = None, window: int = 30,
                   horizon: float | None = 24 * 3600) -> list[Forecast]:
    """Forecasts for every column of a wide frame (DatetimeIndex) with a known threshold,
    soonest first; series that do not reach their threshold are left out."""
    import pandas as pd

    if wide.empty:
        return []
    idx = pd.DatetimeIndex(wide.index)
    secs = (idx - idx[0]).total_seconds().to_numpy()
    out = []
    for col in wide.columns:
        thr = threshold_for(str(col), thresholds)
        if thr is None:
            continue
        f = time_to_threshold(secs, wide[col].to_numpy(dtype=float), thr, str(col), window, horizon)
        if f.eta_seconds is not None:
            out.append(f)
    return sorted(out, key=lambda f: f.eta_seconds)

"""Time-to-threshold forecasts for resource series from their recent linear trend.

"memory reaches 80% in about 12 minutes": fit a least-squares line to the last ``window``
points of a series and, when it heads towards the series' threshold, report when it crosses,
counted from the series' own last sample (not the clock of whoever asks), with a band from
the slope's standard error and a failure risk: the probability, under that error, that the
series crosses within ``risk_horizon`` seconds of its last sample. Thresholds and units come
from the one table of metric kinds (:mod:`rca.detect.kinds`): percent series are read as
fractions (:func:`rca.detect.kinds.normalize`) so one threshold serves ``mem_percent = 69.5``
and ``mem = 0.695``; a memory series counted in bytes has no fraction threshold.

>>> import numpy as np
>>> t = np.arange(0, 600, 60.0)            # ten minutes, one point a minute
>>> mem = 0.5 + 0.01 * np.arange(10)        # +1 point of memory per minute
>>> f = time_to_threshold(t, mem, threshold=0.8, series="carts_mem")
>>> round(f.eta_seconds / 60), f.message
(21, 'carts_mem reaches 0.8 in about 21 minutes (now 0.59)')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from rca.detect.kinds import normalize, threshold_for
from rca.detect.kinds import thresholds as threshold_table

#: The risk horizon: ``risk`` is the chance of crossing within this many seconds.
RISK_HORIZON = 3600.0


@dataclass(frozen=True)
class Forecast:
    """``eta_seconds`` counts from ``last_time`` (the series' last sample, seconds on the
    caller's time axis); ``eta_low``/``eta_high`` bound it (slope +- 1.96 standard errors,
    ``eta_high`` None when the slow end never reaches the threshold); ``risk`` is in [0, 1];
    ``stale`` marks a series whose samples stopped arriving."""

    series: str
    value: float
    threshold: float
    slope_per_second: float
    eta_seconds: float | None
    message: str
    eta_low: float | None = None
    eta_high: float | None = None
    risk: float = 0.0
    last_time: float | None = None
    stale: bool = False


#: (below this many seconds, unit size, unit name, abbreviation, number format)
_DURATION_STEPS = ((90, 1, "seconds", "s", ".0f"), (90 * 60, 60, "minutes", "m", ".0f"),
                   (36 * 3600, 3600, "hours", "h", ".1f"), (math.inf, 86400, "days", "d", ".1f"))


def human_duration(seconds: float, short: bool = False) -> str:
    """``'21 minutes'``, or ``'21m'`` when ``short`` (for tables).

    >>> human_duration(1260), human_duration(1260, short=True), human_duration(7200)
    ('21 minutes', '21m', '2.0 hours')
    """
    for limit, size, name, abbr, fmt in _DURATION_STEPS:
        if seconds < limit:
            break
    value = format(seconds / size, fmt)
    return f"{value}{abbr}" if short else f"{value} {name}"


def _norm_sf(z: float) -> float:
    """P(N(0,1) > z)."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _fit(t: np.ndarray, v: np.ndarray) -> tuple[float, float, float]:
    """Slope, fitted value at the last sample, slope standard error (0 with 2 points)."""
    x = t - t[-1]
    slope, level = np.polyfit(x, v, 1)
    n = len(v)
    sxx = float(((x - x.mean()) ** 2).sum())
    resid = v - (slope * x + level)
    se = math.sqrt(float((resid ** 2).sum()) / (n - 2) / sxx) if n > 2 and sxx > 0 else 0.0
    return float(slope), float(level), se


def _eta(gap: float, slope: float) -> float | None:
    return gap / slope if slope > 0 else None


def time_to_threshold(times, values, threshold: float, series: str = "series",
                      window: int = 30, horizon: float | None = None,
                      risk_horizon: float = RISK_HORIZON) -> Forecast:
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
    now_v, last = float(v[-1]), float(t[-1])
    base = dict(last_time=last)
    if now_v >= threshold:
        return Forecast(series, now_v, threshold, 0.0, 0.0,
                        f"{series} is at {now_v:.3g}, above {threshold:g}", 0.0, 0.0, 1.0, **base)
    if len(v) < 3 or np.ptp(t) <= 0:
        return Forecast(series, now_v, threshold, 0.0, None,
                        f"{series}: too few points for a trend", **base)
    slope, level, se = _fit(t, v)
    gap = max(threshold - level, 0.0)
    # P(slope >= gap / risk_horizon): the chance the trend crosses within the risk horizon.
    need = gap / risk_horizon
    risk = (1.0 if slope >= need else 0.0) if se == 0 else _norm_sf((need - slope) / se)
    lo, hi = _eta(gap, slope + 1.96 * se), _eta(gap, slope - 1.96 * se)
    if slope <= 0:
        return Forecast(series, now_v, threshold, slope, None,
                        f"{series} is not rising towards {threshold:g}", lo, hi, risk, **base)
    eta = gap / slope
    if horizon is not None and eta > horizon:
        return Forecast(series, now_v, threshold, slope, None,
                        f"{series} does not reach {threshold:g} within {human_duration(horizon)}",
                        lo, hi, risk, **base)
    band = "" if lo is None or human_duration(lo) == human_duration(hi or lo) else (
        f", between {human_duration(lo)} and {human_duration(hi)}" if hi is not None else f", at least {human_duration(lo)}")
    return Forecast(series, now_v, threshold, slope, eta,
                    f"{series} reaches {threshold:g} in about {human_duration(eta)}{band} (now {now_v:.3g})",
                    lo, hi, risk, **base)


def forecast_frame(wide, thresholds: dict[str, float] | None = None, window: int = 30,
                   horizon: float | None = 24 * 3600, stale_after: float | None = None,
                   risk_horizon: float = RISK_HORIZON, every: bool = False) -> list[Forecast]:
    """Forecasts for every column of a wide frame (DatetimeIndex) with a known threshold,
    soonest first. Values are put in the unit of their threshold first (percent series as
    fractions, :func:`rca.detect.kinds.normalize`); ``thresholds`` overrides the defaults (keys:
    any name of a kind, e.g. ``memory`` or ``memoryUsage``). ``last_time`` and ETAs are epoch
    seconds of the data's own clock. A series whose last sample is more than ``stale_after``
    seconds (default: 5 of its median sampling intervals) before the frame's last sample is
    flagged ``stale``. Series that do not reach their threshold are left out unless ``every``.
    """
    import pandas as pd

    if wide.empty:
        return []
    idx = pd.DatetimeIndex(wide.index)
    epoch = pd.Timestamp(0, tz=idx.tz) if idx.tz is not None else pd.Timestamp(0)
    secs = (idx - epoch).total_seconds().to_numpy()  # epoch seconds (naive stamps as UTC)
    end = float(np.nanmax(secs))
    table = threshold_table(thresholds)
    out = []
    for col in wide.columns:
        name = str(col)
        thr = threshold_for(name, table)
        vals = None if thr is None else normalize(name, wide[col].to_numpy(dtype=float))
        if vals is None:
            continue
        f = time_to_threshold(secs, vals, thr, name, window, horizon, risk_horizon)
        f = _with_staleness(f, secs[np.isfinite(vals)], end, stale_after)
        if f.eta_seconds is not None or every or f.stale:
            out.append(f)
    return sorted(out, key=lambda f: (not f.stale, f.eta_seconds is None,
                                      f.eta_seconds or 0.0, -f.risk))


def _with_staleness(f: Forecast, seen: np.ndarray, end: float,
                    stale_after: float | None) -> Forecast:
    if seen.size == 0:
        return replace(f, stale=True)
    limit = stale_after
    if limit is None:
        steps = np.diff(seen)
        limit = 5.0 * float(np.median(steps)) if steps.size else float("inf")
    if end - float(seen[-1]) > limit:
        return replace(f, stale=True, message=f"{f.series}: no sample for "
                       f"{human_duration(end - float(seen[-1]))} (stale); {f.message}")
    return f

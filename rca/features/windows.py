"""Fixed and sliding time windows over parsed events, globally or per service.

Windows come out as a sessions frame (see :mod:`rca.features.sessions`): ``session_id`` is
``<service>@<window start ISO>`` (or just the start when not split by service). Empty windows
are not emitted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rca.errors import InputError


def duration_seconds(value: str | float | int, what: str) -> float:
    """Seconds in a positive duration given as a number of seconds or a pandas offset string
    (``'60s'``, ``'5min'``, ``'6h'``); an :class:`InputError` naming ``what`` otherwise."""
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        try:
            seconds = pd.Timedelta(str(value)).total_seconds()
        except ValueError:
            raise InputError(f"invalid {what} {value!r} (use e.g. '60s', '5min', '1h')") from None
    if seconds <= 0:
        raise InputError(f"{what} must be positive, got {value!r}")
    return seconds


def time_windows(
    events: pd.DataFrame,
    size: str | float,
    step: str | float | None = None,
    *,
    by: str | None = None,
    key: str = "template_id",
    extra: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Cut ``events`` (needs ``timestamp`` and ``key`` columns) into time windows.

    ``step`` defaults to ``size`` (fixed, non-overlapping windows); a smaller step gives sliding
    windows, so one event belongs to ``ceil(size/step)`` windows. ``by`` names a column (such as
    ``service``) to window each value separately. Columns in ``extra`` are collected per window
    as tuples (e.g. a per-line label).
    """
    if events.empty:
        raise InputError("no events to cut into windows (the input is empty)")
    if "timestamp" not in events.columns or events["timestamp"].isna().all():
        raise InputError("time windows need timestamps, and the events have none")
    size_s = duration_seconds(size, "window size")
    step_s = duration_seconds(step if step is not None else size_s, "window step")
    rows = events.dropna(subset=["timestamp"]).copy()
    ts = pd.to_datetime(rows["timestamp"], utc=True)
    secs = (ts - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
    origin = np.floor(secs.min() / step_s) * step_s
    # window k covers [origin + k*step, origin + k*step + size)
    last = np.floor((secs - origin) / step_s).astype(np.int64)
    n_back = int(np.ceil(size_s / step_s))
    parts = []
    for back in range(n_back):
        k = last - back
        start = origin + k * step_s
        inside = (k >= 0) & (secs < start + size_s)
        parts.append(rows.loc[inside].assign(_k=k[inside]))
    tagged = pd.concat(parts)
    group_cols = ([by] if by else []) + ["_k"]
    if by and by not in tagged.columns:
        raise InputError(f"cannot window by {by!r}: the events have no such column")
    out_rows = []
    for gkey, grp in tagged.groupby(group_cols, sort=True):
        gkey = gkey if isinstance(gkey, tuple) else (gkey,)
        k = gkey[-1]
        start = pd.Timestamp(origin + k * step_s, unit="s", tz="UTC")
        end = start + pd.Timedelta(seconds=size_s)
        sid = start.isoformat() if not by else f"{gkey[0]}@{start.isoformat()}"
        grp = grp.sort_values("timestamp", kind="stable")
        row = {"session_id": sid, "events": tuple(map(str, grp[key])), "start": start, "end": end}
        if by:
            row[by] = gkey[0]
        if "level" in grp.columns:
            row["levels"] = tuple("" if pd.isna(v) else str(v) for v in grp["level"])
        for col in extra:
            row[col] = tuple(grp[col])
        out_rows.append(row)
    return pd.DataFrame(out_rows)

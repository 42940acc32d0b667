"""A wide metrics CSV as ``rca score`` reads it: every row kept in input order, the numeric
series beside the raw cells (written back untouched), and the time order to score in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rca.errors import InputError
from rca.ingest.csvio import read_csv_text
from rca.ingest.metrics import (MetricStats, _to_numeric, find_time_column, numeric_columns,
                                parse_times)
from rca.ingest.source import check_regular_file


@dataclass
class MetricTable:
    """A wide metrics CSV as read for scoring: the ``raw`` rows untouched (for writing back),
    ``frame`` with numeric series columns, the time column, the series names, and ``order``
    (row positions sorted by time, stable; rows with bad times keep their place at the end)."""

    raw: pd.DataFrame
    frame: pd.DataFrame
    time_col: str | None
    series: list
    order: np.ndarray
    stats: MetricStats


def read_metric_table(path, time_col: str | None = None) -> MetricTable:
    """Read a wide metrics CSV for row-by-row scoring (every row kept, in input order)."""
    path = check_regular_file(Path(path))
    stats = MetricStats()
    raw = read_csv_text(path)
    stats.rows = len(raw)
    tcol = find_time_column(raw.columns, time_col)
    blank = raw.replace("", np.nan)
    series = numeric_columns(blank, exclude=(tcol,) if tcol else ())
    if not series:
        raise InputError(f"{path}: no numeric metric column found")
    frame = pd.DataFrame({c: _to_numeric(blank[c], stats) for c in series})
    if tcol is not None:
        ts = parse_times(blank[tcol])
        stats.bad_timestamps = int(ts.isna().sum())
        key = ts.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[ns]").astype(np.int64)
        key = np.where(ts.isna().to_numpy(), np.iinfo(np.int64).max, key)
        stats.unsorted = int((np.diff(key[~ts.isna().to_numpy()]) < 0).sum())
        order = np.argsort(key, kind="stable")
        sk = np.sort(key[~ts.isna().to_numpy()])
        stats.duplicates = int((np.diff(sk) == 0).sum())
        pos = np.diff(sk)[np.diff(sk) > 0]
        if len(pos):
            stats.gaps = int((pos > 2 * np.median(pos)).sum())
    else:
        order = np.arange(len(raw))
    stats.points = int(frame.notna().to_numpy().sum())
    return MetricTable(raw, frame, tcol, series, order, stats)

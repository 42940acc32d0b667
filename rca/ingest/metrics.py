"""Metric ingestion into one long frame: ``timestamp`` (UTC), ``series``, ``value``, ``labels``.

Reads CSV (long: ``timestamp,series,value``; wide: a time column plus one numeric column per
series such as ``carts_cpu``), Prometheus text exposition snapshots and Prometheus HTTP API
``query_range`` JSON. Unsorted or duplicate timestamps, NaN and non-numeric cells are counted
in :class:`MetricStats` instead of failing.

>>> import io, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "m.csv")
>>> _ = open(path, "w").write("time,carts_cpu,carts_mem\\n60,0.5,0.2\\n0,0.4,x\\n")
>>> stats = MetricStats()
>>> df = read_metrics(path, stats=stats)
>>> list(df["series"]), stats.non_numeric, stats.unsorted
(['carts_cpu', 'carts_cpu', 'carts_mem'], 1, 2)
>>> to_wide(df).shape
(2, 2)
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rca.errors import InputError
from rca.ingest.csvio import read_csv_text
from rca.ingest.source import check_regular_file
from rca.ingest.timestamps import MAX_EPOCH_SECONDS, MAX_TIME, MIN_TIME

#: Column names taken as the time column when none is given (case-insensitive, in order).
TIME_COLUMNS = ("timestamp", "time", "ts", "datetime", "date")
LONG_COLUMNS = ("series", "value")


@dataclass
class MetricStats:
    """What reading found: rows read, points kept, and every kind of oddity counted."""

    rows: int = 0
    points: int = 0
    nan: int = 0
    infinite: int = 0
    non_numeric: int = 0
    bad_timestamps: int = 0
    duplicates: int = 0
    unsorted: int = 0
    gaps: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    def problems(self) -> str:
        """What was skipped or looked wrong, as one line ("" when nothing did)."""
        skipped = ", ".join(f"{n:,} {what}" for n, what in (
            (self.nan, "empty/NaN cells"), (self.infinite, "infinite cells"),
            (self.non_numeric, "non-numeric cells"), (self.bad_timestamps, "bad timestamps")) if n)
        seen = ", ".join(f"{n:,} {what}" for n, what in (
            (self.duplicates, "duplicate timestamps"), (self.unsorted, "out-of-order rows")) if n)
        return "; ".join(x for x in (skipped and f"skipped {skipped}", seen) if x)


def find_time_column(columns, time_col: str | None = None) -> str | None:
    """The time column: ``time_col`` if given (must exist), else one named like ``time``."""
    cols = list(columns)
    if time_col is not None:
        if time_col not in cols:
            raise InputError(f"time column {time_col!r} not found (columns: {', '.join(map(str, cols))})")
        return time_col
    lower = {str(c).lower(): c for c in cols}
    for name in TIME_COLUMNS:
        if name in lower:
            return lower[name]
    return None


def as_numbers(values: pd.Series) -> pd.Series:
    """Floats of a column (NaN where a cell is not a number); a clean column takes the fast
    ``astype`` path, a dirty one the cell-by-cell ``pd.to_numeric``."""
    try:
        return values.astype(np.float64)
    except (TypeError, ValueError):
        return pd.to_numeric(values, errors="coerce")


def parse_times(values: pd.Series) -> pd.Series:
    """Parse epoch seconds / milliseconds or date strings into UTC timestamps; NaT when bad or
    outside the years 1970-2199 (:data:`rca.ingest.timestamps.MIN_TIME`/``MAX_TIME``)."""
    sample = values.dropna().iloc[:1000]
    if len(sample) and pd.to_numeric(sample, errors="coerce").notna().mean() > 0.9:
        num = as_numbers(values)
        finite = num[np.isfinite(num)]
        unit = "ms" if len(finite) and finite.abs().median() > 1e11 else "s"
        limit = MAX_EPOCH_SECONDS * (1000 if unit == "ms" else 1)
        num = num.where(np.isfinite(num) & (num >= 0) & (num < limit))
        return pd.to_datetime(num, unit=unit, utc=True, errors="coerce")
    # one format inferred from the data first (fast); cells it cannot read get a mixed parse
    out = pd.to_datetime(values, utc=True, errors="coerce")
    retry = out.isna() & values.notna()
    if retry.any():
        out[retry] = pd.to_datetime(values[retry], utc=True, errors="coerce", format="mixed")
    return out.where((out >= MIN_TIME) & (out < MAX_TIME))


def numeric_columns(frame: pd.DataFrame, exclude=()) -> list[str]:
    """Columns holding mostly numbers (at least one parseable cell and half of the non-empty)."""
    out = []
    for col in frame.columns:
        if col in exclude:
            continue
        raw = frame[col]
        num = as_numbers(raw)
        nonempty = raw.notna().sum()
        if num.notna().sum() and num.notna().sum() >= 0.5 * max(nonempty, 1):
            out.append(col)
    return out


def _to_numeric(raw: pd.Series, stats: MetricStats) -> pd.Series:
    """Numbers of a column; text cells, NaN and +-inf become NaN (skipped, never 0), counted."""
    num = as_numbers(raw)
    infinite = np.isinf(num.to_numpy(dtype=float))
    stats.non_numeric += int((num.isna() & raw.notna()).sum())
    stats.nan += int(raw.isna().sum())
    stats.infinite += int(infinite.sum())
    return num.mask(infinite)


def finish_long(long: pd.DataFrame, stats: MetricStats) -> pd.DataFrame:
    """Sort by time (stable), count duplicates, unsorted steps and gaps; drop NaN values."""
    bad = long["timestamp"].isna()
    stats.bad_timestamps += int(bad.sum())
    long = long[~bad]
    for _, grp in long.groupby("series", sort=False):
        t = grp["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype(np.int64)
        if len(t) > 1:
            stats.unsorted += int((t[1:] < t[:-1]).sum())
            ts = np.sort(t)
            step = np.diff(ts)
            stats.duplicates += int((step == 0).sum())
            pos = step[step > 0]
            if len(pos):
                stats.gaps += int((pos > 2 * np.median(pos)).sum())
    long = long[long["value"].notna()]
    long = long.sort_values(["timestamp"], kind="stable").reset_index(drop=True)
    stats.points += len(long)
    if "labels" not in long:
        long["labels"] = [{} for _ in range(len(long))]
    return long[["timestamp", "series", "value", "labels"]]


def wide_to_long(frame: pd.DataFrame, time_col: str, stats: MetricStats | None = None) -> pd.DataFrame:
    """A wide frame (time column + one column per series) as a long frame."""
    stats = stats if stats is not None else MetricStats()
    series = numeric_columns(frame, exclude=(time_col,))
    if not series:
        raise InputError("no numeric metric column found")
    ts = parse_times(frame[time_col])
    parts = []
    for col in series:
        parts.append(pd.DataFrame({"timestamp": ts, "series": str(col),
                                   "value": _to_numeric(frame[col], stats)}))
    long = pd.concat(parts, ignore_index=True)
    long["_row"] = np.tile(np.arange(len(frame)), len(series))
    long = long.sort_values("_row", kind="stable").drop(columns="_row")
    return finish_long(long.reset_index(drop=True), stats)


def _read_csv(path: Path, time_col: str | None, stats: MetricStats) -> pd.DataFrame:
    frame = read_csv_text(path, keep_default_na=True)
    stats.rows += len(frame)
    tcol = find_time_column(frame.columns, time_col)
    if tcol is None:
        raise InputError(f"{path}: no time column (name it 'time' or 'timestamp', or pass time_col)")
    lower = {str(c).lower(): c for c in frame.columns}
    if all(c in lower for c in LONG_COLUMNS) and len(frame.columns) <= 4:
        long = pd.DataFrame({"timestamp": parse_times(frame[tcol]),
                             "series": frame[lower["series"]].astype(str),
                             "value": _to_numeric(frame[lower["value"]], stats)})
        return finish_long(long, stats)
    return wide_to_long(frame, tcol, stats)


PROM_LINE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)(?:\s+(?P<ts>-?\d+))?\s*$")
_PROM_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')


def series_name(name: str, labels: dict) -> str:
    """``name{a="x",b="y"}`` with sorted labels (just ``name`` without labels)."""
    if not labels:
        return name
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{name}{{{inner}}}" if inner else name


def read_exposition(text: str, now: pd.Timestamp, stats: MetricStats) -> pd.DataFrame:
    """Prometheus text exposition as a long frame; samples without a time get ``now``."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        stats.rows += 1
        m = PROM_LINE.match(line)
        if not m:
            stats.non_numeric += 1
            continue
        labels = dict(_PROM_LABEL.findall(m["labels"] or ""))
        try:
            value = float(m["value"])
        except ValueError:
            stats.non_numeric += 1
            continue
        if np.isnan(value):
            stats.nan += 1
        ts = pd.Timestamp(int(m["ts"]), unit="ms", tz="UTC") if m["ts"] else now
        rows.append((ts, series_name(m["name"], labels), value, labels))
    return finish_long(pd.DataFrame(rows, columns=["timestamp", "series", "value", "labels"]), stats)


def read_query_range(doc: dict, path: Path | str, stats: MetricStats) -> pd.DataFrame:
    """A Prometheus HTTP API ``query_range`` (or instant ``query``) response as a long frame."""
    data = doc.get("data", doc)
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, list):
        raise InputError(f"{path}: not a Prometheus query_range response (no data.result list)")
    rows = []
    for item in result:
        if not isinstance(item, dict):
            stats.rows += 1
            stats.non_numeric += 1
            continue
        metric = item.get("metric")
        labels = {str(k): str(v) for k, v in metric.items()} if isinstance(metric, dict) else {}
        name = series_name(labels.get("__name__", "value"), labels)
        values = item.get("values") or ([item["value"]] if "value" in item else [])
        for pair in values if isinstance(values, list) else []:
            stats.rows += 1
            try:
                ts = pd.Timestamp(float(pair[0]), unit="s", tz="UTC")
            except (TypeError, ValueError, IndexError):
                stats.bad_timestamps += 1
                continue
            try:
                value = float(pair[1])
            except (TypeError, ValueError, IndexError):
                stats.non_numeric += 1
                continue
            if np.isnan(value):
                stats.nan += 1
            rows.append((ts, name, value, labels))
    return finish_long(pd.DataFrame(rows, columns=["timestamp", "series", "value", "labels"]), stats)


def read_metrics(path, time_col: str | None = None, stats: MetricStats | None = None) -> pd.DataFrame:
    """Read one metrics file into a long frame ``timestamp, series, value, labels``.

    The format is sniffed: JSON -> Prometheus ``query_range``; lines like ``name{l="v"} 1.5``
    -> Prometheus exposition; anything else -> CSV (long when it has ``series`` and ``value``
    columns, else wide). Rows come out sorted by time; NaN values are dropped and counted.
    """
    path = check_regular_file(Path(path))
    stats = stats if stats is not None else MetricStats()
    head = path.read_text(errors="replace")[:4096].lstrip()
    if head.startswith("{"):
        try:
            doc = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: invalid JSON ({exc.msg})") from exc
        return read_query_range(doc, path, stats)
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    if first.startswith("# HELP") or first.startswith("# TYPE") or (
            "," not in first and PROM_LINE.match(first.strip() or "-")):
        return read_exposition(path.read_text(errors="replace"),
                               pd.Timestamp(path.stat().st_mtime, unit="s", tz="UTC"), stats)
    return _read_csv(path, time_col, stats)


def to_wide(long: pd.DataFrame) -> pd.DataFrame:
    """A long frame as a wide one: index ``timestamp``, one column per series (duplicates
    averaged), sorted by time."""
    if long.empty:
        return pd.DataFrame()
    wide = long.pivot_table(index="timestamp", columns="series", values="value", aggfunc="mean")
    wide.columns.name = None
    return wide.sort_index()

"""Read what an incident analysis needs: logs as one events frame, metrics as one wide frame,
the dependency graph, and the fault time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import pandas as pd

from rca.errors import InputError
from rca.features.events import events_frame, resolve_templates
from rca.rank.graph import parse_edges


#: Files in an input folder taken as its metrics or its dependency graph (``rca analyze DIR``).
METRICS_GLOBS = ("metrics*.csv", "*_metrics.csv", "*-metrics.csv", "*.prom")
DEPS_GLOBS = ("deps.yaml", "deps.yml", "deps.json", "dependencies.yaml", "dependencies.yml",
              "dependencies.json")


def discover(inputs: Sequence[str | Path], metrics: Sequence[str | Path],
             deps: str | Path | None) -> tuple[list[Path], Path | None, list[str]]:
    """Metrics files and a dependency file lying in the input folders, for the kinds the user
    did not give; with a note saying what was picked up. Files in a folder are otherwise read
    as logs, and csv/yaml/json files are skipped there, so without this they would be ignored
    without a word."""
    found_metrics: list[Path] = []
    found_deps: list[Path] = []
    for folder in (Path(p) for p in inputs):
        if not folder.is_dir():
            continue
        if not metrics:
            found_metrics += sorted({f for g in METRICS_GLOBS for f in folder.rglob(g)
                                     if f.is_file()})
        if deps is None:
            found_deps += sorted({f for g in DEPS_GLOBS for f in folder.rglob(g) if f.is_file()})
    notes = [f"using metrics {f} found in the input folder (--metrics overrides)"
             for f in found_metrics]
    dep = found_deps[0] if found_deps else None
    if dep is not None:
        notes.append(f"using dependency graph {dep} found in the input folder (--deps overrides)")
    return found_metrics, dep, notes


def read_events(paths: Sequence[str | Path]) -> pd.DataFrame:
    """All log files (folders are read whole) as one events frame, one row per record
    (see :func:`analysis_events`)."""
    from rca.ingest import read_records

    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise InputError(f"no such file or folder: {', '.join(missing)}")
    return analysis_events(read_records([str(p) for p in paths]))


def analysis_events(records) -> pd.DataFrame:
    """Records (files read, or request bodies the service stored) as one events frame
    (:data:`rca.features.events.EVENT_COLUMNS`).

    Records without a timestamp inherit the previous one of their source (or the next one); a
    source with no timestamps at all is given one second per record. Templates are mined only
    for warning-or-worse events (the only ones the ranking looks at); the others get an empty
    ``template_id``. Every mined event gets its template's final text.
    """
    from rca.rank.logs import severity
    from rca.templates import TemplateMiner

    from rca.ingest.error_fields import with_cause_record

    frame = events_frame(with_cause_record(r) for r in records)
    if frame.empty:
        return frame
    frame["service"] = frame["service"].fillna("").astype(str)
    nameless = frame["service"] == ""
    if nameless.any():
        frame.loc[nameless, "service"] = frame.loc[nameless, "source"].map(_service_from_source)
    frame["timestamp"] = _fill_times(frame)
    bad = (severity(frame) > 0).to_numpy()
    if bad.any():
        miner = TemplateMiner()
        frame.loc[bad, "template_id"] = [miner.add(m).template_id
                                         for m in frame.loc[bad, "message"]]
        resolve_templates(frame, miner, rows=bad)
    return frame


def _service_from_source(source: str) -> str:
    name = Path(str(source)).name
    for suffix in (".gz", ".log", ".jsonl", ".json", ".txt"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name or "unknown"


def _fill_times(frame: pd.DataFrame) -> pd.Series:
    ts = pd.to_datetime(frame["timestamp"], utc=True, errors="coerce")
    if ts.notna().all():
        return ts
    by_source = ts.groupby(frame["source"])
    filled = by_source.ffill()
    filled = filled.fillna(filled.groupby(frame["source"]).bfill())
    if filled.isna().any():  # whole files without time: one second per record
        order = frame.groupby("source").cumcount()
        filled = filled.fillna(pd.Timestamp(0, tz="UTC") + pd.to_timedelta(order, unit="s"))
    return filled


def read_metrics_wide(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Metric files (wide ``time,<service>_<metric>...`` or long form) as one time-indexed wide
    frame with UTC timestamps; series of several files are joined on time."""
    frames = []
    for path in paths:
        p = Path(path)
        if not p.exists():
            raise InputError(f"no such metrics file: {p}")
        if p.stat().st_size == 0:
            raise InputError(f"metrics file {p} is empty")
        frames.append(_read_one(p))
    if not frames:
        return pd.DataFrame()
    wide = pd.concat(frames, axis=1).sort_index()
    wide = wide.loc[:, ~wide.columns.duplicated()]
    return wide.groupby(level=0).mean()


def _read_one(path: Path) -> pd.DataFrame:
    from rca.ingest.metrics import read_metrics, to_wide

    try:
        wide = to_wide(read_metrics(path))
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a reader failure is an input problem here
        raise InputError(f"cannot read metrics {path}: {exc}") from None
    if wide.empty or not isinstance(wide.index, pd.DatetimeIndex):
        raise InputError(f"metrics {path}: no rows with a time and a numeric value")
    wide = wide.apply(pd.to_numeric, errors="coerce").dropna(axis=1, how="all")
    series = [c for c in wide.columns if "_" in str(c).strip("_")]
    if not series:
        raise InputError(f"metrics {path}: no numeric <service>_<metric> columns "
                         "(e.g. carts_cpu)")
    return wide[series]


def read_edges(path: str | Path | None) -> list[tuple[str, str]]:
    """The dependency graph file (YAML or JSON) as caller -> callee edges."""
    if path is None:
        return []
    p = Path(path)
    if not p.exists():
        raise InputError(f"no such dependency file: {p}")
    from rca.ingest.safe_yaml import MAX_YAML_BYTES, read_yaml
    from rca.ingest.source import check_regular_file

    check_regular_file(p)
    if p.suffix.lower() == ".json":
        if p.stat().st_size > MAX_YAML_BYTES:
            raise InputError(f"dependency graph {p} is larger than {MAX_YAML_BYTES} bytes")
        try:
            data = json.loads(p.read_text(encoding="utf-8", errors="replace"))
        except ValueError as exc:
            raise InputError(f"cannot read dependency graph {p}: {exc}") from None
    else:
        data = read_yaml(p, error=InputError)
    return parse_edges(data or [])


def parse_time(value: str | float | int | pd.Timestamp | None) -> pd.Timestamp | None:
    """A fault time from epoch seconds or ISO 8601 (naive = UTC)."""
    if value is None or value == "":
        return None
    from rca.ingest.timestamps import time_problem

    if isinstance(value, pd.Timestamp):
        ts = value
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is not None and time_problem(number):
            raise InputError(f"fault time: {time_problem(number)}")
        try:
            ts = (pd.Timestamp(number, unit="s", tz="UTC") if number is not None
                  else pd.Timestamp(str(value)))
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"cannot read fault time {value!r} (use epoch seconds or ISO 8601)"
                             ) from None
    if ts is pd.NaT:
        raise InputError(f"cannot read fault time {value!r} (use epoch seconds or ISO 8601)")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if time_problem(ts.to_pydatetime()):
        raise InputError(f"fault time: {time_problem(ts.to_pydatetime())}")
    return ts

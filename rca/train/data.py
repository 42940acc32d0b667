"""Turn a config's ``[input]`` and ``[windowing]`` into one sessions frame.

Columns of the result: ``session_id``, ``events`` and, when known, ``label`` (0/1),
``label_type`` (failure type, ``"normal"`` for normal rows), ``split``, ``start``/``end``,
``levels`` and ``lead`` (seconds to the next failure, when a horizon is set).
``frame.attrs`` carries ``failure_times`` (for lead-time metrics) and ``files`` (inputs read).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rca.errors import InputError
from rca.features import failure_ahead, read_sessions_csv, sessions_from_events, time_windows
from rca.features.events import events_frame, events_from_records
from rca.train.config import PipelineConfig, resolve_path

NORMAL_TYPE = "normal"


def _is_normal(values: pd.Series, normal_labels: list[str]) -> np.ndarray:
    return values.astype(str).str.strip().str.lower().isin(normal_labels).to_numpy()


def _set_labels(frame: pd.DataFrame, raw: pd.Series, normal_labels: list[str]) -> None:
    normal = _is_normal(raw, normal_labels)
    frame["label"] = (~normal).astype(int)
    frame["label_type"] = np.where(normal, NORMAL_TYPE, raw.astype(str).str.strip().to_numpy())


def _read_structured(path: Path, inp: dict[str, Any]) -> pd.DataFrame:
    """A per-line CSV (Loghub ``*_structured.csv`` shape) -> events frame."""
    if not path.is_file():
        raise InputError(f"input file not found: {path}")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise InputError(f"input file is empty: {path}") from None
    if raw.empty:
        raise InputError(f"input file holds no lines: {path}")
    cols = {
        "timestamp": inp.get("time_column") or "Timestamp",
        "template_id": inp.get("event_column") or "EventId",
        "level": inp.get("level_column"),
        "service": inp.get("service_column"),
        "message": inp.get("message_column"),
        "line_label": inp.get("label_column"),
    }
    events = pd.DataFrame(index=raw.index)
    for new, old in cols.items():
        if old is None:
            continue
        if old not in raw.columns:
            raise InputError(f"{path.name} has no column {old!r} (columns: {', '.join(raw.columns)})")
        events[new] = raw[old]
    ts = events["timestamp"]
    numeric = pd.to_numeric(ts, errors="coerce")
    if numeric.notna().all():
        events["timestamp"] = pd.to_datetime(numeric, unit="s", utc=True)
    else:
        events["timestamp"] = pd.to_datetime(ts, utc=True, errors="coerce", format="mixed")
    return events


def _read_log(paths: list[Path], inp: dict[str, Any], miner) -> pd.DataFrame:
    """Raw log files -> events frame (:mod:`rca.features.events`), templates from ``miner``
    (a fresh one when None)."""
    from rca.ingest import read_records
    from rca.templates import TemplateMiner

    for p in paths:
        if not p.exists():
            raise InputError(f"input file not found: {p}")
    miner = TemplateMiner() if miner is None else miner
    records = read_records([str(p) for p in paths], log_format=inp.get("log_format"))
    frame = events_frame(events_from_records(records, miner), miner=miner)
    if frame.empty:
        raise InputError("the log input holds no lines")
    return frame


def _windows(events: pd.DataFrame, cfg: PipelineConfig, with_labels: bool) -> pd.DataFrame:
    win, inp = cfg.windowing, cfg.input
    if win["kind"] == "session":
        if hasattr(events, "sessions"):  # rca.engine.frames.DaskEvents
            frame = events.sessions(win["id_pattern"])
        else:
            frame = sessions_from_events(events, win["id_pattern"])
        if with_labels and win.get("labels_path"):
            lab_path = resolve_path(win["labels_path"], cfg.source.parent if cfg.source else None)
            if not lab_path.is_file():
                raise InputError(f"labels file not found: {lab_path}")
            labels = pd.read_csv(lab_path, dtype=str, keep_default_na=False)
            id_col = win.get("labels_id_column") or labels.columns[0]
            lab_col = win.get("labels_column") or "Label"
            for col in (id_col, lab_col):
                if col not in labels.columns:
                    raise InputError(f"{lab_path.name} has no column {col!r}")
            mapping = dict(zip(labels[id_col], labels[lab_col]))
            known = frame["session_id"].isin(mapping)
            dropped = int((~known).sum())
            frame = frame.loc[known].reset_index(drop=True)
            if frame.empty:
                raise InputError(f"no session id matches an id in {lab_path.name}")
            _set_labels(frame, frame["session_id"].map(mapping), inp["normal_labels"])
            frame.attrs["unlabelled_dropped"] = dropped
        return frame
    step = win.get("step") if win["kind"] == "sliding" else None
    if win["kind"] == "sliding" and not step:
        raise InputError("sliding windows need windowing.step")
    has_line_labels = with_labels and "line_label" in events.columns
    if hasattr(events, "windows"):  # rca.engine.frames.DaskEvents (logs: no line labels)
        frame = events.windows(win["size"], step, by=win.get("by"))
    else:
        frame = time_windows(events, win["size"], step, by=win.get("by"),
                             extra=("line_label",) if has_line_labels else ())
    if has_line_labels:
        normal = _is_normal(events["line_label"], inp["normal_labels"])
        failure_times = events.loc[~normal, "timestamp"]
        frame.attrs["failure_times"] = [t.isoformat() for t in failure_times]
        if win.get("horizon"):
            label, lead = failure_ahead(frame["end"], failure_times, win["horizon"])
            frame["label"] = label
            frame["label_type"] = np.where(label == 1, "failure", NORMAL_TYPE)
            frame["lead"] = lead
        else:
            types = []
            for labs in frame["line_label"]:
                bad = [str(v) for v in labs if str(v).strip().lower() not in inp["normal_labels"]]
                types.append(Counter(bad).most_common(1)[0][0] if bad else NORMAL_TYPE)
            frame["label_type"] = types
            frame["label"] = (frame["label_type"] != NORMAL_TYPE).astype(int)
        frame = frame.drop(columns=["line_label"])
    return frame


def _windows_on_dask(client, paths: list[Path], cfg: PipelineConfig, with_labels: bool,
                     miner) -> pd.DataFrame:
    """Logs parsed and cut on the cluster behind ``client`` (:mod:`rca.engine.frames`)."""
    from rca.engine.frames import dask_events
    from rca.engine.partition import parse_size

    eng = getattr(cfg, "engine", {})
    work = eng.get("work_dir")
    base = cfg.source.parent if cfg.source else None
    for p in paths:
        if not p.exists():
            raise InputError(f"input file not found: {p}")
    size = parse_size(eng["partition_size"]) if eng.get("partition_size") else None
    with dask_events(client, [str(p) for p in paths], miner, log_format=cfg.input.get("log_format"),
                     work_dir=str(resolve_path(work, base)) if work else None,
                     partition_bytes=size) as events:
        return _windows(events, cfg, with_labels)


def load_sessions(cfg: PipelineConfig, paths: list[str] | None = None, *,
                  with_labels: bool = True, miner=None, client=None) -> pd.DataFrame:
    """Read the config's input (or ``paths`` instead, with no per-file label/split).
    ``client``: a Dask client; log input is then parsed and cut on its cluster."""
    inp = cfg.input
    base = cfg.source.parent if cfg.source else None
    if paths is not None:
        files = [{"path": Path(p)} for p in paths]
    else:
        files = [dict(f, path=resolve_path(f["path"], base)) for f in inp["files"]]
    fmt = inp["format"]
    if fmt == "log" and client is not None:
        frame = _windows_on_dask(client, [f["path"] for f in files], cfg, with_labels, miner)
    elif fmt == "log":
        frame = _windows(_read_log([f["path"] for f in files], inp, miner), cfg, with_labels)
    else:
        parts = []
        for f in files:
            if fmt in ("sessions_csv", "sequences"):
                part = read_sessions_csv(
                    f["path"], id_column=inp.get("id_column"),
                    sequence_column=inp.get("sequence_column"),
                    label_column=inp.get("label_column") if with_labels else None,
                    split_column=inp.get("split_column") if paths is None else None,
                    header=bool(inp["header"]) and fmt == "sessions_csv",
                )
                if with_labels and "label" in part.columns:
                    _set_labels(part, part["label"], inp["normal_labels"])
            else:
                part = _windows(_read_structured(f["path"], inp), cfg, with_labels)
            if with_labels and f.get("label") is not None:
                _set_labels(part, pd.Series([str(f["label"])] * len(part)), inp["normal_labels"])
            if f.get("split") is not None:
                part["split"] = str(f["split"]).lower()
            parts.append(part)
        attrs: dict[str, Any] = {}
        for part in parts:
            for k, v in part.attrs.items():
                if isinstance(v, dict):
                    attrs.setdefault(k, {}).update(v)
                elif isinstance(v, list):
                    attrs.setdefault(k, []).extend(v)
        frame = pd.concat(parts, ignore_index=True)
        frame.attrs = attrs
    if frame.empty:
        raise InputError("the input holds no sessions or windows")
    frame.attrs["files"] = [str(f["path"]) for f in files]
    return frame

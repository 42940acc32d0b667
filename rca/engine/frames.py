"""Feature frames from a distributed parse, as Dask DataFrames.

The parse job's Parquet files are one Dask partition each, in reading order. The
single-process builders of :mod:`rca.features` do the work, so the results equal theirs:

- sessions: on each partition :func:`rca.features.sessions_from_events` makes *partial*
  sessions; the partials are shuffled by session id, so every part of one session meets on
  one worker, where they are joined in reading order (events and levels concatenated, first
  start, last end). Sessions come back in order of first appearance;
- fixed time windows lie on a grid of their size from the epoch: events are tagged with their
  window, shuffled by it, and :func:`rca.features.time_windows` cuts each shuffled partition
  (whole windows, events back in reading order). Windows come back in time order;
- sliding windows (an event in several windows) are cut on the client from the columns they
  need, read from the partitions in parallel.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd

from rca.errors import InputError

_COLUMNS = ["timestamp", "template_id", "level", "service", "message"]


def _read_part(path: str, columns: list[str]) -> pd.DataFrame:
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=columns).to_pandas()


class DaskEvents:
    """The events of a parse job: ``frame`` is a Dask DataFrame with one partition per
    Parquet file (columns ``timestamp``, ``template_id``, ``level``, ``service``,
    ``message``)."""

    def __init__(self, files: list[str]):
        import dask.dataframe as dd

        self.files = list(files)
        meta = _read_part(self.files[0], _COLUMNS).iloc[0:0]
        self.frame = dd.from_map(_read_part, self.files, columns=_COLUMNS, meta=meta,
                                 enforce_metadata=False)
        self.columns = list(_COLUMNS)

    def sessions(self, id_pattern: str) -> pd.DataFrame:
        """:func:`rca.features.sessions_from_events` over all partitions."""
        from rca.features import sessions_from_events

        build = functools.partial(sessions_from_events, id_pattern=id_pattern)
        partial = self.frame.map_partitions(_partial, build, meta=_partial_meta(),
                                            align_dataframes=False)
        out = _joined(partial)
        if out.empty:
            raise InputError(f"no message matched the session id pattern {id_pattern!r}")
        return _tidy(out.sort_values(["_p", "_r"], kind="stable"))

    def windows(self, size, step=None, by=None) -> pd.DataFrame:
        """:func:`rca.features.time_windows` over all partitions: fixed windows lie on a grid
        of ``size`` from the epoch, so events are shuffled by window and each window is cut
        where all its events are (in reading order, as one process sees them)."""
        from rca.features import time_windows
        from rca.features.windows import duration_seconds

        size_s = duration_seconds(size, "window size")
        cols = list(dict.fromkeys(["timestamp", "template_id", "level"] + ([by] if by else [])))
        if step is not None and duration_seconds(step, "window step") != size_s:
            return time_windows(self.frame[cols].compute(), size, step, by=by)
        meta = self.frame._meta[cols].assign(_w=pd.Series(dtype="int64"),
                                             _p=pd.Series(dtype="int64"),
                                             _r=pd.Series(dtype="int64"))
        tagged = self.frame[cols].map_partitions(_tag_window, size_s, meta=meta)
        build = functools.partial(time_windows, size=size, by=by)
        out = tagged.shuffle(on="_w", shuffle_method="tasks").map_partitions(
            _cut, build, meta=_partial_meta(by)).compute()
        if out.empty:
            raise InputError("time windows need timestamps, and the events have none")
        return _tidy(out.sort_values(([by] if by else []) + ["start"], kind="stable"))


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Helper columns dropped; tuples back where the trip through the cluster made lists."""
    frame = frame.drop(columns=["_p", "_r"]).reset_index(drop=True)
    for col in ("events", "levels"):
        frame[col] = [tuple(v) for v in frame[col]]
    return frame


def _tag_window(events: pd.DataFrame, size_s: float, partition_info=None) -> pd.DataFrame:
    """Each event's window on the epoch grid (``_w``) and its place in reading order."""
    events = events.dropna(subset=["timestamp"])
    ts = pd.to_datetime(events["timestamp"], utc=True)
    seconds = (ts - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
    return events.assign(_w=(seconds // size_s).astype("int64"),
                         _p=(partition_info or {}).get("number", 0),
                         _r=range(len(events)))


def _cut(events: pd.DataFrame, build) -> pd.DataFrame:
    """Windows of the events of whole windows (one partition of the shuffle)."""
    events = events.sort_values(["_p", "_r"], kind="stable")
    return _partial(events.drop(columns=["_w", "_p", "_r"]), build,
                    by=getattr(build, "keywords", {}).get("by"))


def _partial_meta(by: str | None = None) -> pd.DataFrame:
    cols = {"session_id": pd.Series(dtype=object), "events": pd.Series(dtype=object),
            "start": pd.Series(dtype="datetime64[us, UTC]"),
            "end": pd.Series(dtype="datetime64[us, UTC]")}
    if by:
        cols[by] = pd.Series(dtype=object)
    cols.update({"levels": pd.Series(dtype=object), "_p": pd.Series(dtype="int64"),
                 "_r": pd.Series(dtype="int64")})
    return pd.DataFrame(cols)


def _partial(events: pd.DataFrame, build, by=None, partition_info=None) -> pd.DataFrame:
    """Partial sessions/windows of one partition, tagged with (partition, rank)."""
    meta = _partial_meta(by)
    if events.empty:
        return meta
    try:
        out = build(events)
    except InputError:  # no id or no timestamp in this partition: nothing to add
        return meta
    out = out.reset_index(drop=True)
    for col in meta.columns:
        if col not in out.columns and col not in ("_p", "_r"):
            out[col] = [()] * len(out) if col in ("events", "levels") else pd.NaT
    out["_p"] = (partition_info or {}).get("number", 0)
    out["_r"] = range(len(out))
    out["session_id"] = out["session_id"].astype(object)
    for col in ("start", "end"):
        out[col] = pd.to_datetime(out[col], utc=True).astype("datetime64[us, UTC]")
    return out[list(meta.columns)]


def _join(group: pd.DataFrame) -> pd.DataFrame:
    """The partial sessions of one partition of the shuffle, joined per session id."""
    if group.empty:
        return group
    group = group.sort_values(["_p", "_r"], kind="stable")
    g = group.groupby("session_id", sort=False)
    out = pd.DataFrame({
        "events": g["events"].agg(lambda s: tuple(e for part in s for e in part)),
        "start": g["start"].min(), "end": g["end"].max(),
        "levels": g["levels"].agg(lambda s: tuple(v for part in s for v in part)),
        "_p": g["_p"].first(), "_r": g["_r"].first()})
    extra = [c for c in group.columns if c not in out.columns and c != "session_id"]
    for col in extra:
        out[col] = g[col].first()
    return out.reset_index()


def _joined(partial) -> pd.DataFrame:
    shuffled = partial.shuffle(on="session_id", shuffle_method="tasks")
    meta = partial._meta.copy()
    return shuffled.map_partitions(_join, meta=meta).compute()


@contextmanager
def dask_events(client, paths, miner, *, log_format=None, work_dir=None,
                partition_bytes=None) -> Iterator[DaskEvents]:
    """Parse ``paths`` on the cluster (learning into ``miner``) into Parquet files under
    ``work_dir`` (a temporary folder by default; on a remote cluster, shared storage), and
    yield their events; the files are removed afterwards."""
    import shutil
    import tempfile

    from rca.engine.job import parse_job
    from rca.engine.partition import PARTITION_BYTES

    root = Path(tempfile.mkdtemp(prefix="rca-events-", dir=work_dir))
    try:
        job = parse_job(client, paths, miner, out=root / "events", log_format=log_format,
                        partition_bytes=partition_bytes or PARTITION_BYTES)
        if not job.stats.records:
            raise InputError("the log input holds no lines")
        yield DaskEvents(job.files)
    finally:
        shutil.rmtree(root, ignore_errors=True)

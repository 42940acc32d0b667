"""Parsing: read logs and give each record its template (rca.ingest, rca.templates,
rca.features.events)."""

from __future__ import annotations

import csv
from pathlib import Path

__all__ = ["ParseResult", "events_frame", "log_formats", "parse_events", "parse_to_files",
           "syslog_framer"]


def log_formats() -> tuple[str, ...]:
    """The line formats ``log_format`` takes by name (besides a Loghub format string):
    ``auto`` (sniffed per file) and each format family, as ``rca parse --format`` offers them.

    >>> log_formats()
    ('auto', 'json', 'logfmt', 'syslog', 'text')
    """
    from rca.ingest.sniff import FAMILIES

    return ("auto", *sorted(FAMILIES))


def parse_events(paths, log_format=None, miner=None, stats=None, service=None, year=None,
                 tz="UTC"):
    """Read logs and give each record its template: an iterator of :class:`rca.types.Event`.

    ``paths``: files or folders; ``log_format``: None/"auto", "json", "logfmt", "syslog",
    "text" or a Loghub format string; ``miner``: a ``rca.templates.TemplateMiner`` to learn
    into (a fresh one by default); ``stats``: a :class:`rca.ingest.ReadStats` to fill.
    Missing files raise :class:`rca.errors.InputError` before the first event.
    """
    from rca.features.events import events_from_records
    from rca.ingest import read_records
    from rca.templates import TemplateMiner

    if miner is None:
        miner = TemplateMiner()
    records = read_records(paths, log_format=log_format, service=service, year=year, tz=tz,
                           stats=stats)
    return events_from_records(records, miner)


def events_frame(events, miner=None):
    """Events as a DataFrame with the columns ``rca.features.events.EVENT_COLUMNS``
    (timestamp as UTC datetime64); with ``miner``, template ids and texts are its final ones."""
    from rca.features.events import events_frame as build

    return build(events, miner=miner)


class ParseResult:
    """What :func:`parse_to_files` learnt: read counts, records per (current) template id,
    template texts, and the earlier ids each template had before it was generalised."""

    def __init__(self, stats, counts, templates, aliases):
        self.stats = stats
        self.counts = counts
        self.templates = templates
        self.aliases = aliases

    def top(self, n: int | None = None) -> list[tuple[str, int]]:
        """``(template_id, count)`` by decreasing count."""
        items = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return items if n is None else items[:n]

    def write_templates(self, path) -> None:
        """The templates as CSV ``id,template,count,aliases``, most frequent first."""
        with open(path, "w", newline="", encoding="utf-8") as th:
            w = csv.writer(th)
            w.writerow(("id", "template", "count", "aliases"))
            for tid, count in self.top():
                w.writerow((tid, self.templates.get(tid, ""), count,
                            " ".join(self.aliases.get(tid, ()))))


def parse_to_files(paths, out=None, templates_out=None, state=None, log_format=None,
                   service=None, year=None, tz="UTC", on_record=None, workers=None,
                   scheduler=None, partition_bytes=None):
    """The ``rca parse`` job, block by block: records are read as Arrow tables
    (:func:`rca.ingest.columnar.read_tables`; with a Loghub format string the lines are split
    column-wise), templated (:func:`rca.templates.table.add_templates`, the same ids as
    ``TemplateMiner.add`` line by line) and written to ``out`` (CSV, or Parquet when it ends in
    ``.parquet``); then the templates (``id,template,count,aliases``) go to ``templates_out``;
    the miner is the one saved at ``state`` (loaded first when the file exists), saved after.

    Memory stays flat: one block at a time; only per-template counts are kept.
    ``on_record(stats)`` is called after every block (progress). Returns a
    :class:`ParseResult`.

    ``workers`` (a local Dask cluster of that many processes) or ``scheduler`` (the address
    of an existing one) run the job on Dask (:mod:`rca.engine`): the same templates, rows with
    their final template ids; ``out`` is then a folder of Parquet files, or one CSV if it ends
    in ``.csv``; ``partition_bytes`` (``"16MB"``) sizes the byte ranges large files are cut into.
    """
    from rca.ingest import ReadStats
    from rca.ingest.columnar import read_tables
    from rca.templates import TemplateMiner
    from rca.templates.table import EVENT_COLUMNS, EventWriter, add_templates

    state_path = Path(state) if state else None
    miner = (TemplateMiner.load(state_path) if state_path and state_path.exists()
             else TemplateMiner())
    if workers or scheduler:
        result = _parse_on_dask(paths, miner, out, log_format, service, year, tz, on_record,
                                workers, scheduler, partition_bytes)
        if templates_out:
            result.write_templates(templates_out)
        if state_path:
            miner.save(state_path)
        return result
    stats = ReadStats()
    blocks = read_tables(paths, log_format=log_format, service=service, year=year, tz=tz,
                         stats=stats)
    counts: dict[str, int] = {}
    writer = EventWriter(out, EVENT_COLUMNS) if out else None
    try:
        for block in blocks:
            table = add_templates(miner, block, EVENT_COLUMNS)
            for item in table.column("template_id").value_counts().to_pylist():
                counts[item["values"]] = counts.get(item["values"], 0) + item["counts"]
            if writer is not None:
                writer.write(table)
            if on_record is not None:
                on_record(stats)
    finally:
        if writer is not None:
            writer.close()
    if on_record is not None:
        on_record(stats)
    result = _result(miner, stats, counts)
    if templates_out:
        result.write_templates(templates_out)
    if state_path:
        miner.save(state_path)
    return result


def _result(miner, stats, counts: dict[str, int]) -> ParseResult:
    """Counts per current template id, and the earlier ids each current template had."""
    current: dict[str, int] = {}
    aliases: dict[str, list[str]] = {}
    for tid, count in counts.items():
        cur = miner.resolve(tid)
        current[cur] = current.get(cur, 0) + count
        if cur != tid:
            aliases.setdefault(cur, []).append(tid)
    return ParseResult(stats=stats, counts=current, templates=miner.templates, aliases=aliases)


def syslog_framer(max_frame=64 * 1024):
    """A splitter of a syslog TCP stream into messages (octet counting or newline framing,
    RFC 6587): :class:`rca.ingest.syslog.SyslogFramer`."""
    from rca.ingest.syslog import SyslogFramer

    return SyslogFramer(max_frame)


def _parse_on_dask(paths, miner, out, log_format, service, year, tz, on_record, workers,
                   scheduler, partition_bytes) -> ParseResult:
    from rca.engine import PARTITION_BYTES, EngineSpec, dask_client, parse_job
    from rca.engine.partition import parse_size

    spec = EngineSpec.from_options(workers=workers, scheduler=scheduler)
    size = parse_size(partition_bytes or PARTITION_BYTES)  # a bad size fails before the cluster
    with dask_client(spec) as client:
        job = parse_job(client, paths, miner, out=out, log_format=log_format, service=service,
                        year=year, tz=tz, partition_bytes=size, on_progress=on_record)
    return ParseResult(stats=job.stats, counts=job.counts, templates=miner.templates,
                       aliases=job.aliases)

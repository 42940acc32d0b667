"""The map step, run on a worker: read one partition and key every record by its masked
message (what the template miner learns from), without deciding any template yet.

A partition's answer is small: its distinct masked messages in order of first appearance,
each with the first message that showed it, and one code per record (the index of its masked
message). The rows themselves go to a Parquet file in the job's work folder, so the
client never holds them. Writing goes through a temporary name and a rename: a partition
recomputed after a lost worker overwrites its file, it never adds a second one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rca.engine.partition import Partition, align, line_parser, read_head
from rca.ingest import ReadStats, read_records
from rca.ingest.timestamps import TimeParser

#: Columns of a partition's row file (``code`` indexes the partition's masked messages).
ROW_COLUMNS = ("source", "line", "timestamp", "service", "host", "level", "message", "flags",
               "code")
_BATCH = 16384
_STAT_FIELDS = ("lines", "records", "unparsed", "decode_errors", "multiline_lines", "truncated",
                "bytes")


@dataclass
class MapResult:
    """What a worker sends back for one partition (rows stay in ``rows_path``)."""

    index: int
    path: str
    part: int
    lines: int  # physical lines in the range (to number the next range's lines)
    stats: dict = field(default_factory=dict)
    masked: list = field(default_factory=list)  # [(masked text, first message), ...]
    codes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    rows_path: str | None = None
    format: str = ""


def _row_schema():
    import pyarrow as pa

    s = pa.string()
    return pa.schema([("source", s), ("line", pa.int64()),
                      ("timestamp", pa.timestamp("us", tz="UTC")), ("service", s), ("host", s),
                      ("level", s), ("message", s), ("flags", s), ("code", pa.int32())])


def _range_file(part: Partition, log_format, year, tz, tmp: Path) -> tuple[Path, int]:
    """A file holding just the partition's lines, named like the original (so the reader
    derives the same service), led by the original's head when the format is sniffed (so
    the reader picks the same format). Returns the file and the number of head lines."""
    src = Path(part.path)
    if part.start == 0 and part.end is None:
        return src, 0
    times = TimeParser(year=year, tz=tz)
    head, n_head = read_head(src)
    parser = line_parser(head, log_format, times)
    size = src.stat().st_size
    sniffed = log_format in (None, "", "auto")
    with open(src, "rb") as fh:
        start = align(fh, part.start, size, parser)
        end = size if part.end is None else align(fh, part.end, size, parser)
        dest = tmp / src.name
        with open(dest, "wb") as out:
            if sniffed and start > 0:
                out.write(head)
            fh.seek(start)
            left = end - start
            while left > 0:
                chunk = fh.read(min(left, 8 << 20))
                if not chunk:
                    break
                out.write(chunk)
                left -= len(chunk)
    return dest, (n_head if sniffed and start > 0 else 0)


def _head_stats(path: Path, n_head: int, log_format, year, tz) -> ReadStats:
    """Counts of the head lines alone (subtracted from the range's counts)."""
    stats = ReadStats()
    if n_head:
        head_file = path.parent / "head" / path.name
        head_file.parent.mkdir(exist_ok=True)
        head_file.write_bytes(read_head(path)[0])
        for _ in read_records([head_file], log_format=log_format, year=year, tz=tz, stats=stats):
            pass
    return stats


def map_partition(part: Partition, log_format=None, service=None, year=None, tz="UTC",
                  masker=None, workdir: str | None = None) -> MapResult:
    """Read ``part``, key its records by masked message, write its rows under ``workdir``
    (when given). Runs on a worker."""
    from rca.templates import Masker

    masker = masker or Masker.default()
    mask = masker.mask_spans
    tmp = Path(tempfile.mkdtemp(prefix="rca-part-"))
    try:
        path, n_head = _range_file(part, log_format, year, tz, tmp)
        stats = ReadStats()
        records = read_records([path], log_format=log_format, service=service, year=year, tz=tz,
                               stats=stats)
        index: dict[str, int] = {}
        masked: list[tuple[str, str]] = []
        codes: list[int] = []
        writer = _RowWriter(workdir, part) if workdir else None
        for rec in records:
            if rec.line <= n_head:
                continue
            msg = rec.message
            first = msg.split("\n", 1)[0] if "\n" in msg else msg
            key = mask(first)[0]
            code = index.get(key)
            if code is None:
                code = index[key] = len(masked)
                masked.append((key, first))
            codes.append(code)
            if writer is not None:
                writer.add(rec, rec.line - n_head, code)
        rows_path = writer.close() if writer is not None else None
        head = _head_stats(path, n_head, log_format, year, tz)
        counts = {f: getattr(stats, f) - getattr(head, f) for f in _STAT_FIELDS}
        fmt = next(iter(stats.formats.values()), "")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return MapResult(part.index, part.path, part.part, counts["lines"], counts, masked,
                     np.asarray(codes, dtype=np.int32), rows_path, fmt)


class _RowWriter:
    """Rows of one partition to ``<workdir>/map-<index>.parquet``, a batch at a time."""

    def __init__(self, workdir: str, part: Partition):
        self.final = Path(workdir) / f"map-{part.index:05d}.parquet"
        self.tmp = self.final.with_name(f".{self.final.name}.{os.getpid()}.tmp")
        self.source = part.path
        self.rows: list = []  # (record, line, code)
        self.writer = None

    def add(self, rec, line: int, code: int) -> None:
        self.rows.append((rec, line, code))
        if len(self.rows) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = _row_schema()
        rows, recs = self.rows, [r[0] for r in self.rows]
        columns = [
            [self.source] * len(rows), [r[1] for r in rows], [r.timestamp for r in recs],
            [r.service for r in recs], [r.host for r in recs], [r.level for r in recs],
            [r.message for r in recs], [",".join(r.flags) if r.flags else "" for r in recs],
            [r[2] for r in rows]]
        arrays = [pa.array(col, type=f.type) for col, f in zip(columns, schema)]
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, schema, compression="none",  # read once
                                           use_dictionary=["source", "service", "host", "level"])
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
        self.rows = []

    def close(self) -> str:
        if self.rows or self.writer is None:
            self._flush()
        self.writer.close()
        os.replace(self.tmp, self.final)
        return str(self.final)

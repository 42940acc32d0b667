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
    (when given). Runs on a worker. With a Loghub format string the partition is read
    column-wise (:func:`rca.ingest.columnar.read_tables`, as ``rca parse`` in one process
    reads it): masked once per digit shape, rows written as Arrow tables."""
    from rca.ingest.columnar import is_loghub_format
    from rca.templates import Masker

    forms = _Forms(masker or Masker.default())
    tmp = Path(tempfile.mkdtemp(prefix="rca-part-"))
    try:
        path, n_head = _range_file(part, log_format, year, tz, tmp)
        stats = ReadStats()
        writer = _RowWriter(workdir, part) if workdir else None
        kw = {"log_format": log_format, "service": service, "year": year, "tz": tz,
              "stats": stats}
        if is_loghub_format(log_format):  # (never sniffed: no head lines to skip)
            _map_tables(path, forms, writer, kw)
        else:
            _map_records(path, n_head, forms, writer, kw)
        rows_path = writer.close() if writer is not None else None
        head = _head_stats(path, n_head, log_format, year, tz)
        counts = {f: getattr(stats, f) - getattr(head, f) for f in _STAT_FIELDS}
        fmt = next(iter(stats.formats.values()), "")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return MapResult(part.index, part.path, part.part, counts["lines"], counts, forms.masked,
                     forms.all_codes(), rows_path, fmt)


def _map_records(path: Path, n_head: int, forms: "_Forms", writer, kw: dict) -> None:
    codes = []
    for rec in read_records([path], **kw):
        if rec.line <= n_head:
            continue
        code = forms.code(rec.message)
        codes.append(code)
        if writer is not None:
            writer.add(rec, rec.line - n_head, code)
    forms.codes.append(np.asarray(codes, dtype=np.int32))


def _map_tables(path: Path, forms: "_Forms", writer, kw: dict) -> None:
    from rca.ingest.columnar import read_tables

    for block in read_tables([path], **kw):
        codes = forms.block_codes(block)
        forms.codes.append(codes)
        if writer is not None:
            writer.add_table(block.table, codes)


class _Forms:
    """A partition's distinct masked messages (of each message's first line, as the miner
    templates it), numbered in order of first appearance, and one code per record."""

    def __init__(self, masker):
        self.mask = masker.mask_spans
        self.index: dict[str, int] = {}
        self.masked: list[tuple[str, str]] = []  # (masked text, first message showing it)
        self.codes: list[np.ndarray] = []

    def code(self, message: str) -> int:
        first = message.split("\n", 1)[0] if "\n" in message else message
        key = self.mask(first)[0]
        code = self.index.get(key)
        if code is None:
            code = self.index[key] = len(self.masked)
            self.masked.append((key, first))
        return code

    def block_codes(self, block) -> np.ndarray:
        """Codes of a block's rows: once per digit shape when the reader numbered them (a
        masked text without digits is the same for every message of the shape), else per
        row."""
        from rca.templates.masking import shape_safe

        if block.shapes is None:
            messages = block.table.column("message").to_pylist()
            return np.fromiter((self.code(m or "") for m in messages), np.int32, len(messages))
        shapes = np.asarray(block.shapes, dtype=np.int64)
        if not len(shapes):
            return np.zeros(0, np.int32)
        by_shape = np.full(int(shapes.max()) + 1, -1, np.int64)
        kinds, firsts = np.unique(shapes, return_index=True)
        order = np.argsort(firsts)  # (shapes in order of first appearance)
        for k, row in zip(kinds[order].tolist(), firsts[order].tolist()):
            code = self.code(block.messages[row])
            if shape_safe(self.masked[code][0]):
                by_shape[k] = code
        codes = by_shape[shapes]
        for row in np.flatnonzero(codes < 0).tolist():
            codes[row] = self.code(block.messages[row])
        return codes.astype(np.int32)

    def all_codes(self) -> np.ndarray:
        return np.concatenate(self.codes) if self.codes else np.zeros(0, np.int32)


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

    def add_table(self, table, codes: np.ndarray) -> None:
        """A block of rows read column-wise (:data:`rca.ingest.arrow.COLUMNS`)."""
        import pyarrow as pa

        from rca.ingest.arrow import from_numpy

        schema = _row_schema()
        cols = {"source": pa.array([self.source] * table.num_rows, pa.string()),
                "flags": table.column("flags").cast(pa.string()).fill_null(""),
                "code": from_numpy(codes, pa.int32())}
        arrays = [cols[f.name] if f.name in cols else table.column(f.name).cast(f.type)
                  for f in schema]
        self._write(pa.Table.from_arrays(arrays, schema=schema))

    def _flush(self) -> None:
        import pyarrow as pa

        schema = _row_schema()
        rows, recs = self.rows, [r[0] for r in self.rows]
        columns = [
            [self.source] * len(rows), [r[1] for r in rows], [r.timestamp for r in recs],
            [r.service for r in recs], [r.host for r in recs], [r.level for r in recs],
            [r.message for r in recs], [",".join(r.flags) if r.flags else "" for r in recs],
            [r[2] for r in rows]]
        arrays = [pa.array(col, type=f.type) for col, f in zip(columns, schema)]
        self._write(pa.Table.from_arrays(arrays, schema=schema))
        self.rows = []

    def _write(self, table) -> None:
        import pyarrow.parquet as pq

        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, table.schema, compression="none",  # read once
                                           use_dictionary=["source", "service", "host", "level"])
        self.writer.write_table(table)

    def close(self) -> str:
        if self.rows or self.writer is None:
            self._flush()
        self.writer.close()
        os.replace(self.tmp, self.final)
        return str(self.final)

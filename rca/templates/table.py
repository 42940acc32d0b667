"""Templates for Arrow record tables, and the CSV / Parquet writer of ``rca parse``.

:func:`add_templates` runs a :class:`~rca.templates.miner.TemplateMiner` over a table's
``message`` column (online, row by row, as :meth:`TemplateMiner.add` would) and adds the
``template_id`` and ``template`` columns; template texts are stored once per distinct id
(a dictionary column). :class:`EventWriter` writes such tables with pyarrow: CSV (timestamps as
ISO 8601 text, as :meth:`datetime.isoformat` writes them) or Parquet when the file name ends in
``.parquet`` (timestamps as ``timestamp[us, UTC]``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from rca.ingest.arrow import from_numpy, strings

#: Columns of an event row, in order: what ``rca parse --out`` writes and the events frame
#: (:mod:`rca.features.events`) holds.
EVENT_COLUMNS: tuple[str, ...] = ("source", "line", "timestamp", "service", "host", "level",
                                  "template_id", "template", "message", "flags")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def add_templates(miner, block, columns):
    """The block's table (record columns) with ``template_id`` and ``template``, as
    ``columns`` in that order (``block``: a :class:`rca.ingest.arrow.Block`)."""
    import pyarrow as pa

    table = block.table
    if block.shapes is not None:
        codes, ids, texts = miner.add_many(block.messages, block.shapes, block.keys)
    else:
        codes, ids, texts = miner.add_many(
            [m or "" for m in table.column("message").to_pylist()])
    indices = from_numpy(codes, pa.int32())
    tid = pa.DictionaryArray.from_arrays(indices, strings(ids))
    template = pa.DictionaryArray.from_arrays(indices, strings(texts))
    cols = {name: table.column(name) for name in table.column_names}
    cols["template_id"], cols["template"] = tid, template
    return pa.table([cols[c] for c in columns], names=list(columns))


def iso_timestamps(column):
    """A ``timestamp[us, UTC]`` column as ISO 8601 strings (computed once per distinct value)."""
    import pyarrow as pa

    enc = pa.chunked_array([column]).combine_chunks() if not isinstance(column, pa.Array) \
        else column
    enc = enc.cast(pa.int64()).dictionary_encode()
    texts = [(_EPOCH + timedelta(microseconds=v)).isoformat()
             for v in enc.dictionary.to_pylist()]
    return strings(texts).take(enc.indices)


#: Columns with few distinct values, written as dictionary columns (Parquet keeps them so).
_DICT = ("source", "service", "host", "level", "template_id", "template")


def _uniform(table):
    """Every block with one schema: the low-cardinality columns as dictionaries, the rest
    plain (a block may come column-wise or from records)."""
    import pyarrow as pa

    for k, name in enumerate(table.column_names):
        col = table.column(name)
        if name in _DICT and not pa.types.is_dictionary(col.type):
            table = table.set_column(k, name, col.combine_chunks().dictionary_encode())
    return table


#: Tables smaller than this are written on the caller's thread.
_BACKGROUND_ROWS = 4096


class EventWriter:
    """Write event tables to ``path``: Parquet when it ends in ``.parquet``, else CSV with a
    header row. Use as a context manager; :meth:`write` takes one table at a time.

    With ``background`` (the default) the encoding and writing of a table, pyarrow's C++
    work that runs without the GIL, happens on a writer thread while the caller reads and
    templates the next block (tables of :data:`_BACKGROUND_ROWS` rows or more); the Python-side
    preparation stays on the caller's thread (two threads wanting the GIL would stall each
    other). At most one table waits, so memory stays
    bounded; a write error is raised by the next :meth:`write` or by :meth:`close`."""

    def __init__(self, path: str | Path, columns, background: bool = True):
        self.path = Path(path)
        self.columns = tuple(columns)
        self.parquet = self.path.suffix.lower() == ".parquet"
        self.background = background
        self._writer = self._pool = self._pending = None

    def __enter__(self) -> "EventWriter":
        return self

    def write(self, table) -> None:
        table = self._prepare(table)
        self._wait()
        if not self.background or table.num_rows < _BACKGROUND_ROWS:
            return self._writer.write_table(table)  # (a hand-off costs more than it saves)
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(1, thread_name_prefix="rca-event-writer")
        self._pending = self._pool.submit(self._writer.write_table, table)

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _prepare(self, table):
        """The table as written (dictionary columns; CSV: ISO 8601 stamps), the file's writer
        opened with its schema on the first call."""
        table = _uniform(table)
        if self.parquet:
            import pyarrow.parquet as pq

            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, table.schema)
            return table
        import pyarrow.csv as pcsv

        k = table.column_names.index("timestamp")
        table = table.set_column(k, "timestamp", iso_timestamps(table.column(k).combine_chunks()))
        if self._writer is None:
            self._writer = pcsv.CSVWriter(self.path, table.schema,
                                          write_options=pcsv.WriteOptions(batch_size=8192))
        return table

    def close(self) -> None:
        try:
            self._wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown()
        if self._writer is None:  # no rows: still a file with the header / schema
            import pyarrow as pa

            empty = pa.table({c: pa.nulls(0, pa.string()) for c in self.columns})
            k = self.columns.index("timestamp")
            empty = self._prepare(empty.set_column(k, "timestamp",
                                                   pa.nulls(0, pa.timestamp("us", "UTC"))))
            self._writer.write_table(empty)
        self._writer.close()

    def __exit__(self, *exc) -> None:
        self.close()

"""The remap step, on a worker: a partition's rows get their final template id and text and
their line numbers in the whole file; written as one Parquet file of the output dataset and,
when a CSV is asked for, as one piece of it (the client joins the pieces in order).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from rca.templates.table import EVENT_COLUMNS as OUTPUT_COLUMNS  # as rca parse --out


def finish_partition(rows_path: str, ids: np.ndarray, texts: np.ndarray, line_offset: int,
                     parquet_path: str | None, csv_path: str | None,
                     header: bool = True) -> int:
    """Remap ``rows_path`` (a map step's row file) and write the outputs, a batch at a time
    (memory stays at one batch); returns the number of rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids_arr, texts_arr = pa.array(ids, pa.string()), pa.array(texts, pa.string())
    writers: list = []
    n = 0
    try:
        for batch in pq.ParquetFile(rows_path).iter_batches(batch_size=_BATCH):
            out = _remap(pa.Table.from_batches([batch]), ids_arr, texts_arr, line_offset)
            if not writers:
                writers = _open_writers(out.schema, parquet_path, csv_path, header)
            for write in writers:
                write[0](out)
            n += len(out)
        if not writers:  # no rows: still write (empty) files
            empty = _remap(pq.read_table(rows_path), ids_arr, texts_arr, line_offset)
            writers = _open_writers(empty.schema, parquet_path, csv_path, header)
    except BaseException:
        for _, close, tmp, _ in writers:
            close()
            os.unlink(tmp)
        raise
    for _, close, tmp, final in writers:
        close()
        os.replace(tmp, final)
    return n


_BATCH = 16384
#: Columns with few distinct values (dictionary-encoded in Parquet; messages are not).
_DICTIONARY = ["source", "service", "host", "level", "template_id", "template", "flags"]


def _remap(table, ids, texts, line_offset: int):
    import pyarrow as pa
    import pyarrow.compute as pc

    code = table.column("code")
    cols = {"source": table.column("source"),
            "line": pc.add(table.column("line"), pa.scalar(line_offset, pa.int64())),
            "timestamp": table.column("timestamp"), "service": table.column("service"),
            "host": table.column("host"), "level": table.column("level"),
            "template_id": ids.take(code), "template": texts.take(code),
            "message": table.column("message"), "flags": table.column("flags")}
    return pa.table({name: cols[name] for name in OUTPUT_COLUMNS})


def _open_writers(schema, parquet_path, csv_path, header) -> list:
    """``(write, close, temporary path, final path)`` for each output asked for."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    writers = []
    if parquet_path:
        tmp = f"{parquet_path}.{os.getpid()}.tmp"
        w = pq.ParquetWriter(tmp, schema, use_dictionary=_DICTIONARY)
        writers.append((w.write_table, w.close, tmp, parquet_path))
    if csv_path:
        tmp = f"{csv_path}.{os.getpid()}.tmp"
        opts = pacsv.WriteOptions(include_header=header, quoting_style="needed")
        w = pacsv.CSVWriter(tmp, _csv_schema(schema), write_options=opts)
        writers.append((lambda t, w=w: w.write_table(_csv_table(t)), w.close, tmp, csv_path))
    return writers


def iso_strings(ts):
    """UTC timestamps as ISO 8601 text the way ``datetime.isoformat`` writes them
    (``2024-01-01T12:00:00+00:00``, microseconds only when non-zero); null -> empty."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.strftime(ts, format="%Y-%m-%dT%H:%M:%S", locale="C")  # seconds carry .ffffff
    text = pc.replace_substring_regex(text, pattern=r"\.000000$", replacement="")
    text = pc.binary_join_element_wise(text, pa.scalar("+00:00"), "")
    return pc.fill_null(text, "")


def _csv_schema(schema):
    import pyarrow as pa

    return pa.schema([(f.name, pa.string() if f.name == "timestamp" else f.type)
                      for f in schema])


def _csv_table(table):
    """Timestamps as ISO text, missing text as empty cells (as the one-process CSV)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = []
    for name in table.column_names:
        col = table.column(name)
        if name == "timestamp":
            col = iso_strings(col)
        elif pa.types.is_string(col.type):
            col = pc.fill_null(col, "")
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def join_csv(pieces: list[str], dest: str | Path) -> None:
    """Concatenate CSV pieces (the first holds the header) into ``dest``, atomically."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as out:
        for piece in pieces:
            with open(piece, "rb") as fh:
                shutil.copyfileobj(fh, out, 8 << 20)
    os.replace(tmp, dest)

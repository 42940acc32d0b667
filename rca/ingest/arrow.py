"""Arrow arrays built straight from buffers: Python lists, numpy arrays and byte spans.

``pyarrow.array`` on a Python list or a numpy array imports pandas (to check for pandas
types); on a command-line run that import alone costs more than parsing 100,000 lines, so the
column-wise reader builds its arrays from buffers with these helpers instead.

>>> strings(["a", None, "bcd"]).to_pylist()
['a', None, 'bcd']
>>> integers([5, None], _arrow().int64()).to_pylist()
[5, None]
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

#: The record columns of a table, in order (``line`` int64, ``timestamp`` timestamp[us, UTC]).
COLUMNS = ("source", "line", "timestamp", "service", "host", "level", "message", "flags")
ROWS = 1 << 13  # records per table when records are gathered into tables
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = datetime.resolution  # one microsecond (timedelta // timedelta -> int)


def _arrow():
    import pyarrow

    return pyarrow


def strings(values):
    """Python strings (or None) as an Arrow string array, built from buffers."""
    import numpy as np
    pa = _arrow()

    raw = [b"" if v is None else v.encode("utf-8", "surrogatepass") for v in values]
    sizes = np.fromiter(map(len, raw), np.int64, len(raw))
    offsets = np.zeros(len(raw) + 1, np.int64)
    np.cumsum(sizes, out=offsets[1:])
    valid, nulls = _validity([v is not None for v in values])
    arr = pa.Array.from_buffers(pa.large_string(), len(raw), [valid, pa.py_buffer(offsets),
                                                             pa.py_buffer(b"".join(raw))], nulls)
    return arr.cast(pa.string())


def integers(values, type_):
    """Python ints (or None) as an Arrow array of ``type_`` (int64 or a timestamp)."""
    import numpy as np
    pa = _arrow()

    data = np.fromiter((0 if v is None else v for v in values), np.int64, len(values))
    valid, nulls = _validity([v is not None for v in values])
    return pa.Array.from_buffers(pa.int64(), len(data), [valid, pa.py_buffer(data)],
                                 nulls).cast(type_)


def _validity(flags: list[bool]):
    import numpy as np
    pa = _arrow()

    nulls = len(flags) - sum(flags)
    if not nulls:
        return None, 0
    return pa.py_buffer(np.packbits(np.array(flags, bool), bitorder="little")), nulls


def to_numpy(arr):
    """A null-free Arrow int array as a numpy view (``to_numpy`` would import pandas)."""
    import numpy as np

    dtype = {4: np.int32, 8: np.int64}[arr.type.bit_width // 8]
    return np.frombuffer(arr.buffers()[1], dtype)[arr.offset:arr.offset + len(arr)]


def from_numpy(values, type_):
    """A numpy array (int32/int64/uint8) as an Arrow array of ``type_``, zero copy. (``pa.array``
    on a numpy array imports pandas, which alone costs more than parsing 100k lines.)"""
    import numpy as np
    pa = _arrow()

    values = np.ascontiguousarray(values)
    raw = {1: pa.uint8(), 4: pa.int32(), 8: pa.int64()}[values.dtype.itemsize]
    arr = pa.Array.from_buffers(raw, len(values), [None, pa.py_buffer(values)])
    return arr if raw == type_ else arr.cast(type_)


class Block:
    """One block of records: ``table`` (:data:`COLUMNS`) and, when the reader grouped the
    lines by digit shape, ``shapes`` (a shape number per row), ``keys`` (the digit shape of
    each number's message) and ``messages`` (row -> message, decoded on demand)."""

    __slots__ = ("table", "shapes", "keys", "messages")

    def __init__(self, table, shapes=None, keys=None, messages=None):
        self.table, self.shapes, self.keys, self.messages = table, shapes, keys, messages


class TextSpans:
    """Row -> message text, sliced and decoded only when asked for."""

    __slots__ = ("buf", "a", "b")

    def __init__(self, buf, a, b):
        self.buf, self.a, self.b = buf, a, b

    def __getitem__(self, i: int) -> str:
        return self.buf[self.a[i]:self.b[i]].decode("utf-8")

    def __len__(self) -> int:
        return len(self.a)


def conform(table, schema):
    """``table`` with ``schema``'s column types (dictionary columns encoded, others cast)."""
    pa = _arrow()
    cols = []
    for field in schema:
        col = table.column(field.name)
        if col.type != field.type:
            col = col.combine_chunks()
            col = col.dictionary_encode() if pa.types.is_dictionary(field.type) \
                else col.cast(field.type)
        cols.append(col)
    return pa.table(cols, schema=schema)


def views(buf, arr, a, b):
    """A string column of ``buf[a[i]:b[i]]`` without copying the bytes one by one: Arrow
    string views over ``buf`` (16 bytes per row: length, then the value itself when it has
    up to 12 bytes, else its first 4 bytes and its offset), cast to plain strings."""
    import numpy as np
    pa = _arrow()

    n = len(a)
    size = (b - a).astype(np.int32)
    views = np.zeros((n, 4), np.int32)
    views[:, 0] = size
    long = size > 12
    la = a[long]
    prefix = np.zeros((len(la), 4), np.uint8)
    for j in range(4):
        prefix[:, j] = arr[np.minimum(la + j, len(arr) - 1)]
    views[long, 1] = prefix.view(np.int32)[:, 0]
    views[long, 3] = la
    short = np.flatnonzero(~long)
    if len(short):
        j = np.arange(12)
        sa, ss = a[short], size[short]
        inline = np.where(j[None, :] < ss[:, None],
                          arr[np.minimum(sa[:, None] + j[None, :], len(arr) - 1)], 0)
        views.view(np.uint8).reshape(n, 16)[short, 4:16] = inline
    col = pa.Array.from_buffers(pa.string_view(), n, [None, pa.py_buffer(views),
                                                       pa.py_buffer(buf)])
    return col.cast(pa.string())


def repeat(value: str, n: int):
    """``value`` ``n`` times, as a dictionary column (one string stored)."""
    import numpy as np
    pa = _arrow()
    return pa.DictionaryArray.from_arrays(from_numpy(np.zeros(n, np.int32), pa.int32()),
                                          strings([value]))


def per_value(column, fn, type_):
    """``fn`` applied once per distinct value of ``column``, taken back to the rows."""
    pa = _arrow()
    enc = column.dictionary_encode()
    values = [fn(v) for v in enc.dictionary.to_pylist()]
    array = integers(values, type_) if pa.types.is_timestamp(type_) else strings(values)
    return array.take(enc.indices)


def micros(dt: datetime | None) -> int | None:
    if dt is None:
        return None
    return (dt - _EPOCH) // _US


def record_tables(records) -> Iterator:
    """Records gathered into tables of up to :data:`ROWS` rows."""
    cols: list[list] = [[] for _ in COLUMNS]
    appends = [c.append for c in cols]
    for r in records:
        for a, v in zip(appends, (r.source, r.line, micros(r.timestamp), r.service, r.host,
                                  r.level, r.message, ",".join(r.flags) or None)):
            a(v)
        if len(cols[0]) >= ROWS:
            yield _columns_table(cols)
            cols = [[] for _ in COLUMNS]
            appends = [c.append for c in cols]
    if cols[0]:
        yield _columns_table(cols)


def _columns_table(cols):
    pa = _arrow()
    arrays = [integers(c, pa.int64()) if k == "line" else
              integers(c, pa.timestamp("us", tz="UTC")) if k == "timestamp" else strings(c)
              for k, c in zip(COLUMNS, cols)]
    return pa.table(arrays, names=list(COLUMNS))

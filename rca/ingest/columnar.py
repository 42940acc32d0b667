"""Records as Arrow tables, block by block: the column-wise reading ``rca parse`` uses.

:func:`read_tables` yields ``pyarrow.Table`` blocks with :data:`COLUMNS` (``timestamp`` as
``timestamp[us, UTC]``, ``line`` as int64); the rows and values are those of
:func:`rca.ingest.read_records` with the same arguments.

For a Loghub format string (``<Date> <Time> <Level> <Content>``) no Python object is built per
line: a block of bytes is validated as UTF-8 and split into lines by Arrow, the header of every
line is split by ONE vectorised RE2 match (``pyarrow.compute.extract_regex``), and timestamps,
levels and services are worked out once per distinct value and taken back to the rows.
A block holding a line that this cannot decide exactly (a continuation or indented line, a
header that does not fit, undecodable bytes, a line over 4 kB, unusual whitespace, a stamp
the first field plan does not parse) goes through the record path's own
:func:`~rca.ingest.reader.assemble` instead. A block always ends before the last line that
starts a record, so a stack trace is never cut from the record above it. Other formats (JSON,
logfmt, syslog, sniffed text) are read record by record and gathered into the same tables.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from rca.ingest.levels import normalize_level
from rca.ingest.reader import AUTO, MAX_LINE, ReadStats, assemble, read_records
from rca.ingest.sniff import FAMILIES, make_parser
from rca.ingest.source import expand_paths, open_binary, service_from_path
from rca.ingest.timestamps import TimeParser

_SHAPE = bytes.maketrans(b"123456789", b"000000000")  # every digit -> 0

COLUMNS = ("source", "line", "timestamp", "service", "host", "level", "message", "flags")
BLOCK = 4 << 20  # bytes read at a time
ROWS = 1 << 16  # records per table on the record path
_SAFE_LEN = 4096  # longer lines take the record path (its regex fallback stops there)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def is_loghub_format(log_format: str | None) -> bool:
    return log_format not in AUTO and log_format not in FAMILIES


class Block:
    """One block of records: ``table`` (:data:`COLUMNS`) and, when the reader grouped the
    lines by digit shape, ``shapes`` (a shape number per row), ``keys`` (the digit shape of
    each number's message) and ``messages`` (row -> message, decoded on demand)."""

    __slots__ = ("table", "shapes", "keys", "messages")

    def __init__(self, table, shapes=None, keys=None, messages=None):
        self.table, self.shapes, self.keys, self.messages = table, shapes, keys, messages


def read_tables(paths, log_format: str | None = None, service: str | None = None,
                year: int | None = None, tz: str | None = "UTC",
                stats: ReadStats | None = None, max_line: int = MAX_LINE) -> Iterator[Block]:
    """Yield :class:`Block` s of records. Bad inputs and options raise here, before the
    first block, as :func:`read_records` does."""
    stats = stats if stats is not None else ReadStats()
    if not is_loghub_format(log_format) or not _shape_safe_format(log_format):
        records = read_records(paths, log_format, service, year, tz, stats, max_line)
        return (Block(t) for t in _record_tables(records))
    files = expand_paths(paths)
    times = TimeParser(year=year, tz=tz)
    parser = make_parser(log_format, times)  # validates the format
    return _loghub_blocks(files, parser, service, stats, max_line)


def _shape_safe_format(log_format: str) -> bool:
    """True when the format's regex cannot tell one digit from another (no digit, class or
    digit/word escape outside the fields): then lines of the same digit shape split alike."""
    outside = re.sub(r"<[^<>]+>", "", log_format)
    return not re.search(r"[0-9]|(?<!\\)\[|\\[dDwWbB]", outside)


def _loghub_blocks(files, parser, service, stats, max_line):
    for path in files:
        stats.files += 1
        stats.formats[str(path)] = "loghub"
        yield from _file_blocks(Path(path), parser, service, stats, max_line)


def _file_blocks(path: Path, parser, service, stats, max_line):
    source, default = str(path), service or service_from_path(path)
    lineno, first, carry = 1, True, b""
    with open_binary(path) as f:
        while True:
            block = f.read(BLOCK)
            last = not block
            data = carry + block
            if first and data.startswith(b"\xef\xbb\xbf"):
                stats.bytes += 3
                data = data[3:]
            first = False
            if not last:
                cut = data.rfind(b"\n")
                if cut < 0:
                    carry = data
                    continue
                data, carry = data[:cut + 1], data[cut + 1:]
            else:
                carry = b""
            if not data:
                break
            out, used, n_lines = _block(data, lineno, last, parser, source, service, default,
                                        stats, max_line)
            stats.bytes += used
            if used < len(data):
                carry = data[used:] + carry
            lineno += n_lines
            if out is not None and out.table.num_rows:
                yield out
            if last and not carry:
                break


_BLANK, _START, _ODD_LINE = 0, 1, 2


def _block(data: bytes, lineno: int, last: bool, parser, source, service, default, stats,
           max_line):
    """One block of whole lines -> (Block or None, bytes used, lines used)."""
    import numpy as np

    try:
        data.decode("utf-8")
    except UnicodeDecodeError:  # the record path replaces and counts bad bytes
        return _slow_block(data, lineno, parser, source, service, default, stats, max_line)
    buf = data if data.endswith(b"\n") else data + b"\n"
    arr = np.frombuffer(buf, np.uint8)
    ends = np.flatnonzero(arr == 10)
    starts = np.empty(len(ends), np.int64)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    shapes, info = _shapes(buf, starts, parser)
    kind = np.array([i[0] for i in info], np.int8)[shapes]
    n = len(ends)
    if not last:  # stop before the last record start: what follows may continue it
        begins = np.flatnonzero(kind == _START)
        if len(begins) < 2:
            return None, 0, 0
        n = int(begins[-1])
    used = int(starts[n]) if n < len(ends) else len(data)
    if (kind[:n] == _ODD_LINE).any():  # a line the shape split cannot decide: exact path
        out, _, _ = _slow_block(data[:used], lineno, parser, source, service, default, stats,
                                max_line)
        return out, used, n
    keep = np.flatnonzero(kind[:n] == _START)
    block = _fast_rows(buf, arr, starts[keep], shapes[keep], info, lineno + keep, parser,
                       source, service, default)
    if block is None:
        out, _, _ = _slow_block(data[:used], lineno, parser, source, service, default, stats,
                                max_line)
        return out, used, n
    stats.lines += n
    stats.records += len(keep)
    return block, used, n


def _shapes(buf: bytes, starts, parser):
    """Number the lines by digit shape (all digits -> 0) and split each distinct shape once."""
    import numpy as np
    pa = _arrow()

    shaped = buf.translate(_SHAPE)
    offsets = np.append(starts, len(buf)).astype(np.int32)
    lines = pa.BinaryArray.from_buffers(pa.binary(), len(starts),
                                        [None, pa.py_buffer(offsets), pa.py_buffer(shaped)])
    enc = lines.dictionary_encode()
    info = [_shape_info(b, parser) for b in enc.dictionary.to_pylist()]
    return to_numpy(enc.indices), info


_ODD_PY = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029"
                     "\u202f\u205f\u3000\ufeff]")


def _shape_info(raw: bytes, parser) -> tuple:
    """(kind, {field: (start, end) byte offsets in the line}, time span, message key)."""
    text = raw.decode("utf-8").rstrip("\r\n")
    if not text or text.isspace():
        return (_BLANK,)
    if len(text) > _SAFE_LEN or text[0] in " \t" or _ODD_PY.search(text):
        return (_ODD_LINE,)
    m = parser._fast.match(text) or parser._slow.match(text)
    if m is None:
        return (_ODD_LINE,)

    def span(name):
        a, b = m.span(name)
        if a < 0:
            return None
        if text.isascii():
            return a, b
        return len(text[:a].encode()), len(text[:b].encode())

    spans = {k: span(k) for k in (parser._content, parser._level, parser._host,
                                  parser._service) if k}
    when = None
    if parser._plans:
        used = [k for k in parser._plans[0] if m.group(k)]
        for x, y in zip(used, used[1:]):
            if text[m.end(x):m.start(y)] != " ":
                return (_ODD_LINE,)  # joined with one space: only exact when they are
        when = (span(used[0])[0], span(used[-1])[1]) if used else (0, 0)
    c = spans[parser._content] or (0, 0)
    return (_START, spans, when, raw[c[0]:c[1]])


def _fast_rows(buf, arr, starts, shapes, info, lines, parser, source, service, default):
    """The block's table from the per-shape spans; None if a stamp needs another plan."""
    import numpy as np
    pa = _arrow()
    import pyarrow.compute as pc

    n = len(starts)
    uniq = np.flatnonzero(np.bincount(shapes)) if n else shapes
    lookup = {int(k): info[k] for k in uniq}

    def column(field):
        if not field:
            return pa.nulls(n, pa.string())
        rel = np.zeros((int(shapes.max()) + 1 if n else 1, 2), np.int64)
        none = np.zeros(len(rel), bool)
        for k, i in lookup.items():
            sp = i[1][field]
            if sp is None:
                none[k] = True
            else:
                rel[k] = sp
        col = _views(buf, arr, starts + rel[shapes, 0], starts + rel[shapes, 1])
        if none[shapes].any():
            col = pc.if_else(from_numpy(none[shapes].view(np.uint8), pa.bool_()),
                             pa.nulls(n, pa.string()), col)
        return col

    ts = pa.nulls(n, pa.timestamp("us", tz="UTC"))
    if parser._plans:
        rel = np.zeros((int(shapes.max()) + 1 if n else 1, 2), np.int64)
        for k, i in lookup.items():
            rel[k] = i[2]
        text = _views(buf, arr, starts + rel[shapes, 0], starts + rel[shapes, 1])
        ts = _per_value(text, lambda t: _micros(parser._times.parse(t)) if t else None,
                        pa.timestamp("us", tz="UTC"))
        if len(parser._plans) > 1 and ts.null_count:
            return None
    level = _per_value(column(parser._level), normalize_level, pa.string())
    host = column(parser._host)
    if service:
        svc = _repeat(service, n)
    elif parser._service:
        svc = column(parser._service)
        empty = pc.or_kleene(pc.is_null(svc), pc.equal(pc.utf8_length(svc), 0))
        svc = pc.if_else(empty, _repeat(default, n), svc)
    else:
        svc = _repeat(default, n)
    message = column(parser._content)
    table = pa.table([_repeat(source, n), from_numpy(lines.astype(np.int64), pa.int64()), ts, svc, host, level,
                      pc.coalesce(message, strings([""])[0]), pa.nulls(n, pa.string())],
                     names=COLUMNS)
    keys = [info[k][3] if info[k][0] == _START else b"" for k in range(len(info))]
    content = np.array([lookup[int(k)][1][parser._content] or (0, 0) if int(k) in lookup
                        else (0, 0) for k in range(len(info))], np.int64).reshape(-1, 2)
    return Block(table, shapes, keys,
                 _Messages(buf, starts + content[shapes, 0], starts + content[shapes, 1]))


class _Messages:
    """Row -> message text, sliced and decoded only when asked for."""

    __slots__ = ("buf", "a", "b")

    def __init__(self, buf, a, b):
        self.buf, self.a, self.b = buf, a, b

    def __getitem__(self, i: int) -> str:
        return self.buf[self.a[i]:self.b[i]].decode("utf-8")

    def __len__(self) -> int:
        return len(self.a)


def _views(buf, arr, a, b):
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


def _repeat(value: str, n: int):
    import numpy as np
    pa = _arrow()
    return pa.DictionaryArray.from_arrays(from_numpy(np.zeros(n, np.int32), pa.int32()),
                                          strings([value])).cast(
        pa.string())


def _per_value(column, fn, type_):
    """``fn`` applied once per distinct value of ``column``, taken back to the rows."""
    pa = _arrow()
    enc = column.dictionary_encode()
    values = [fn(v) for v in enc.dictionary.to_pylist()]
    array = integers(values, type_) if pa.types.is_timestamp(type_) else strings(values)
    return array.take(enc.indices)


def _micros(dt: datetime | None) -> int | None:
    if dt is None:
        return None
    return (dt - _EPOCH) // _US


def _slow_block(data, lineno, parser, source, service, default, stats, max_line):
    """A block through the record path (exact, per line)."""
    raw_lines = data.split(b"\n")
    if data.endswith(b"\n"):
        raw_lines.pop()
    max_bytes = max_line * 4
    stats.lines += len(raw_lines)
    items = []
    for k, raw in enumerate(raw_lines):
        cut = len(raw) > max_bytes
        if cut:
            raw = raw[:max_bytes]
        try:
            text, bad = raw.decode("utf-8"), False
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
            if cut:
                text = text.rstrip("\ufffd")
            errors = text.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
            bad = errors > 0
            stats.decode_errors += max(errors, 0)
        items.append((lineno + k, text.rstrip("\r\n"), bad, cut))
    records = assemble(iter(items), source, parser, [], service, default, stats, max_line)
    tables = list(_record_tables(records))
    pa = _arrow()
    table = pa.concat_tables(tables) if tables else None
    return (Block(table) if table is not None else None), len(data), len(raw_lines)


def _record_tables(records) -> Iterator:
    """Records gathered into tables of up to :data:`ROWS` rows."""
    pa = _arrow()
    cols: list[list] = [[] for _ in COLUMNS]
    appends = [c.append for c in cols]
    for r in records:
        for a, v in zip(appends, (r.source, r.line, _micros(r.timestamp), r.service, r.host,
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


def _arrow():
    import pyarrow

    return pyarrow


def strings(values) -> "pyarrow.Array":
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


def integers(values, type_) -> "pyarrow.Array":
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


_US = datetime.resolution  # one microsecond (timedelta // timedelta -> int)

"""Records as Arrow tables, block by block: the column-wise reading ``rca parse`` uses.

:func:`read_tables` yields :class:`Block` s whose tables hold :data:`COLUMNS`; rows and values
are those of :func:`rca.ingest.read_records` with the same arguments.

With a Loghub format string no Python object is built per line. A block of whole lines is
checked as UTF-8; its lines are numbered by *digit shape* (every digit set to 0, one C-level
``bytes.translate`` and one Arrow hash) and the format regex runs once per distinct shape (a
format without digits or classes cannot tell digits apart, so lines of one shape split at the
same offsets); fields become Arrow string columns over the block's bytes, stamps and levels are
worked out once per distinct value. A block holding a line this cannot decide exactly
(continuation, indented or foreign line, bad bytes, a line over 4 kB, odd whitespace, a stamp
needing another field plan) goes through the record path's own
:func:`~rca.ingest.reader.assemble`. A block ends before its last record start, so a stack
trace is never cut from its record. Other formats are read record by record into tables.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from rca.ingest.arrow import (COLUMNS, Block, TextSpans, _arrow, from_numpy, micros,
                              per_value, record_tables, repeat, strings, to_numpy, views)
from rca.ingest.exact import ODD_LINE, START, merge, slow_block, slow_lines
from rca.ingest.levels import normalize_level
from rca.ingest.reader import AUTO, MAX_LINE, ReadStats, read_records
from rca.ingest.sniff import FAMILIES, make_parser
from rca.ingest.source import expand_paths, open_binary, service_from_path
from rca.ingest.timestamps import TimeParser

_SHAPE = bytes.maketrans(b"123456789", b"000000000")  # every digit -> 0

BLOCK = 1 << 21  # bytes read at a time (2 MB: fewer per-block calls, memory still flat)
_SAFE_LEN = 4096  # longer lines take the record path (its regex fallback stops there)


def is_loghub_format(log_format: str | None) -> bool:
    return log_format not in AUTO and log_format not in FAMILIES


def read_tables(paths, log_format: str | None = None, service: str | None = None,
                year: int | None = None, tz: str | None = "UTC",
                stats: ReadStats | None = None, max_line: int = MAX_LINE) -> Iterator[Block]:
    """Yield :class:`Block` s of records. Bad inputs and options raise here, before the
    first block, as :func:`read_records` does."""
    stats = stats if stats is not None else ReadStats()
    if not is_loghub_format(log_format) or not _shape_safe_format(log_format):
        records = read_records(paths, log_format, service, year, tz, stats, max_line)
        return (Block(t) for t in record_tables(records))
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


_BLANK = 0


def _block(data: bytes, lineno: int, last: bool, parser, source, service, default, stats,
           max_line, first_plan: bool = True):
    """One block of whole lines -> (Block or None, bytes used, lines used)."""
    import numpy as np

    try:
        data.decode("utf-8")
    except UnicodeDecodeError:  # the record path replaces and counts bad bytes
        return slow_block(data, lineno, parser, source, service, default, stats, max_line)
    buf = data if data.endswith(b"\n") else data + b"\n"
    arr = np.frombuffer(buf, np.uint8)
    ends = np.flatnonzero(arr == 10)
    starts = np.empty(len(ends), np.int64)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    shapes, info = _shapes(buf, starts, parser)
    kind = np.array([i[0] for i in info], np.int8)[shapes]
    lead = np.flatnonzero(kind)[:1]  # the block's first non-blank line

    def replanned(row) -> bool:
        """The block's first record needs another time-field plan: the record path would
        switch to it there, so the whole block is split again with that plan first."""
        return first_plan and row == lead[0] and _replan(parser, buf, starts, ends, int(row))

    def again():
        return _block(data, lineno, last, parser, source, service, default, stats, max_line,
                      first_plan=False)

    if len(lead) and info[shapes[lead[0]]] is _PLAN_ODD and replanned(lead[0]):
        return again()
    n = len(ends)
    if not last:  # stop before the last record start: what follows may continue it
        begins = np.flatnonzero(kind == START)
        if len(begins) < 2:
            return None, 0, 0
        n = int(begins[-1])
    used = int(starts[n]) if n < len(ends) else len(data)
    kind, bounds = kind[:n], np.append(starts[:n], used)
    slow_line = slow_lines(kind)
    keep = np.flatnonzero((kind == START) & ~slow_line)
    fast = _fast_rows(buf, arr, starts[keep], shapes[keep], info, lineno + keep, parser,
                      source, service, default) if len(keep) else None
    if fast is None and len(keep):  # a stamp needs another field plan
        if replanned(keep[0]):
            return again()
        slow_line[:] = True  # a later record: exactly, record by record
    edges = np.flatnonzero(np.diff(np.concatenate(([0], slow_line.view(np.int8), [0]))))
    slow = [slow_block(data[bounds[a]:bounds[b]], lineno + int(a), parser, source, service,
                        default, stats, max_line)[0] for a, b in zip(edges[::2], edges[1::2])]
    stats.lines += n - int(slow_line.sum())
    stats.records += len(keep) if fast is not None else 0
    return merge(fast if not slow_line.all() else None, slow), used, n


def _replan(parser, buf: bytes, starts, ends, row: int) -> bool:
    """Let the record parser find the time-field plan of line ``row`` (it moves the plan
    that parses to the front, as it does reading record by record); True if that changed
    the plan tried first."""
    plan = parser._plans[0]
    parser.parse(buf[starts[row]:ends[row]].decode("utf-8").rstrip("\r"))
    return parser._plans[0] != plan


def _shapes(buf: bytes, starts, parser):
    """Number the lines by digit shape (all digits -> 0) and split each distinct shape once."""
    import numpy as np
    pa = _arrow()

    shaped = buf.translate(_SHAPE)
    offsets = np.append(starts, len(buf)).astype(np.int32)
    lines = pa.BinaryArray.from_buffers(pa.binary(), len(starts),
                                        [None, pa.py_buffer(offsets), pa.py_buffer(shaped)])
    enc = lines.dictionary_encode()
    plan = parser._plans[0] if parser._plans else None
    cache = parser.__dict__.get("_shape_cache")  # shape -> info, across blocks, for one plan
    if cache is None or cache[None] != plan or len(cache) > 8192:  # (ever new shapes: small)
        cache = parser.__dict__["_shape_cache"] = {None: plan}
    fields = tuple(k for k in (parser._content, parser._level, parser._host, parser._service)
                   if k)
    info = []
    for raw in enc.dictionary.to_pylist():
        hit = cache.get(raw)
        if hit is None:
            hit = cache[raw] = _shape_info(raw, parser, fields)
        info.append(hit)
    return to_numpy(enc.indices), info


_PLAN_ODD = (ODD_LINE, "plan")  # a line the first time-field plan cannot split exactly
_ODD_PY = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029"
                     "\u202f\u205f\u3000\ufeff]")


def _shape_info(raw: bytes, parser, fields) -> tuple:
    """(kind, {field: (start, end) byte offsets in the line}, time span, message key)."""
    text = raw.decode("utf-8").rstrip("\r\n")
    if not text or text.isspace():
        return (_BLANK,)
    if len(text) > _SAFE_LEN or text[0] in " \t" or _ODD_PY.search(text):
        return (ODD_LINE,)
    m = parser._fast.match(text) or parser._slow.match(text)
    if m is None:
        return (ODD_LINE,)
    regs, index, ascii_ = m.regs, m.re.groupindex, text.isascii()
    if ascii_:  # character offsets are byte offsets
        spans = {k: regs[index[k]] if regs[index[k]][0] >= 0 else None for k in fields}
    else:
        spans = {k: _byte_span(text, regs[index[k]]) for k in fields}
    when = None
    if parser._plans:
        used = [k for k in parser._plans[0] if m.group(k)]
        for x, y in zip(used, used[1:]):
            if text[m.end(x):m.start(y)] != " ":
                return _PLAN_ODD  # joined with one space: only exact when they are
        when = (0, 0)
        if used:
            a, b = regs[index[used[0]]], regs[index[used[-1]]]
            when = (a[0], b[1]) if ascii_ else (_byte_span(text, a)[0], _byte_span(text, b)[1])
    c = spans[parser._content] or (0, 0)
    return (START, spans, when, raw[c[0]:c[1]])


def _byte_span(text: str, span: tuple[int, int]) -> tuple[int, int] | None:
    """A match span (character offsets, -1 when the group did not take part) in bytes."""
    a, b = span
    if a < 0:
        return None
    return len(text[:a].encode()), len(text[:b].encode())


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
        col = views(buf, arr, starts + rel[shapes, 0], starts + rel[shapes, 1])
        if none[shapes].any():
            col = pc.if_else(from_numpy(none[shapes].view(np.uint8), pa.bool_()),
                             pa.nulls(n, pa.string()), col)
        return col

    ts = pa.nulls(n, pa.timestamp("us", tz="UTC"))
    if parser._plans:
        rel = np.zeros((int(shapes.max()) + 1 if n else 1, 2), np.int64)
        for k, i in lookup.items():
            rel[k] = i[2]
        text = views(buf, arr, starts + rel[shapes, 0], starts + rel[shapes, 1])
        ts = per_value(text, lambda t: micros(parser._times.parse(t)) if t else None,
                        pa.timestamp("us", tz="UTC"))
        if len(parser._plans) > 1 and ts.null_count:
            return None
    level = per_value(column(parser._level), normalize_level, pa.string())
    host = column(parser._host)
    if service:
        svc = repeat(service, n)
    elif parser._service:
        svc = column(parser._service)
        empty = pc.or_kleene(pc.is_null(svc), pc.equal(pc.utf8_length(svc), 0))
        svc = pc.if_else(empty, repeat(default, n), svc)
    else:
        svc = repeat(default, n)
    message = column(parser._content)
    table = pa.table([repeat(source, n), from_numpy(lines.astype(np.int64), pa.int64()), ts, svc, host, level,
                      pc.coalesce(message, strings([""])[0]), pa.nulls(n, pa.string())],
                     names=COLUMNS)
    keys = [info[k][3] if info[k][0] == START else b"" for k in range(len(info))]
    content = np.array([lookup[int(k)][1][parser._content] or (0, 0) if int(k) in lookup
                        else (0, 0) for k in range(len(info))], np.int64).reshape(-1, 2)
    return Block(table, shapes, keys,
                 TextSpans(buf, starts + content[shapes, 0], starts + content[shapes, 1]))

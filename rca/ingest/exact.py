"""The exact (record-by-record) path for the lines of a block that the column-wise split
cannot decide, and the merge of both kinds of rows back into line order.

A record runs from its start line to the next one; a record holding an undecidable line
(a continuation, a foreign line...) goes through :func:`rca.ingest.reader.assemble` with the
lines around it, the rest of the block stays column-wise.
"""

from __future__ import annotations

from rca.ingest.arrow import Block, _arrow, conform, from_numpy, record_tables, to_numpy
from rca.ingest.reader import assemble

START, ODD_LINE = 1, 2  # kinds of line (0: blank)
_SHAPE = bytes.maketrans(b"123456789", b"000000000")  # every digit -> 0


def slow_lines(kind):
    """Lines of the records holding a line the shape split cannot decide (a record runs from
    its start line to the next one; lines before the first start belong to none)."""
    import numpy as np

    odd = kind == ODD_LINE
    if not odd.any():
        return np.zeros(len(kind), bool)
    rec = np.cumsum(kind == START)
    bad = np.zeros(int(rec[-1]) + 1, bool)
    bad[rec[odd]] = True
    return bad[rec]


def merge(fast, slow):
    """The block's column-wise rows and its record-path rows, in line order, as one Block."""
    import numpy as np
    pa = _arrow()
    import pyarrow.compute as pc

    slow = [b for b in slow if b is not None]
    if not slow:
        return fast
    tables = [b.table for b in slow]
    if fast is None:
        return Block(pa.concat_tables(tables))
    schema = fast.table.schema
    table = pa.concat_tables([fast.table] + [conform(t, schema) for t in tables])
    order = to_numpy(pc.sort_indices(table.column("line"))).astype(np.int64)
    messages = [m or "" for t in tables for m in t.column("message").to_pylist()]
    keys = list(fast.keys) + [b"\n" if "\n" in m else m.encode("utf-8", "surrogatepass")
                              .translate(_SHAPE) for m in messages]
    shapes = np.concatenate([fast.shapes, len(fast.keys) + np.arange(len(messages))])
    return Block(table.take(from_numpy(order, pa.int64())), shapes[order], keys,
                 _Merged(fast.messages, messages, order, fast.table.num_rows))


class _Merged:
    """Row -> message of a merged block (column-wise rows first, then record rows)."""

    __slots__ = ("fast", "slow", "order", "n")

    def __init__(self, fast, slow, order, n):
        self.fast, self.slow, self.order, self.n = fast, slow, order, n

    def __getitem__(self, i: int) -> str:
        k = int(self.order[i])
        return self.fast[k] if k < self.n else self.slow[k - self.n]

    def __len__(self) -> int:
        return len(self.order)


def slow_block(data, lineno, parser, source, service, default, stats, max_line):
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
    tables = list(record_tables(records))
    pa = _arrow()
    table = pa.concat_tables(tables) if tables else None
    return (Block(table) if table is not None else None), len(data), len(raw_lines)

"""Many messages through a :class:`~rca.templates.miner.TemplateMiner` at once, with the
result :meth:`TemplateMiner.add` gives line by line.

Messages with the same digit *shape* (digits set to 0) take the miner's fast path together:
between two messages that need real mining (a new shape, or one whose template has just been
merged into another), every message only adds one to its template's size and gets the
template's id. So the batch is cut at those messages; each stretch in between costs a few
array operations, and the sizes are brought up to date before the miner looks at them again.
:func:`add_known` counts messages of masked forms already learnt in bulk (the Dask merge).

>>> from rca.templates import TemplateMiner
>>> codes, ids, texts = add_many(TemplateMiner(), ["took 3 ms", "took 12 ms", "disk full"])
>>> [ids[c] for c in codes] == [ids[0], ids[0], ids[1]], texts
(True, ['took <*>', 'disk full'])
"""

from __future__ import annotations

from typing import Sequence

from rca.templates.cluster import live
from rca.templates.evidence import PROBE
from rca.templates.masking import shape


def add_many(miner, messages: Sequence[str], shapes=None, keys: Sequence[bytes] | None = None):
    """Add ``messages`` in order; return ``(codes, ids, texts)``: per message an index into
    ``ids`` (the template id :meth:`add` would have returned then) and the text of each id.

    ``shapes``/``keys`` (optional): a shape number per message (int array) and the digit
    shape of each number, for a reader that already grouped its lines by shape."""
    import numpy as np

    if shapes is None:
        numbers: dict[bytes, int] = {}
        shapes = np.fromiter((numbers.setdefault(b"\n" if "\n" in m else shape(m), len(numbers))
                              for m in messages), np.int64, len(messages))
        keys = list(numbers)
    shapes = np.asarray(shapes, np.int64)
    n = len(shapes)
    codes = np.empty(n, np.int32)
    ids: list[str] = []
    texts: list[str] = []
    code_of: dict[str, int] = {}
    live = np.full(len(keys), -1, np.int32)  # shape -> code of its fast cluster, -1 if none
    checked = np.zeros(len(keys), bool)  # its template has constants restored from evidence
    checks: dict[int, tuple] = {}  # shape -> (values getter, the values its messages need)
    clusters: dict[int, object] = {}  # code -> cluster object (to add sizes, check merges)
    fast = miner._fast

    def code(cid: str, text: str) -> int:
        k = code_of.get(cid)
        if k is None:
            k = code_of[cid] = len(ids)
            ids.append(cid)
            texts.append(text)
        return k

    def refresh(k: int) -> None:
        e = fast.get(keys[k])
        if e is not None and e[0].merged_into is None and e[3] != PROBE:
            live[k] = code(e[0].id, e[0].template)
            clusters[int(live[k])] = e[0]
            checked[k] = e[3] is not None
            if checked[k]:
                checks[k] = e[3]
        else:
            live[k] = -1

    for k in range(len(keys)):
        refresh(k)
    pos, merges = 0, miner._merges
    while pos < n:
        if live[shapes[pos]] >= 0:  # a fast stretch: ids by look-up, sizes by counting
            stop = _stretch_end(live, shapes, pos)
            for i in pos + np.flatnonzero(checked[shapes[pos:stop]]):  # (check those rows)
                getter, values = checks[int(shapes[i])]
                if getter(messages[i]) != values:
                    stop = int(i)  # another value at a restored constant: the slow path
                    break
            codes[pos:stop] = live[shapes[pos:stop]]
            hits = np.bincount(codes[pos:stop], minlength=len(ids))
            for k in np.flatnonzero(hits):
                clusters[int(k)].size += int(hits[k])
            pos = stop
            if pos >= n or live[shapes[pos]] < 0:
                continue  # (else stopped by a check: that message is added one by one)
        m = miner.add(messages[pos])
        codes[pos] = code(m.template_id, m.template)
        if miner._merges != merges:  # templates were merged: re-check their shapes
            merges = miner._merges
            dead = [k for k, c in clusters.items() if c.merged_into is not None]
            for k in dead:
                del clusters[k]
            for k in np.flatnonzero(np.isin(live, dead)):
                refresh(int(k))
        refresh(int(shapes[pos]))
        pos += 1
    return codes, ids, texts


def add_known(miner, counts: dict[str, int]) -> bool:
    """Count more messages of masked forms the miner has learnt, as that many calls of
    :meth:`~rca.templates.miner.TemplateMiner.add` would: such a call only adds one to its
    template's size (the result of a masked form is remembered). ``counts``: masked text ->
    number of messages. When one of them is not remembered (the bounded cache dropped it), or
    with ``const_min`` (then each message's masked values count), nothing changes and the
    answer is False: add those messages one by one."""
    cache = miner._cache
    if miner.const_min or any(masked not in cache for masked in counts):
        return False
    for masked, n in counts.items():
        c = cache[masked]
        if c.merged_into is not None:
            c = cache[masked] = live(c)
        c.size += n
    return True


def _stretch_end(live, shapes, pos: int) -> int:
    """First row at or after ``pos`` whose shape has no fast cluster (windows growing 4x,
    so a stretch costs time in proportion to its length)."""
    import numpy as np

    n, width = len(shapes), 256
    while True:
        bad = np.flatnonzero(live[shapes[pos:pos + width]] < 0)
        if len(bad):
            return pos + int(bad[0])
        if pos + width >= n:
            return n
        width *= 4

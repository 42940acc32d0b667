"""The merge step, on the client: one template miner learns the whole corpus from what the
partitions sent back, so template ids are consistent across partitions and equal to what
one process reading the files in order would find.

Why this is the same result as one process: the miner's templates change only when it meets
a masked message it has not seen before, and how they change depends on the templates so
far and their sizes. Each partition sent its distinct masked messages (with a message that
shows each) and one code per record in order; replaying the codes partition by partition feeds
the miner the same sequence of masked messages, hence the same templates and sizes, while the
expensive part (reading, parsing, masking every line) ran on the workers. Only a form the
miner has not met is mined; the records between two such forms only add one each to their
templates' sizes, which one ``np.bincount`` and one size update per distinct form do
(:meth:`~rca.templates.miner.TemplateMiner.add_known`), so the client's work grows with the
number of distinct forms, not of lines. Partitions are replayed as soon as all partitions
before them have arrived, while the workers read the later ones.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass
class Merged:
    """Per partition (by position): the final template id and text of each local code;
    per final template id: its number of records and the earlier ids it had."""

    ids: list[np.ndarray]
    texts: list[np.ndarray]
    counts: dict[str, int]
    aliases: dict[str, list[str]]


class Replay:
    """Feeds map results, in reading order, to ``miner`` as they become available."""

    def __init__(self, miner):
        self.miner = miner
        self.next = 0
        self.first_id: dict[str, str] = {}  # masked text -> id handed out when first met

    def ready(self, results: list) -> None:
        """Replay every partition whose predecessors have all been replayed."""
        while self.next < len(results) and results[self.next] is not None:
            self._replay(results[self.next])
            self.next += 1

    def _replay(self, res) -> None:
        first_id, masked = self.first_id, [m for m, _ in res.masked]
        codes = res.codes
        if not len(codes):
            return
        # codes are numbered in order of first appearance: code k first occurs at firsts[k]
        _, firsts = np.unique(codes, return_index=True)
        new = sorted(int(firsts[k]) for k, m in enumerate(masked) if m not in first_id)
        pos = 0
        for start in new + [len(codes)]:
            self._repeat(res, codes[pos:start])  # records of masked forms met before
            if start < len(codes):
                code = int(codes[start])
                first_id[masked[code]] = self.miner.add(res.masked[code][1]).template_id
            pos = start + 1

    def _repeat(self, res, codes: np.ndarray) -> None:
        """Records whose masked forms the miner has met: each adds one to its template's
        size, which the sizes of the distinct forms do at once (they are fed one by one only
        when the miner's bounded cache dropped one of them)."""
        if not len(codes):
            return
        seen, hits = np.unique(codes, return_counts=True)  # (not bincount: O(len(codes)))
        counts = {res.masked[k][0]: n for k, n in zip(seen.tolist(), hits.tolist())}
        if not self.miner.add_known(counts):
            deque(map(self.miner.add, [res.masked[k][1] for k in codes.tolist()]), maxlen=0)

    def finish(self, results: list) -> Merged:
        """Replay what is left; map every partition's local codes to final template ids."""
        self.ready(results)
        templates = self.miner.templates
        resolve = self.miner.resolve
        final = {masked: resolve(tid) for masked, tid in self.first_id.items()}
        ids, texts = [], []
        counts: dict[str, int] = {}
        for res in results:
            local = [final[masked] for masked, _ in res.masked]
            ids.append(np.asarray(local, dtype=object))
            texts.append(np.asarray([templates.get(t, "") for t in local], dtype=object))
            if local:
                for tid, n in zip(local, np.bincount(res.codes, minlength=len(local)).tolist()):
                    counts[tid] = counts.get(tid, 0) + n
        aliases: dict[str, set[str]] = {}
        for masked, tid in self.first_id.items():
            if final[masked] != tid:
                aliases.setdefault(final[masked], set()).add(tid)
        return Merged(ids, texts, counts, {k: sorted(v) for k, v in aliases.items()})


def merge_partitions(results: list, miner) -> Merged:
    """Replay all ``results`` (map results in reading order) into ``miner`` at once."""
    return Replay(miner).finish(results)

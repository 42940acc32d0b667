"""Constants from evidence: a masked token that never varies becomes a constant again.

Masking works on a token's look: ``http2``, ``v002``, ``sha256``, ``x86_64`` or ``log4j`` hold a
digit, so the ``digits`` rule makes them ``<*>`` at first sight. Whether a position is a
variable is a question about many messages, not one token: a *word-like* masked value (it
starts with a letter, holds short digit runs only, no dot, dash or address punctuation:
:data:`_WORDLIKE`) is watched at its
position of a new template; when ``const_min`` messages of that template in a row all had
the same value there, the position is restored to that value (the template text changes, so
its id does too: the old id becomes an alias, as when a template generalises). A position that
shows another value before that stops being watched and stays ``<*>``; a restored constant
that later meets another value (with everything else equal) becomes ``<*>`` again, for good,
and takes back the id it had before it was restored.

:class:`Evidence` is a mixin of :class:`~rca.templates.miner.TemplateMiner` (it reads the
miner's indexes and settings; :class:`~rca.templates.index.TemplateIndex` changes them).

>>> from rca.templates import TemplateMiner
>>> miner = TemplateMiner(const_min=3)
>>> [miner.add(f"negotiated http2 with peer {n}").template for n in (1, 2, 3)][-1]
'negotiated http2 with peer <*>'
>>> miner.add("negotiated http3 with peer 4").template
'negotiated <*> with peer <*>'
"""

from __future__ import annotations

import re
from operator import itemgetter

from rca.templates.cluster import Cluster, live
from rca.templates.masking import _DIGIT, WILDCARD  # (_DIGIT: "holds a digit", one home)
from rca.templates.tokens import tokenize

#: A masked value that may turn out to be a constant: word-like - a letter first, then letters,
#: underscores and runs of at most 3 digits (``http2``, ``v002``, ``x86_64``, ``log4j``), no
#: dot, dash, slash or colon (host, file and dotted names, addresses) and no long number
#: (``job_1445144423722``, a counter or a timestamp inside an id).
_WORDLIKE = re.compile(r"[A-Za-z][A-Za-z_]*(?:[0-9]{1,3}(?![0-9])[A-Za-z_]*)+")

#: Fast-path marker: messages of this shape go through the slow path (evidence is collected).
PROBE = "probe"


def raw_values(tokens: list[str], spans, message: str) -> dict[int, str]:
    """Token index -> masked value, for the whole-token ``<*>`` whose value is word-like."""
    out, j = {}, 0
    for i, t in enumerate(tokens):
        if WILDCARD in t:
            if t == WILDCARD and j < len(spans):
                a, b = spans[j]
                value = message[a:b]
                if _WORDLIKE.fullmatch(value):
                    out[i] = value
            j += t.count(WILDCARD)
    return out


def pinned(c: Cluster) -> bool:
    """Can the template be more specific than a masked message (it holds a digit)?"""
    return _DIGIT.search(c.template) is not None


def agrees(c: Cluster, tokens: list[str], raw: dict[int, str]) -> bool:
    """Does a message (its masked tokens and raw values) fit a template's constants?"""
    if len(tokens) != len(c.tokens):
        return True  # (a template of another length: found by its skeleton or list)
    return all(a == b or b != WILDCARD or a == WILDCARD or raw.get(i) == a
               for i, (a, b) in enumerate(zip(c.tokens, tokens)))


class Evidence:
    """Watch, restore and un-restore word-like masked values (a mixin of the miner)."""

    def _cached(self, masked: str, spans, message: str):
        """The template remembered for a masked text, if the message fits its constants;
        with the tokens and word-like raw values when they had to be computed."""
        c = self._cache.get(masked)
        if c is None:
            return None, None, None
        c = live(c)
        if c.probe is None and not pinned(c):
            return c, None, None
        tokens = tokenize(masked)
        raw = raw_values(tokens, spans, message)
        return (c if agrees(c, tokens, raw) else None), tokens, raw

    def _watch(self, c: Cluster, tokens: list[str], raw: dict[int, str]) -> None:
        """A new template starts watching its word-like masked values."""
        if self.const_min and raw:
            c.probe, c.probe_n = dict(raw), 1
            if c.probe_n >= self.const_min:
                self._restore(c)

    def _observe(self, c: Cluster, tokens: list[str], raw: dict[int, str]) -> Cluster:
        """One more message of a watched template: keep the positions whose value is the
        same; restore them once ``const_min`` messages agreed."""
        if len(tokens) != len(c.tokens):
            c.probe = None
            return c
        probe = {i: v for i, v in c.probe.items() if raw.get(i, tokens[i]) == v}
        c.probe = probe or None
        c.probe_n += 1
        if probe and c.probe_n >= self.const_min:
            return self._restore(c)
        return c

    def _restore(self, c: Cluster) -> Cluster:
        tokens = list(c.tokens)
        for i, v in c.probe.items():
            tokens[i] = v
        c.probe = None
        return self._retemplate(c, tokens, c.fixed)

    def _unrestore(self, tokens: list[str], raw: dict[int, str]) -> Cluster | None:
        """A template equal to the message except at restored constants, where the message
        has another value: those positions are variables after all."""
        for c in list(self._by_len.get(len(tokens), ())):
            if not pinned(c):
                continue
            diff = []
            for i, (a, b) in enumerate(zip(c.tokens, tokens)):
                if a != b and a != WILDCARD:
                    if b != WILDCARD or i not in raw or not _DIGIT.search(a):
                        break
                    if raw[i] != a:
                        diff.append(i)
            else:
                if diff:
                    new = list(c.tokens)
                    for i in diff:
                        new[i] = WILDCARD
                    return self._retemplate(c, new, c.fixed)
        return None

    def _fast_entry(self, c: Cluster, masked: str, tokens, spans, values):
        """The fast-path entry for a message shape: ``(cluster, exact values getter or None,
        values getter, check)``; check ``None`` (none needed), :data:`PROBE` (take the slow
        path) or ``(getter, expected)`` (the values at restored constants must be these)."""
        if c.probe is not None:
            return (c, None, values, PROBE)
        if c.template == masked:
            return (c, values, values, None)
        if not pinned(c):
            return (c, None, values, None)
        if tokens is None or len(tokens) != len(c.tokens):
            return (c, None, values, PROBE)
        at, j = {}, 0
        for i, t in enumerate(tokens):
            if t == WILDCARD and c.tokens[i] != WILDCARD:
                at[j] = c.tokens[i]
            j += t.count(WILDCARD)
        if not at:
            return (c, None, values, None)
        slices = [slice(*spans[j]) for j in at]
        getter = itemgetter(*slices) if len(slices) > 1 else (lambda m, s=slices[0]: (m[s],))
        return (c, None, values, (getter, tuple(at.values())))

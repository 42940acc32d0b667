"""The online template miner: masked token sequences grouped into templates (Drain family).

How a message finds its template (:meth:`TemplateMiner.add`):

1. mask it (:mod:`rca.templates.masking`: IPs, ids, numbers, paths... become ``<*>``) and
   tokenise it (:mod:`rca.templates.tokens`: whitespace and ``= : , ( ) [ ] " '`` split tokens
   and stay in the template);
2. a template of the same length whose constant tokens all equal the message's -> that one;
3. else the most similar template of the same length (share of equal tokens >= ``sim_th``) is
   generalised: the differing tokens become ``<*>``. Two different plain words never make a
   variable this way ("VM Started" vs "VM Paused" are two events), nor does punctuation;
4. else, Brain-style evidence for a variable made of plain words: when templates that differ
   from each other in one word only have shown ``word_var_min`` distinct, mostly rare words at
   that position (user names, hive names), the position becomes ``<*>``;
5. else a template with the same *skeleton* (its sequence of constant words, ignoring
   wildcards and punctuation) absorbs it: the stretches that differ become one ``<*>``, so a
   variable that spans several tokens ("1190 bytes (1.16 KB)" vs "0 bytes") still groups;
   An optional decorated part is found the same way: ``connected to pool(<*>)`` joins
   ``connected to <*>`` (and turns a template of the first form into the second);
6. else, evidence that a list has a variable length: a template that equals the message once
   each one's trailing run of >= ``list_min`` equal items holding a ``<*>`` is collapsed to
   one ``<*>`` (``nodes down: <*> <*> <*>`` vs the same with five items) becomes that
   collapsed template; a list seen with one length only keeps its slots;
7. else it starts a new template.

With ``const_min`` > 0, a word-like masked value (``http2``, ``v002``) that stays the same in
``const_min`` messages of a template in a row is restored to a constant; one that varies stays
``<*>`` (:mod:`rca.templates.evidence`).

The hot path never gets there: the result for a message *shape* (its digits all set to 0) is
cached, so the next "Receiving block blk_<other digits> ..." costs a ``bytes.translate`` and a
dictionary look-up, and its parameters are sliced out at the cached positions.

Template ids are the first 8 hex digits of the SHA-1 of the template text, so the same
template gets the same id in every process and shard. When a template is generalised its text,
hence its id, changes: the old id becomes an *alias* of the new one (:meth:`resolve`), and two
templates that generalise to the same text are merged the same way. Ids already handed out
therefore always resolve to the current template.

Only the first line of a message is templated (stack traces attached by the reader follow it).

>>> miner = TemplateMiner()
>>> miner.add("Took 3.5s to spawn instance 9").template
'Took <*> to spawn instance <*>'
>>> r = miner.add("user alice logged in from 10.0.0.1")
>>> r = miner.add("user bob logged in from 10.0.0.2")
>>> r.template, r.params, r.is_new
('user <*> logged in from <*>', ('bob', '10.0.0.2'), False)
>>> miner.match("user carol logged in from 10.0.0.3").template_id == r.template_id
True
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Sequence

from rca.templates import miner_state
from rca.templates.cluster import Cluster, live, template_id, values_getter
from rca.templates.evidence import PROBE, Evidence, raw_values
from rca.templates.grouping import Grouping
from rca.templates.index import TemplateIndex
from rca.templates.masking import _SHAPE, Masker, _bounded_put, shape_safe
from rca.templates.miner_state import STATE_FORMAT
from rca.templates.state import read_json, write_json_atomic
from rca.templates.tokens import collapse_list, skeleton, strip_decor, tokenize

__all__ = ["STATE_FORMAT", "TemplateMatch", "TemplateMiner", "template_id"]


class TemplateMatch(NamedTuple):
    """The template a message belongs to, the values at its ``<*>`` positions, and whether
    the template was created by this message. (A named tuple: cheap to create per line.)"""

    template_id: str
    template: str
    params: tuple[str, ...] = ()
    is_new: bool = False


_new_match = tuple.__new__  # builds a TemplateMatch without the Python-level __new__


class TemplateMiner(Grouping, Evidence, TemplateIndex):
    """Online template miner with JSON state. See the module docstring for the algorithm.

    Parameters
    ----------
    sim_th : share of equal tokens for a message to generalise a same-length template.
    masker : masking rules (default: the packaged ``masking.yaml``).
    max_cache : number of distinct masked messages (and of message shapes) remembered; the
        masked ones are saved with the state so ``match`` returns what ``add`` returned.
    skeleton_merge : let templates absorb messages of another length (step 5).
    generalise_words : let two different plain words make a variable (off: step 3).
    word_var_min : distinct words that make a word position a variable (step 4; 0 = off).
    list_min : a run of this many equal items holding a ``<*>`` (``<*> <*> <*>``) is one
        ``<*>``: a variable-length list is one variable (0 = off).
    const_min : messages of a template in a row with the same word-like masked value
        (``http2``, ``v002``) at a position that make it a constant again
        (:mod:`rca.templates.evidence`; 0 = off).

    The defaults are the same for every log source. They are the setting a leave-one-system-
    out protocol over the 12 Loghub 2k systems picks (``benchmarks/parsing.py``: chosen on 11
    systems, scored on the 12th; the shipped default is the choice on all 12).
    """

    def __init__(self, sim_th: float = 0.6, masker: Masker | None = None,
                 max_cache: int = 100_000, skeleton_merge: bool = True,
                 generalise_words: bool = False, word_var_min: int = 5, list_min: int = 2,
                 const_min: int = 0):
        self.sim_th = sim_th
        self.masker = masker
        self.max_cache = max_cache
        self.skeleton_merge = skeleton_merge
        self.generalise_words = generalise_words
        self.word_var_min = word_var_min
        self.list_min = list_min
        self.const_min = const_min
        self._reset()

    # -- state ------------------------------------------------------------------------------
    def _reset(self) -> None:
        self.masker_ = self.masker or Masker.default()
        self._clusters: dict[str, Cluster] = {}  # live clusters by id
        self._by_len: dict[int, list[Cluster]] = {}
        self._by_skel: dict[tuple[str, ...], Cluster] = {}
        self._by_text: dict[str, Cluster] = {}
        self._aliases: dict[str, str] = {}
        self._merges = 0  # templates replaced so far (the alias count can stay: evidence)
        self._cache: dict[str, Cluster] = {}
        self._fast: dict[bytes, tuple] = {}  # message shape -> (cluster, params getters)
        self._votes: dict[tuple[str, int], dict[str, int]] = {}
        self._by_list: dict[str, Cluster] = {}  # template with its lists collapsed -> cluster
        self._by_decor: dict[str, Cluster] = {}  # template without its decorations -> cluster

    # -- mining -----------------------------------------------------------------------------
    def add(self, message: str) -> TemplateMatch:
        """Learn from one message and return its template (online)."""
        if "\n" in message:
            message = message.split("\n", 1)[0]
        key = message.encode("utf-8", "surrogatepass").translate(_SHAPE)
        e = self._fast.get(key)
        if e is not None:
            c = e[0]
            if c.merged_into is None:  # a cluster's template never changes in place
                if e[1] is not None:
                    c.size += 1
                    return _new_match(TemplateMatch, (c.id, c.template, e[1](message), False))
                check = e[3]  # (restored constants: their values must be the same)
                if check is None or (check is not PROBE and check[0](message) == check[1]):
                    c.size += 1
                    return TemplateMatch(c.id, c.template,
                                         self._params(c, message, e[2](message)), False)
        return self._add_slow(message, key)

    def _add_slow(self, message: str, key: bytes) -> TemplateMatch:
        masked, spans, _ = self.masker_.resolve(message, remember=False)  # _fast caches
        c, tokens, raw = self._cached(masked, spans, message)
        is_new = False
        if c is None:
            if tokens is None:
                tokens = tokenize(masked)
                raw = raw_values(tokens, spans, message) if self.const_min else {}
            c = self._find(tokens, raw)
            if c is None:
                c = self._new(tokens)
                is_new = True
                self._watch(c, tokens, raw)
                c = live(c)
        if c.probe is not None and not is_new:  # (tokens, raw: computed for a watched one)
            c = self._observe(c, tokens, raw)
        if self._cache.get(masked) is not c:
            self._remember(masked, c)
        c.size += 1
        values = values_getter(spans)
        if shape_safe(masked):
            _bounded_put(self._fast, key, self._fast_entry(c, masked, tokens, spans, values),
                         self.max_cache)
        if c.template == masked:
            return TemplateMatch(c.id, c.template, values(message), is_new)
        return TemplateMatch(c.id, c.template, self._params(c, message, values(message)), is_new)

    def _find(self, tokens: list[str], raw: dict[int, str]) -> Cluster | None:
        """Steps 2-6 of the module docstring: the template a new masked message joins."""
        c = self._lookup(tokens, raw)
        if c is None and self.const_min:
            c = self._unrestore(tokens, raw)
        if c is None:
            c = self._generalise(tokens, raw)
        if c is None and self.word_var_min:
            c = self._word_vote(tokens)
        if c is None and self.skeleton_merge:
            c = self._absorb(tokens) or self._decor_merge(tokens)
        if c is None and self.list_min:
            c = self._list_merge(tokens)
        return c

    def add_many(self, messages: Sequence[str], shapes=None, keys=None):
        """:meth:`add` for a batch, without the parameters: ``(codes, ids, texts)``, per
        message an index into ``ids`` (the id :meth:`add` would have returned) and the text
        of each id. See :func:`rca.templates.batch.add_many`."""
        from rca.templates.batch import add_many

        return add_many(self, messages, shapes, keys)

    def add_known(self, counts: dict[str, int]) -> bool:
        """Count more messages of masked forms already learnt, in bulk; False (nothing
        changed) when that is not exact. See :func:`rca.templates.batch.add_known`."""
        from rca.templates.batch import add_known

        return add_known(self, counts)

    def fit_transform(self, messages: Iterable[str]) -> list[TemplateMatch]:
        """Add all messages, then return each one's FINAL template (ids resolved after the
        whole batch, so lines seen before a template was generalised get its final form and
        the parameters at its ``<*>`` positions)."""
        messages = list(messages)
        out = [self.add(m) for m in messages]
        for k, (message, m) in enumerate(zip(messages, out)):
            cid = self.resolve(m.template_id)
            if cid != m.template_id:
                c = self._clusters[cid]
                first = message.split("\n", 1)[0]
                out[k] = TemplateMatch(cid, c.template, self._params(c, first, m.params),
                                       m.is_new)
        return out

    def match(self, message: str) -> TemplateMatch | None:
        """The template a message belongs to, without learning (inference). ``None`` if none."""
        if "\n" in message:
            message = message.split("\n", 1)[0]
        masked, spans = self.masker_.mask_spans(message)
        values = tuple([message[a:b] for a, b in spans])
        c, tokens, raw = self._cached(masked, spans, message)
        if c is None:
            if tokens is None:
                tokens = tokenize(masked)
                raw = raw_values(tokens, spans, message) if self.const_min else {}
            c = self._lookup(tokens, raw)
            if c is None:
                c = self._most_similar(tokens, raw)[0]
            if c is None and self.skeleton_merge:
                sk = skeleton(tokens)
                c = self._by_skel.get(sk) if sk else None
                c = c or self._by_text.get("".join(strip_decor(tokens)))
                c = live(c) if c is not None else None
            if c is None and self.list_min:
                other = self._by_list.get("".join(collapse_list(tokens, self.list_min)))
                c = live(other) if other is not None else None
            if c is None:
                return None
        if c.template == masked:
            return TemplateMatch(c.id, c.template, values, False)
        return TemplateMatch(c.id, c.template, self._params(c, message, values), False)

    def _params(self, c: Cluster, message: str, values: tuple[str, ...]) -> tuple[str, ...]:
        """Values at the ``<*>`` of a generalised template (the masked values when the template
        regex does not fit, or the message is too long to risk backtracking on)."""
        if len(message) > 2000:
            return values
        m = c.regex().fullmatch(message)
        return tuple(m.groups()) if m else values

    def _remember(self, masked: str, c: Cluster) -> None:
        _bounded_put(self._cache, masked, c, self.max_cache)

    # -- persistence ------------------------------------------------------------------------
    def to_json(self) -> dict:
        """Plain-JSON state (templates, sizes, aliases, remembered masked messages, config)."""
        return miner_state.to_json(self)

    @classmethod
    def from_json(cls, state: dict) -> "TemplateMiner":
        """Rebuild a miner from :meth:`to_json` output."""
        return miner_state.from_json(cls, state)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the state as JSON atomically (temporary file in the same folder + rename)."""
        return write_json_atomic(path, self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TemplateMiner":
        """Read a state written by :meth:`save`."""
        return cls.from_json(read_json(path, what="template state"))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.templates.items())

    def __len__(self) -> int:
        return len(self._clusters)

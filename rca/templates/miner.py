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
6. else it starts a new template.

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

import hashlib
import os
import re
from operator import itemgetter
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Sequence

from rca.errors import ModelError
from rca.templates.masking import _SHAPE, WILDCARD, Masker, _bounded_put, shape_safe
from rca.templates.state import read_json, write_json_atomic
from rca.templates.tokens import DELIMS, align, collapse, is_word, skeleton, tokenize

STATE_FORMAT = "rca.templates/1"

_ALNUM = re.compile(r"[A-Za-z0-9]|<\*>")
_ALPHA = re.compile(r"[A-Za-z]+[.!?;+\-*]?")


class TemplateMatch(NamedTuple):
    """The template a message belongs to, the values at its ``<*>`` positions, and whether
    the template was created by this message. (A named tuple: cheap to create per line.)"""

    template_id: str
    template: str
    params: tuple[str, ...] = ()
    is_new: bool = False


_new_match = tuple.__new__  # builds a TemplateMatch without the Python-level __new__


def template_id(template: str) -> str:
    """Stable id of a template text: 8 hex digits of its SHA-1.

    >>> template_id("user <*> logged in")
    '0db1c5fa'
    """
    return hashlib.sha1(template.encode("utf-8")).hexdigest()[:8]


class _Cluster:
    __slots__ = ("tokens", "template", "id", "size", "fixed", "merged_into", "_rx", "n_const",
                 "word_vars")

    def __init__(self, tokens: list[str], cid: str, size: int = 0, fixed: bool = True):
        self.tokens = tokens
        self.template = "".join(tokens)
        self.id = cid
        self.size = size
        self.fixed = fixed  # False once it absorbed a message of another length
        self.merged_into: _Cluster | None = None
        self._rx: re.Pattern[str] | None = None
        self.n_const = sum(1 for t in tokens if t != WILDCARD and t != " ")
        self.word_vars: frozenset[int] = frozenset()  # wildcards that also take plain words

    def regex(self) -> re.Pattern[str]:
        if self._rx is None:
            parts = []
            for t in self.tokens:
                if t == WILDCARD:
                    parts.append("(.*?)")
                elif t == " ":
                    parts.append(r"\s+")
                else:
                    parts.append(re.escape(t).replace(re.escape(WILDCARD), "(.*?)"))
            self._rx = re.compile(r"\s*" + "".join(parts) + r"\s*", re.DOTALL)
        return self._rx


def _no_values(message: str) -> tuple[str, ...]:
    return ()


def _values_getter(spans: tuple[tuple[int, int], ...]):
    """A C-speed function message -> masked values, for messages of one shape."""
    if not spans:
        return _no_values
    if len(spans) == 1:  # itemgetter with one item would return a bare string
        a, b = spans[0]
        return lambda message: (message[a:b],)
    return itemgetter(*[slice(a, b) for a, b in spans])


def _live(c: _Cluster) -> _Cluster:
    while c.merged_into is not None:
        c = c.merged_into
    return c


class TemplateMiner:
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

    The defaults are the same for every log source; they were chosen on the 12 Loghub 2k
    systems (``benchmarks/parsing.py``).
    """

    def __init__(self, sim_th: float = 0.6, masker: Masker | None = None,
                 max_cache: int = 100_000, skeleton_merge: bool = True,
                 generalise_words: bool = False, word_var_min: int = 5):
        self.sim_th = sim_th
        self.masker = masker
        self.max_cache = max_cache
        self.skeleton_merge = skeleton_merge
        self.generalise_words = generalise_words
        self.word_var_min = word_var_min
        self._reset()

    # -- state ------------------------------------------------------------------------------
    def _reset(self) -> None:
        self.masker_ = self.masker or Masker.default()
        self._clusters: dict[str, _Cluster] = {}  # live clusters by id
        self._by_len: dict[int, list[_Cluster]] = {}
        self._by_skel: dict[tuple[str, ...], _Cluster] = {}
        self._by_text: dict[str, _Cluster] = {}
        self._aliases: dict[str, str] = {}
        self._cache: dict[str, _Cluster] = {}
        self._fast: dict[bytes, tuple] = {}  # message shape -> (cluster, params getters)
        self._votes: dict[tuple[str, int], dict[str, int]] = {}

    @property
    def templates(self) -> dict[str, str]:
        """Current templates: id -> template text."""
        return {cid: c.template for cid, c in self._clusters.items()}

    @property
    def sizes(self) -> dict[str, int]:
        """Number of messages added to each current template."""
        return {cid: c.size for cid, c in self._clusters.items()}

    def resolve(self, template_id: str) -> str:
        """The current id of a template id handed out earlier (itself if still current)."""
        seen = 0
        while template_id in self._aliases and seen < 1000:
            template_id = self._aliases[template_id]
            seen += 1
        return template_id

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
                c.size += 1
                if e[1] is not None:
                    return _new_match(TemplateMatch, (c.id, c.template, e[1](message), False))
                return TemplateMatch(c.id, c.template, self._params(c, message, e[2](message)),
                                     False)
        return self._add_slow(message, key)

    def _add_slow(self, message: str, key: bytes) -> TemplateMatch:
        masked, spans, _ = self.masker_.resolve(message, remember=False)  # _fast caches
        c = self._cache.get(masked)
        is_new = False
        if c is None:
            tokens = tokenize(masked)
            c = self._lookup(tokens)
            if c is None:
                c = self._generalise(tokens)
            if c is None and self.word_var_min:
                c = self._word_vote(tokens)
            if c is None and self.skeleton_merge:
                c = self._absorb(tokens)
            if c is None:
                c = self._new(tokens)
                is_new = True
            self._remember(masked, c)
        elif c.merged_into is not None:
            c = _live(c)
            self._cache[masked] = c
        c.size += 1
        values = _values_getter(spans)
        exact = c.template == masked
        if shape_safe(masked):
            _bounded_put(self._fast, key, (c, values if exact else None, values), self.max_cache)
        if exact:
            return TemplateMatch(c.id, c.template, values(message), is_new)
        return TemplateMatch(c.id, c.template, self._params(c, message, values(message)), is_new)

    def add_many(self, messages: Sequence[str], shapes=None, keys=None):
        """:meth:`add` for a batch, without the parameters: ``(codes, ids, texts)``, per
        message an index into ``ids`` (the id :meth:`add` would have returned) and the text
        of each id. See :func:`rca.templates.batch.add_many`."""
        from rca.templates.batch import add_many

        return add_many(self, messages, shapes, keys)

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
        masked, values = self.masker_.mask(message)
        c = self._cache.get(masked)
        if c is not None:
            c = _live(c)
        else:
            tokens = tokenize(masked)
            c = self._lookup(tokens)
            if c is None:
                c = self._most_similar(tokens)[0]
            if c is None and self.skeleton_merge:
                sk = skeleton(tokens)
                c = _live(self._by_skel[sk]) if sk and sk in self._by_skel else None
            if c is None:
                return None
        if c.template == masked:
            return TemplateMatch(c.id, c.template, values, False)
        return TemplateMatch(c.id, c.template, self._params(c, message, values), False)

    def _params(self, c: _Cluster, message: str, values: tuple[str, ...]) -> tuple[str, ...]:
        """Values at the ``<*>`` of a generalised template (the masked values when the template
        regex does not fit, or the message is too long to risk backtracking on)."""
        if len(message) > 2000:
            return values
        m = c.regex().fullmatch(message)
        return tuple(m.groups()) if m else values

    def _remember(self, masked: str, c: _Cluster) -> None:
        _bounded_put(self._cache, masked, c, self.max_cache)

    def _fits(self, c: _Cluster, i: int, a: str, b: str) -> bool:
        """Can message token ``b`` stand where template token ``a`` is (they differ)?"""
        if a == " " or b == " " or a in DELIMS or b in DELIMS:
            return False
        if a == WILDCARD and i in c.word_vars:
            return True
        if not _ALNUM.search(a) or not _ALNUM.search(b):
            return False  # punctuation such as "****" is structure, not a value
        return self.generalise_words or not (_ALPHA.fullmatch(a) or _ALPHA.fullmatch(b))

    def _lookup(self, tokens: list[str]) -> _Cluster | None:
        """A same-length template whose constants all equal the message's tokens."""
        best, best_n = None, -1
        for c in self._by_len.get(len(tokens), ()):
            if c.n_const <= best_n:
                continue
            for i, (a, b) in enumerate(zip(c.tokens, tokens)):
                if a != b and (a != WILDCARD or not self._fits(c, i, a, b)):
                    break
            else:
                best, best_n = c, c.n_const
        return best

    def _most_similar(self, tokens: list[str]) -> tuple[_Cluster | None, list[int]]:
        n = sum(1 for t in tokens if t != " ")
        best, best_sim, best_diff = None, -1.0, []
        for c in self._by_len.get(len(tokens), ()):
            same, diff = 0, []
            for i, (a, b) in enumerate(zip(c.tokens, tokens)):
                if a == b:
                    if a != " ":
                        same += 1
                elif self._fits(c, i, a, b):
                    diff.append(i)
                else:
                    break
            else:
                sim = same / n if n else 1.0
                if sim > best_sim:
                    best, best_sim, best_diff = c, sim, diff
        if best is None or best_sim < self.sim_th:
            return None, []
        return best, best_diff

    def _word_vote(self, tokens: list[str]) -> _Cluster | None:
        """Brain-style evidence for a variable made of plain words: templates that differ
        from the message in one word only are counted per position; once that position has
        shown >= ``word_var_min`` distinct words, most of them rare (distinct/total >= 0.5),
        the position becomes ``<*>`` for all of them (user names, hive names, ...)."""
        if sum(1 for t in tokens if is_word(t)) < 4:
            return None
        found = None
        for c in list(self._by_len.get(len(tokens), ())):
            p = -1
            for i, (a, b) in enumerate(zip(c.tokens, tokens)):
                if a != b:
                    if p >= 0 or a == WILDCARD or not (is_word(a) and is_word(b)):
                        break
                    p = i
            else:
                if p < 0:
                    continue
                key_tokens = list(c.tokens)
                key_tokens[p] = WILDCARD
                key = ("".join(key_tokens), p)
                votes = self._votes.setdefault(key, {})
                votes[c.tokens[p]] = c.size
                if tokens[p] not in votes:
                    votes[tokens[p]] = 0
                if len(votes) >= self.word_var_min and \
                        len(votes) / max(1, sum(votes.values()) + 1) >= 0.5:
                    found = (key_tokens, p)
                    break
        if found is None:
            return None
        key_tokens, p = found
        merged = None
        for c in list(self._by_len.get(len(tokens), ())):
            if all(a == b or i == p for i, (a, b) in enumerate(zip(c.tokens, key_tokens))):
                merged = self._retemplate(c, list(key_tokens), c.fixed, word_var=p)
        if merged is None:  # cannot happen: the cluster that voted matches the key
            return None
        self._votes.pop(("".join(key_tokens), p), None)
        return merged

    def _generalise(self, tokens: list[str]) -> _Cluster | None:
        c, diff = self._most_similar(tokens)
        if c is None:
            return None
        new_tokens = list(c.tokens)
        for i in diff:
            new_tokens[i] = WILDCARD
        return self._retemplate(c, new_tokens, c.fixed)

    def _absorb(self, tokens: list[str]) -> _Cluster | None:
        sk = skeleton(tokens)
        if not sk or sk not in self._by_skel:
            return None
        c = _live(self._by_skel[sk])
        if skeleton(c.tokens) != sk:
            return None
        merged = align(c.tokens, tokens, sk)
        if merged is None:
            return None
        if merged == c.tokens:
            return c
        return self._retemplate(c, merged, fixed=c.fixed and len(merged) == len(tokens))

    def _new(self, tokens: list[str]) -> _Cluster:
        template = "".join(tokens)
        c = _Cluster(tokens, self._free_id(template))
        self._index(c)
        return c

    def _free_id(self, template: str) -> str:
        cid, k = template_id(template), 0
        while cid in self._clusters:  # a hash collision with another live template
            k += 1
            cid = template_id(f"{template}#{k}")
        return cid

    def _index(self, c: _Cluster) -> None:
        self._clusters[c.id] = c
        self._by_text[c.template] = c
        self._by_len.setdefault(len(c.tokens), []).append(c)
        sk = skeleton(c.tokens)
        if sk:
            self._by_skel.setdefault(sk, c)

    def _unindex(self, c: _Cluster) -> None:
        del self._clusters[c.id]
        self._by_text.pop(c.template, None)
        self._by_len[len(c.tokens)].remove(c)

    def _retemplate(self, c: _Cluster, tokens: list[str], fixed: bool,
                    word_var: int | None = None) -> _Cluster:
        """Give cluster ``c`` a more general template; merge into an equal one if it exists."""
        if not fixed:
            tokens = collapse(tokens)
        template = "".join(tokens)
        wv = c.word_vars | {word_var} if word_var is not None and fixed else c.word_vars
        if template == c.template:
            c.word_vars = wv
            return c
        self._unindex(c)
        other = self._by_text.get(template)
        if other is not None:
            other.word_vars = other.word_vars | wv
            other.size += c.size
            c.merged_into = other
            self._aliases[c.id] = other.id
            return other
        new = _Cluster(tokens, "", c.size, fixed)
        new.word_vars = wv if fixed else frozenset()
        new.id = self._free_id(template)
        c.merged_into = new
        self._aliases[c.id] = new.id
        self._index(new)
        for key, v in list(self._by_skel.items()):
            if v is c:
                self._by_skel[key] = new
        return new

    # -- persistence ------------------------------------------------------------------------
    def to_json(self) -> dict:
        """Plain-JSON state (templates, sizes, aliases, remembered masked messages, config)."""
        return {
            "format": STATE_FORMAT,
            "config": {"sim_th": self.sim_th, "max_cache": self.max_cache,
                       "skeleton_merge": self.skeleton_merge,
                       "generalise_words": self.generalise_words,
                       "word_var_min": self.word_var_min,
                       "masking": self.masker_.to_json()},
            "templates": [{"id": c.id, "template": c.template, "size": c.size,
                           "fixed": c.fixed, "word_vars": sorted(c.word_vars)}
                          for c in self._clusters.values()],
            "votes": [[t, p, v] for (t, p), v in self._votes.items()],
            "skeletons": [[list(k), _live(v).id] for k, v in self._by_skel.items()],
            "aliases": dict(self._aliases),
            "cache": {k: _live(v).id for k, v in self._cache.items()},
        }

    @classmethod
    def from_json(cls, state: dict) -> "TemplateMiner":
        """Rebuild a miner from :meth:`to_json` output."""
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise ModelError(f"not a template miner state (expected format {STATE_FORMAT!r})")
        try:
            cfg = state["config"]
            miner = cls(sim_th=float(cfg["sim_th"]), masker=Masker.from_json(cfg["masking"]),
                        max_cache=int(cfg["max_cache"]), skeleton_merge=bool(cfg["skeleton_merge"]),
                        generalise_words=bool(cfg.get("generalise_words", False)),
                        word_var_min=int(cfg.get("word_var_min", 5)))
            for item in state["templates"]:
                c = _Cluster(tokenize(item["template"]), item["id"], int(item["size"]),
                             bool(item["fixed"]))
                c.template = item["template"]
                c.word_vars = frozenset(int(i) for i in item.get("word_vars", ()))
                miner._index(c)
            miner._votes = {(t, int(p)): {str(k): int(n) for k, n in v.items()}
                            for t, p, v in state.get("votes", ())}
            miner._by_skel = {tuple(k): miner._clusters[cid] for k, cid in state["skeletons"]}
            miner._aliases = dict(state["aliases"])
            miner._cache = {k: miner._clusters[cid] for k, cid in state["cache"].items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"template miner state is damaged: {exc!r}") from None
        return miner

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

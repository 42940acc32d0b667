"""How a masked message finds a template it may join (steps 2-5 of
:mod:`rca.templates.miner`): an equal template, a similar one to generalise, evidence that a
word position is a variable (Brain-style word votes), or a template with the same skeleton.

:class:`Grouping` holds these steps as methods of the miner (it reads the miner's indexes and
settings; :class:`~rca.templates.index.TemplateIndex` changes them).
"""

from __future__ import annotations

import re

from rca.templates.cluster import Cluster, live
from rca.templates.masking import WILDCARD
from rca.templates.tokens import DELIMS, align, collapse_list, is_word, skeleton, strip_decor

_ALNUM = re.compile(r"[A-Za-z0-9]|<\*>")
_ALPHA = re.compile(r"[A-Za-z]+[.!?;+\-*]?")


class Grouping:
    """Steps 2-5 of the miner (a mixin of :class:`~rca.templates.miner.TemplateMiner`)."""

    def _fits(self, c: Cluster, i: int, a: str, b: str) -> bool:
        """Can message token ``b`` stand where template token ``a`` is (they differ)?"""
        if a == " " or b == " " or a in DELIMS or b in DELIMS:
            return False
        if a == WILDCARD and i in c.word_vars:
            return True
        if not _ALNUM.search(a) or not _ALNUM.search(b):
            return False  # punctuation such as "****" is structure, not a value
        return self.generalise_words or not (_ALPHA.fullmatch(a) or _ALPHA.fullmatch(b))

    def _lookup(self, tokens: list[str], raw: dict[int, str]) -> Cluster | None:
        """A same-length template whose constants all equal the message's tokens (or, for
        a constant restored from evidence, the value masked there: ``raw``)."""
        best, best_n = None, -1
        for c in self._by_len.get(len(tokens), ()):
            if c.n_const <= best_n:
                continue
            for i, (a, b) in enumerate(zip(c.tokens, tokens)):
                if a != b and (a != WILDCARD or not self._fits(c, i, a, b)) and raw.get(i) != a:
                    break
            else:
                best, best_n = c, c.n_const
        return best

    def _most_similar(self, tokens: list[str], raw: dict[int, str]
                      ) -> tuple[Cluster | None, list[int]]:
        n = sum(1 for t in tokens if t != " ")
        best, best_sim, best_diff = None, -1.0, []
        for c in self._by_len.get(len(tokens), ()):
            same, diff = 0, []
            for i, (a, b) in enumerate(zip(c.tokens, tokens)):
                if a == b or raw.get(i) == a:
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

    def _word_vote(self, tokens: list[str]) -> Cluster | None:
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

    def _generalise(self, tokens: list[str], raw: dict[int, str]) -> Cluster | None:
        c, diff = self._most_similar(tokens, raw)
        if c is None:
            return None
        new_tokens = list(c.tokens)
        for i in diff:
            new_tokens[i] = WILDCARD
        return self._retemplate(c, new_tokens, c.fixed)

    def _absorb(self, tokens: list[str]) -> Cluster | None:
        sk = skeleton(tokens)
        if not sk or sk not in self._by_skel:
            return None
        c = live(self._by_skel[sk])
        if skeleton(c.tokens) != sk:
            return None
        merged = align(c.tokens, tokens, sk)
        if merged is None:
            return None
        if merged == c.tokens:
            return c
        return self._retemplate(c, merged, fixed=c.fixed and len(merged) == len(tokens))

    def _list_merge(self, tokens: list[str]) -> Cluster | None:
        """Evidence that a list has a variable length: a template equal to the message once
        each one's run of >= ``list_min`` equal ``<*>`` items is collapsed to one ``<*>``, but
        with another number of items. Both become the collapsed template. (A message whose
        list never changes length keeps its items: ``( <*> <*> **** <*> )`` stays apart.)"""
        short = collapse_list(tokens, self.list_min)
        if short == tokens:
            return None
        key = "".join(short)
        other = self._by_list.get(key)
        if other is None:  # (_new registers the new template under this key)
            return None
        other = live(other)
        if other.template == key:
            return other
        merged = self._retemplate(other, short, fixed=False)
        self._by_list[key] = merged
        return merged

    def _decor_merge(self, tokens: list[str]) -> Cluster | None:
        """An optional decorated part: ``connected to pool(<*>)`` joins the template
        ``connected to <*>``; ``connected to <*>`` turns a template ``connected to pool(<*>)``
        into ``connected to <*>`` (see :func:`~rca.templates.tokens.strip_decor`). Two
        different decorations (``pool(<*>)``, ``shard[<*>]``) stay apart: they are wording."""
        plain = strip_decor(tokens)
        if plain != tokens:
            other = self._by_text.get("".join(plain))
            return live(other) if other is not None else None
        other = self._by_decor.get("".join(tokens))
        if other is None:
            return None
        other = live(other)
        if strip_decor(other.tokens) != tokens:
            return None
        return self._retemplate(other, list(tokens), fixed=False)

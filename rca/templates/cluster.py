"""A template and its bookkeeping (:class:`Cluster`), and stable template ids.

A cluster's template never changes in place: when it generalises, a new cluster takes the new
text (and id) and the old one points at it (``merged_into``); :func:`live` follows those links.
"""

from __future__ import annotations

import hashlib
import re
from operator import itemgetter

from rca.templates.masking import WILDCARD


def template_id(template: str) -> str:
    """Stable id of a template text: 8 hex digits of its SHA-1.

    >>> template_id("user <*> logged in")
    '0db1c5fa'
    """
    return hashlib.sha1(template.encode("utf-8")).hexdigest()[:8]


class Cluster:
    __slots__ = ("tokens", "template", "id", "size", "fixed", "merged_into", "_rx", "n_const",
                 "word_vars", "probe", "probe_n")

    def __init__(self, tokens: list[str], cid: str, size: int = 0, fixed: bool = True):
        self.tokens = tokens
        self.template = "".join(tokens)
        self.id = cid
        self.size = size
        self.fixed = fixed  # False once it absorbed a message of another length
        self.merged_into: Cluster | None = None
        self._rx: re.Pattern[str] | None = None
        self.n_const = sum(1 for t in tokens if t != WILDCARD and t != " ")
        self.word_vars: frozenset[int] = frozenset()  # wildcards that also take plain words
        self.probe: dict[int, str] | None = None  # watched masked values (rca.templates.evidence)
        self.probe_n = 0  # messages in a row that agreed with them

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


def values_getter(spans: tuple[tuple[int, int], ...]):
    """A C-speed function message -> masked values, for messages of one shape."""
    if not spans:
        return _no_values
    if len(spans) == 1:  # itemgetter with one item would return a bare string
        a, b = spans[0]
        return lambda message: (message[a:b],)
    return itemgetter(*[slice(a, b) for a, b in spans])


def live(c: Cluster) -> Cluster:
    while c.merged_into is not None:
        c = c.merged_into
    return c

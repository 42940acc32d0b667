"""Nearest real example: a fallback for wordings no signature rule spells out.

Every entry may list ``examples`` - real messages of its fault, as runtimes and libraries word
them. A line that no pattern, errno, exception or status matches is compared with all
examples (TF-IDF over words with identifiers split - ``ImmatureSignatureError`` ->
``immature signature error`` - and numbers, hex ids and paths masked); an entry whose closest
example reaches :data:`MIN_SIMILARITY` (cosine) is a ``similar`` hit.

>>> index = ExampleIndex({"dns-failure": ["getaddrinfo ENOTFOUND redis-master"],
...                       "disk-full": ["No space left on device"]})
>>> [(fid, round(s, 2) > 0.3) for fid, s, _ in index.query("getaddrinfo ENOTFOUND db-primary")]
[('dns-failure', True)]
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

import numpy as np

#: Cosine similarity to an entry's closest example from which it is a hit (chosen by
#: leave-one-out on the dev half of tests/data/real_errors: the largest recall whose hit rate
#: on 600 sampled loghub lines stays under 1 %; see benchmarks/results/rca.md).
MIN_SIMILARITY = 0.4

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_MASKS = (re.compile(r"(?:/[\w.@-]{1,80}){2,}"),
          re.compile(r"\b(?:[a-z0-9-]{1,63}\.){1,6}[a-z]{2,24}\b(?![\w.])"), re.compile(r"\b0x[0-9a-f]{1,16}\b", re.I),
          re.compile(r"\b[0-9a-f]{8,}\b", re.I), re.compile(r"\d{1,20}"))


def words(text: str) -> str:
    """Lower-case words of ``text`` with identifiers split and variable values masked.

    >>> words("java.net.UnknownHostException: orders-db:5432 at /a/b/c")
    'java net unknown host exception orders db at'
    """
    text = str(text)[:2000]
    for mask in _MASKS:
        text = mask.sub(" ", text)
    text = _CAMEL.sub(" ", text)
    return " ".join(re.findall(r"[a-z]{2,30}", text.lower()))


class ExampleIndex:
    """TF-IDF index over the examples of several fix ids (built once, queried per line)."""

    def __init__(self, examples: Mapping[str, Sequence[str]]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.ids = [fid for fid, texts in examples.items() for _ in texts]
        self.texts = [t for texts in examples.values() for t in texts]
        self.vectorizer = None
        if self.texts:
            self.vectorizer = TfidfVectorizer(preprocessor=words, ngram_range=(1, 2),
                                              sublinear_tf=True)
            self.matrix = self.vectorizer.fit_transform(self.texts)

    def query(self, text: str, min_similarity: float = MIN_SIMILARITY
              ) -> list[tuple[str, float, str]]:
        """``(fix_id, similarity, closest example)`` per fix id at or above the threshold,
        most similar first."""
        if self.vectorizer is None or not text:
            return []
        sims = (self.matrix @ self.vectorizer.transform([text]).T).toarray().ravel()
        best: dict[str, tuple[float, str]] = {}
        for i in np.flatnonzero(sims >= min_similarity):
            fid = self.ids[i]
            if fid not in best or sims[i] > best[fid][0]:
                best[fid] = (float(sims[i]), self.texts[i])
        return sorted(((f, s, t) for f, (s, t) in best.items()), key=lambda x: -x[1])

"""Event-count matrices over sessions, with optional TF-IDF weighting and a novelty column.

:class:`EventCounts` is a scikit-learn transformer: ``fit`` learns the vocabulary of event keys
(and document frequencies for TF-IDF) from the training sessions; ``transform`` returns one row
per session. Keys never seen in training are not dropped silently: with ``novelty=True`` their
number per session lands in the extra ``unseen`` column.

>>> counts = EventCounts().fit([("a", "b", "a"), ("b",)])
>>> counts.transform([("a", "c")]).tolist()
[[1.0, 0.0, 1.0]]
>>> list(counts.get_feature_names_out())
['a', 'b', 'unseen']
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from scipy import sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from rca.errors import InputError

#: Above this many cells a ``sparse="auto"`` transformer returns a CSR matrix.
SPARSE_CELLS = 5_000_000


def as_sequences(X) -> list[tuple[str, ...]]:
    """Accept a sessions frame (``events`` column), a Series or any iterable of sequences."""
    if isinstance(X, pd.DataFrame):
        if "events" not in X.columns:
            raise InputError("sessions frame has no 'events' column")
        X = X["events"]
    seqs = []
    for seq in X:
        if isinstance(seq, str):
            seq = seq.split()
        seqs.append(tuple(str(e) for e in seq))
    return seqs


class EventCounts(TransformerMixin, BaseEstimator):
    """Count each event key per session.

    Parameters
    ----------
    weighting : {"none", "tfidf", "binary"}
        ``tfidf`` multiplies counts by ``log((1 + n) / (1 + df)) + 1`` learned at fit time;
        ``binary`` keeps only presence.
    novelty : bool
        Add an ``unseen`` column: events in the session whose key was not in training.
    normalize : bool
        Divide each row by its length (frequencies instead of counts).
    sparse : {"auto", True, False}
        CSR output; ``auto`` switches to sparse above :data:`SPARSE_CELLS` cells.
    """

    def __init__(self, weighting="none", novelty=True, normalize=False, sparse="auto"):
        self.weighting = weighting
        self.novelty = novelty
        self.normalize = normalize
        self.sparse = sparse

    def fit(self, X, y=None):
        if self.weighting not in ("none", "tfidf", "binary"):
            raise ValueError(f"weighting must be 'none', 'tfidf' or 'binary', got {self.weighting!r}")
        seqs = as_sequences(X)
        if not seqs:
            raise InputError("no sessions to learn event counts from")
        doc_freq: Counter[str] = Counter()
        for seq in seqs:
            doc_freq.update(set(seq))
        self.vocabulary_ = {key: i for i, key in enumerate(sorted(doc_freq))}
        df = np.array([doc_freq[k] for k in sorted(doc_freq)], dtype=float)
        self.idf_ = np.log((1.0 + len(seqs)) / (1.0 + df)) + 1.0
        self.n_features_out_ = len(self.vocabulary_) + (1 if self.novelty else 0)
        return self

    def transform(self, X):
        check_is_fitted(self, "vocabulary_")
        seqs = as_sequences(X)
        vocab = self.vocabulary_
        n_vocab = len(vocab)
        rows, cols, vals = [], [], []
        for r, seq in enumerate(seqs):
            counts = Counter(seq)
            unseen = 0
            for key, c in counts.items():
                j = vocab.get(key)
                if j is None:
                    unseen += c
                    continue
                rows.append(r)
                cols.append(j)
                vals.append(float(c))
            if self.novelty and unseen:
                rows.append(r)
                cols.append(n_vocab)
                vals.append(float(unseen))
        mat = sp.csr_matrix((vals, (rows, cols)), shape=(len(seqs), self.n_features_out_))
        if self.weighting == "binary":
            mat.data[:] = 1.0
        elif self.weighting == "tfidf":
            scale = np.append(self.idf_, 1.0) if self.novelty else self.idf_
            mat = mat @ sp.diags(scale)
        if self.normalize:
            lengths = np.array([max(len(s), 1) for s in seqs], dtype=float)
            mat = sp.diags(1.0 / lengths) @ mat
        mat = sp.csr_matrix(mat)
        want_sparse = self.sparse is True or (
            self.sparse == "auto" and mat.shape[0] * mat.shape[1] > SPARSE_CELLS
        )
        return mat if want_sparse else mat.toarray()

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vocabulary_")
        names = list(self.vocabulary_) + (["unseen"] if self.novelty else [])
        return np.asarray(names, dtype=object)

"""Event-count matrices over sessions, with optional TF-IDF weighting and a novelty column.

:class:`EventCounts` is a scikit-learn transformer over scikit-learn's own counting:
``CountVectorizer`` learns the vocabulary of event keys and counts them, ``TfidfTransformer``
the inverse document frequencies; ``transform`` returns one row per session. Keys never seen in training are not dropped silently: with ``novelty=True`` their
number per session lands in the extra ``unseen`` column.

>>> counts = EventCounts().fit([("a", "b", "a"), ("b",)])
>>> counts.transform([("a", "c")]).tolist()
[[1.0, 0.0, 1.0]]
>>> list(counts.get_feature_names_out())
['a', 'b', 'unseen']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
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
        self.counter_ = CountVectorizer(analyzer=_keys, lowercase=False)
        try:
            counts = self.counter_.fit_transform(seqs)
        except ValueError:  # only empty sessions
            raise InputError("no events in the sessions to learn counts from") from None
        self.vocabulary_ = self.counter_.vocabulary_
        self.idf_ = TfidfTransformer(smooth_idf=True).fit(counts).idf_
        self.n_features_out_ = len(self.vocabulary_) + (1 if self.novelty else 0)
        return self

    def transform(self, X):
        check_is_fitted(self, "counter_")
        seqs = as_sequences(X)
        mat = self.counter_.transform(seqs).astype(float)
        lengths = np.array([len(s) for s in seqs], dtype=float)
        if self.novelty:
            unseen = lengths - np.asarray(mat.sum(axis=1)).ravel()
            mat = sp.hstack([mat, sp.csr_matrix(unseen[:, None])], format="csr")
            mat.eliminate_zeros()
        if self.weighting == "binary":
            mat.data[:] = 1.0
        elif self.weighting == "tfidf":
            scale = np.append(self.idf_, 1.0) if self.novelty else self.idf_
            mat = mat @ sp.diags(scale)
        if self.normalize:
            mat = sp.diags(1.0 / np.maximum(lengths, 1.0)) @ mat
        mat = sp.csr_matrix(mat)
        want_sparse = self.sparse is True or (
            self.sparse == "auto" and mat.shape[0] * mat.shape[1] > SPARSE_CELLS
        )
        return mat if want_sparse else mat.toarray()

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "counter_")
        names = list(self.counter_.get_feature_names_out()) + (["unseen"] if self.novelty else [])
        return np.asarray(names, dtype=object)


def _keys(seq: tuple[str, ...]) -> tuple[str, ...]:
    """The analyzer of the count vectorizer: a session is already its sequence of keys
    (module level, so that a fitted model pickles)."""
    return seq

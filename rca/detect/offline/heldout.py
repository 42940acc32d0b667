"""Thresholds from held-back normal training data: a target false-alarm rate, never labels.

:class:`HeldOutThreshold` wraps any outlier detector with ``score_samples`` (higher = more
normal). ``fit`` cross-fits it on the (normal) training sessions: each of ``n_splits`` folds is
held back once and scored by a copy fitted on the others, so every training session gets a
score from a model that never saw it. The threshold ``offset_`` is the ``target_far`` quantile
of those held-back scores: on new normal sessions, about ``target_far`` of them fall below it.
The detector is then refitted on all the training sessions.

>>> import numpy as np
>>> from rca.detect.offline import RareCounts
>>> X = np.random.default_rng(0).poisson(3, size=(400, 4))
>>> det = HeldOutThreshold(RareCounts(), target_far=0.05).fit(X)
>>> 0.02 < float((det.predict(X) == -1).mean()) < 0.10
True
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, clone
from sklearn.model_selection import KFold
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples, check_is_fitted


def held_out_scores(estimator, X, n_splits: int = 5, random_state: int = 0) -> np.ndarray:
    """``score_samples`` of every row of ``X`` by a clone of ``estimator`` fitted without it."""
    if hasattr(X, "tocsr"):
        X = X.tocsr()  # row-indexable sparse
    elif hasattr(X, "__array__") and not hasattr(X, "iloc"):
        X = np.asarray(X)  # array-likes without indexing of their own
    n = _num_samples(X)
    if n < 2:
        raise ValueError(f"held-back scores need at least 2 sessions, got n_samples={n}")
    out = np.empty(n)
    folds = KFold(n_splits=min(n_splits, n), shuffle=True, random_state=random_state)
    for fit_idx, held_idx in folds.split(np.zeros(n)):
        est = clone(estimator).fit(_safe_indexing(X, fit_idx))
        out[held_idx] = est.score_samples(_safe_indexing(X, held_idx))
    return out


class HeldOutThreshold(OutlierMixin, BaseEstimator):
    """An outlier detector whose threshold is a quantile of its held-back training scores.

    Parameters
    ----------
    estimator : outlier detector with ``fit`` and ``score_samples`` (higher = more normal).
    target_far : share of normal sessions expected to alarm (the false-alarm rate aimed at).
    n_splits : folds of the cross-fit that produces the held-back scores.
    random_state : seed of the fold shuffle.
    """

    def __init__(self, estimator=None, target_far=0.005, n_splits=5, random_state=0):
        self.estimator = estimator
        self.target_far = target_far
        self.n_splits = n_splits
        self.random_state = random_state

    def fit(self, X, y=None):
        if not 0 < float(self.target_far) < 1:
            raise ValueError(f"target_far must be in (0, 1), got {self.target_far!r}")
        if self.estimator is None:
            raise ValueError("HeldOutThreshold needs an estimator")
        held = held_out_scores(self.estimator, X, self.n_splits, self.random_state)
        self.held_out_scores_ = held
        self.offset_ = float(np.quantile(held, float(self.target_far), method="lower"))
        self.estimator_ = clone(self.estimator).fit(X)
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def score_samples(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.score_samples(X)

    def decision_function(self, X):
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        return np.where(self.decision_function(X) < 0, -1, 1)

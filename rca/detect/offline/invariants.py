"""Invariants mining (Lou et al. 2010, simplified): linear count relations between pairs of
events that hold in almost every training session, e.g. ``#open == #close`` or
``3 * #allocate == #receive``. A session breaking them is anomalous.

Scikit-learn outlier convention: ``score_samples`` is minus the number of broken invariants
(0 for a session that keeps them all); ``offset_`` is -0.5, so one broken invariant is an alarm.
"""

from __future__ import annotations

import itertools

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from rca.detect.offline._base import ThresholdedOutlierMixin


class InvariantsMiner(ThresholdedOutlierMixin, BaseEstimator):
    """Mine pairwise invariants ``a * count_i == b * count_j``.

    Parameters
    ----------
    min_hold : share of the training sessions involving either event in which the relation must
        hold (tolerates a few anomalies mixed into unlabelled training data).
    min_support : share of all training sessions that must involve the pair.
    max_ratio : largest integer multiplier tried for ``a`` and ``b`` (one of them is 1).
    """

    def __init__(self, min_hold=0.98, min_support=0.05, max_ratio=3):
        self.min_hold = min_hold
        self.min_support = min_support
        self.max_ratio = max_ratio

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        n = len(X)
        ratios = [(1, b) for b in range(1, self.max_ratio + 1)] + [
            (a, 1) for a in range(2, self.max_ratio + 1)
        ]
        present = X > 0
        invariants = []
        for i, j in itertools.combinations(range(X.shape[1]), 2):
            involved = present[:, i] | present[:, j]
            if involved.sum() < max(self.min_support * n, 1):
                continue
            xi, xj = X[involved, i], X[involved, j]
            best = None
            for a, b in ratios:
                hold = float(np.mean(xi * a == xj * b))
                if hold >= self.min_hold and (best is None or hold > best[0]):
                    best = (hold, a, b)
            if best is not None:
                invariants.append((i, j, best[1], best[2]))
        self.invariants_ = np.asarray(invariants, dtype=np.int64).reshape(-1, 4)
        self.offset_ = -0.5
        return self

    def violations(self, X):
        """Number of invariants each sample breaks."""
        check_is_fitted(self, "invariants_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        if len(self.invariants_) == 0:
            return np.zeros(len(X))
        i, j, a, b = self.invariants_.T
        return (X[:, i] * a != X[:, j] * b).sum(axis=1).astype(float)

    def score_samples(self, X):
        return -self.violations(X)

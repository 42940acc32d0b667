"""Rare-pattern detector: how improbable is each event's count in a session, given how often
that count was seen in training? ``-log`` frequencies summed over events (a naive-Bayes
likelihood of the count vector), so a session made only of common patterns scores near the
training typical value and one rare count (an event never seen, a missing "close") stands out.

Threshold, from training data only: the log-likelihood of a session that is typical (the
median training log-likelihood) except for one event whose count has training frequency
``min_freq``. Scikit-learn outlier convention: ``score_samples`` is the log-likelihood (higher = normal).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from rca.detect.offline._base import ThresholdedOutlierMixin


class RareCounts(ThresholdedOutlierMixin, BaseEstimator):
    """Per-event count-value frequencies learned from (mostly normal) training sessions.

    Parameters
    ----------
    min_freq : a count value seen in fewer than this share of training sessions is rare; the
        threshold is the log-likelihood of a session whose only oddity is one such value.
    smoothing : additive smoothing of the frequencies.
    """

    def __init__(self, min_freq=0.01, smoothing=1.0):
        self.min_freq = min_freq
        self.smoothing = smoothing

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        n = len(X)
        self.n_train_ = n
        self.tables_ = []
        for col in X.T:
            values, counts = np.unique(col, return_counts=True)
            self.tables_.append((values, counts.astype(float)))
        typical = self._loglik(X)
        # a session that is typical everywhere except for one value of frequency min_freq
        penalty = np.log((self.min_freq * n + self.smoothing) / (n + 2 * self.smoothing))
        best = np.log((n + self.smoothing) / (n + 2 * self.smoothing))
        self.offset_ = float(np.median(typical) + penalty - best)
        return self

    def _loglik(self, X):
        n = self.n_train_
        total = np.zeros(len(X))
        for col, (values, counts) in zip(X.T, self.tables_):
            pos = np.searchsorted(values, col)
            pos_c = np.minimum(pos, len(values) - 1)
            seen = (pos < len(values)) & (values[pos_c] == col)
            freq = np.where(seen, counts[pos_c], 0.0)
            total += np.log((freq + self.smoothing) / (n + 2 * self.smoothing))
        return total

    def score_samples(self, X):
        check_is_fitted(self, "tables_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._loglik(X)

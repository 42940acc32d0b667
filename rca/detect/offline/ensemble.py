"""Several outlier detectors, one calibrated score (Fisher's method over held-back tails).

:class:`TailProductEnsemble` cross-fits each member on the training sessions to learn how its
``score_samples`` are distributed on sessions it did not see. A new session gets, per member,
the share ``p`` of those held-back scores at or below its own (a tail probability: small =
rarer than the normal training sessions), and the ensemble score is ``sum(log p)``, higher =
more normal. So members on different scales combine, and a session must look odd to several
members to score far out: an odd event order with ordinary counts, or ordinary order with odd
counts, alone scores less than both.

>>> import numpy as np
>>> from rca.detect.offline import RareCounts, PCAResidual
>>> X = np.random.default_rng(0).poisson(3, size=(300, 4)).astype(float)
>>> ens = TailProductEnsemble([RareCounts(), PCAResidual()]).fit(X)
>>> bool(ens.score_samples(X[:1] + 20)[0] < np.median(ens.score_samples(X)))
True
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from rca.detect.offline.heldout import held_out_scores


class TailProductEnsemble(BaseEstimator):
    """Sum of log tail probabilities of the members' scores (see the module docstring).

    A scorer (``fit``, ``score_samples``), not a detector: it has no threshold of its own; wrap
    it in :class:`~rca.detect.offline.heldout.HeldOutThreshold` for one.

    Parameters
    ----------
    estimators : list of outlier detectors (``fit``, ``score_samples``; higher = normal).
    n_splits : folds of the cross-fit giving each member's held-back reference scores.
    random_state : seed of the fold shuffle.
    """

    def __init__(self, estimators=None, n_splits=5, random_state=0):
        self.estimators = estimators
        self.n_splits = n_splits
        self.random_state = random_state

    def fit(self, X, y=None):
        if not self.estimators:
            raise ValueError("TailProductEnsemble needs at least one estimator")
        self.references_ = [np.sort(held_out_scores(e, X, self.n_splits, self.random_state))
                            for e in self.estimators]
        self.estimators_ = [clone(e).fit(X) for e in self.estimators]
        return self

    def score_samples(self, X):
        check_is_fitted(self, "estimators_")
        total = 0.0
        for est, ref in zip(self.estimators_, self.references_):
            below = np.searchsorted(ref, est.score_samples(X), side="right")
            total = total + np.log((below + 1.0) / (len(ref) + 1.0))
        return np.asarray(total, dtype=float)

"""Supervised failure classifiers (binary or multi-class failure type) with one contract.

``score_samples`` is the probability that a sample is *not* normal (higher = more anomalous);
``predict`` returns the most likely class. Thresholding a score is left to the caller.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits


def _log1p(X):
    return np.log1p(np.maximum(X, 0))


def _make(kind: str, random_state):
    """The estimator behind each ``kind`` (explicit table, no dynamic lookup)."""
    if kind == "forest":
        return RandomForestClassifier(
            n_estimators=100, class_weight="balanced_subsample", random_state=random_state,
            n_jobs=None,  # one process, unless a joblib backend (Dask: [engine]) says otherwise
        )
    if kind == "gbdt":
        return HistGradientBoostingClassifier(random_state=random_state)
    if kind == "logreg":
        return make_pipeline(
            FunctionTransformer(_log1p), StandardScaler(),
            LogisticRegression(max_iter=2000, class_weight="balanced"),
        )
    raise ValueError(f"unknown classifier kind {kind!r}: use 'forest', 'gbdt' or 'logreg'")


def _threads(n_jobs):
    """BLAS and OpenMP threads for the inner model: on a busy machine a fit slows down
    by an order of magnitude when every fit grabs all cores, so the default is one."""
    return threadpool_limits(limits=n_jobs)


class FailureClassifier(ClassifierMixin, BaseEstimator):
    """Random forest, gradient boosting or logistic regression behind one interface.

    Parameters
    ----------
    kind : {"forest", "gbdt", "logreg"}
    normal_label : label of the normal class; ``score_samples`` is ``1 - P(normal_label)``
        (when that label is absent from training, ``1 - P(first class)``).
    random_state : int or None
    n_jobs : BLAS/OpenMP threads used by the inner model.
    """

    def __init__(self, kind="forest", normal_label=0, random_state=0, n_jobs=1):
        self.kind = kind
        self.normal_label = normal_label
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y):
        X, y = validate_data(self, X, y, accept_sparse=False, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"a classifier needs at least two classes, got 1 class: {self.classes_.tolist()!r}"
            )
        with _threads(self.n_jobs):
            self.estimator_ = clone(_make(self.kind, self.random_state)).fit(X, y)
        self.threshold_ = 0.5
        return self

    def predict_proba(self, X):
        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        with _threads(self.n_jobs):
            return self.estimator_.predict_proba(X)

    def predict(self, X):
        check_is_fitted(self, "estimator_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score_samples(self, X):
        """Probability of not being normal (higher = more anomalous)."""
        proba = self.predict_proba(X)
        matches = np.flatnonzero(self.classes_ == self.normal_label)
        col = int(matches[0]) if len(matches) else 0
        return 1.0 - proba[:, col]

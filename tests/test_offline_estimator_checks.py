"""The offline detectors pass scikit-learn's estimator checks (the generic contract test).

The classifier wrapper is checked with its logistic-regression inner model: forest and boosting
go through the same wrapper code, and their inner scikit-learn estimators pass these checks
upstream (running them here would take minutes).
"""

from __future__ import annotations

from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from rca.detect.offline import FailureClassifier, InvariantsMiner, PCAResidual, RareCounts
from rca.features import EventCounts, LevelRatios

ESTIMATORS = [FailureClassifier(kind="logreg"), PCAResidual(), InvariantsMiner(), RareCounts()]

# These detectors draw their threshold from a statistical limit (Q-statistic at alpha=0.001),
# from exact count relations or from count frequencies, not from a share of the training data.
# On the 300 Gaussian blob points of these two checks, no training point crosses the limit (or
# no count relation exists), so "predict returns both -1 and 1 on the training data" cannot
# hold by design.
_THRESHOLD_BY_DESIGN = {
    "check_outliers_train": "threshold is a statistical limit, not a training-data share",
    "check_outliers_fit_predict": "threshold is a statistical limit, not a training-data share",
}


def _expected_failures(estimator):
    if isinstance(estimator, (PCAResidual, InvariantsMiner, RareCounts)):
        return _THRESHOLD_BY_DESIGN
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_contract(estimator, check):
    check(estimator)


def test_transformers_follow_the_parameter_contract():
    # the feature transformers take sessions, not numeric arrays, so the numeric checks do not
    # apply; the parameter contract does: get_params/set_params/clone round-trip
    for est in (EventCounts(weighting="tfidf", novelty=False), LevelRatios(include_length=False)):
        twin = clone(est)
        assert twin.get_params() == est.get_params()
        assert twin is not est

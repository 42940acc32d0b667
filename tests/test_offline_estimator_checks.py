"""The offline detectors pass scikit-learn's estimator checks (the generic contract test).

The classifier wrapper is checked with its logistic-regression inner model: forest and boosting
go through the same wrapper code, and their inner scikit-learn estimators pass these checks
upstream (running them here would take minutes).
"""

from __future__ import annotations

from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from rca.detect.offline import FailureClassifier, HeldOutThreshold, InvariantsMiner, PCAResidual, RareCounts
from rca.features import EventCounts, LevelRatios

ESTIMATORS = [FailureClassifier(kind="logreg"), PCAResidual(), InvariantsMiner(), RareCounts(),
              HeldOutThreshold(RareCounts(), target_far=0.1)]

# These detectors draw their threshold from a statistical limit (Q-statistic at alpha=0.001),
# from exact count relations or from count frequencies, not from a share of the training data.
# On the 300 Gaussian blob points of these two checks, no training point crosses the limit (or
# no count relation exists), so "predict returns both -1 and 1 on the training data" cannot
# hold by design.
_THRESHOLD_BY_DESIGN = {
    "check_outliers_train": "threshold is a statistical limit, not a training-data share",
    "check_outliers_fit_predict": "threshold is a statistical limit, not a training-data share",
}


# HeldOutThreshold sets its threshold on held-back (cross-fitted) scores, for sessions the model
# has not seen; the refitted model scores its own training points as typical, so on the
# training data itself it alarms less than target_far (here: never), by design.
_HELD_OUT_BY_DESIGN = {
    "check_outliers_train": "threshold is calibrated on held-back scores, not in-sample ones",
    "check_outliers_fit_predict": "threshold is calibrated on held-back scores, not in-sample ones",
}


def _expected_failures(estimator):
    if isinstance(estimator, HeldOutThreshold):
        return _HELD_OUT_BY_DESIGN
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

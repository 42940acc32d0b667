"""Every offline detector passes scikit-learn's estimator checks (the generic contract test)."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from rca.detect.offline import FailureClassifier, InvariantsMiner, PCAResidual, RareCounts
from rca.features import EventCounts, LevelRatios

ESTIMATORS = [
    FailureClassifier(kind="logreg"),
    FailureClassifier(kind="forest"),
    FailureClassifier(kind="gbdt"),
    PCAResidual(),
    InvariantsMiner(),
    RareCounts(),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_contract(estimator, check):
    check(estimator)


def test_transformers_follow_the_parameter_contract():
    # the feature transformers take sessions, not numeric arrays, so the generic checks do not
    # apply; the parameter contract does: get_params/set_params/clone round-trip
    from sklearn.base import clone

    for est in (EventCounts(weighting="tfidf", novelty=False), LevelRatios(include_length=False)):
        twin = clone(est)
        assert twin.get_params() == est.get_params()
        assert twin is not est

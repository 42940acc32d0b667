"""Offline detectors on count data: each catches the kind of anomaly it is built for, and
keeps scores apart from thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from rca.detect.offline import FailureClassifier, InvariantsMiner, PCAResidual, RareCounts


def _normal_counts(n=400, seed=0):
    rng = np.random.default_rng(seed)
    k = rng.integers(1, 4, size=n)  # replicas per block
    # allocate once; receive/received/terminate once per replica; verify sometimes
    return np.column_stack([np.ones(n), k, k, k, rng.integers(0, 2, size=n)]).astype(float)


def test_invariants_find_count_relations_and_flag_breaks():
    X = _normal_counts()
    model = InvariantsMiner().fit(X)
    assert len(model.invariants_) >= 3  # receive == received == terminate
    broken = np.array([[1, 3, 3, 2, 0], [1, 2, 2, 2, 1]], dtype=float)
    assert model.predict(broken).tolist() == [-1, 1]
    assert model.score_samples(broken)[0] < 0 == model.score_samples(broken)[1]
    assert np.mean(model.predict(X) == 1) == 1.0


def test_pca_residual_flags_samples_off_the_normal_subspace():
    X = _normal_counts()
    model = PCAResidual().fit(X)
    assert model.threshold_ > 0 and model.offset_ < 0
    odd = np.array([[1, 3, 3, 0, 0]], dtype=float)  # two of three terminations missing
    assert model.predict(odd).tolist() == [-1]
    assert np.mean(model.predict(X) == -1) < 0.01  # Q-statistic at alpha=0.001
    # score is separate from the threshold: decision = score - offset
    assert np.allclose(model.decision_function(odd), model.score_samples(odd) - model.offset_)


def test_rare_counts_flags_values_unseen_in_training():
    X = _normal_counts()
    model = RareCounts().fit(X)
    assert model.predict(np.array([[1, 2, 2, 2, 7]], dtype=float)).tolist() == [-1]
    assert np.mean(model.predict(X) == -1) < 0.01


@pytest.mark.parametrize("kind", ["forest", "gbdt", "logreg"])
def test_classifiers_binary_and_failure_type(kind):
    X = _normal_counts(300)
    y_type = np.array(["normal"] * 300, dtype=object)
    y_type[:30] = "disk"
    X[:30, 4] = 5  # disk failures: many verification events
    y_type[30:60] = "network"
    X[30:60, 3] = 0  # network failures: no terminations
    model = FailureClassifier(kind=kind, normal_label="normal").fit(X, y_type)
    assert set(model.classes_) == {"disk", "network", "normal"}
    pred = model.predict(X)
    assert np.mean(pred == y_type) > 0.95
    scores = model.score_samples(X)
    assert np.mean(scores[:60]) > np.mean(scores[60:]) + 0.5
    binary = FailureClassifier(kind=kind).fit(X, (y_type != "normal").astype(int))
    assert np.mean(binary.predict(X) == (y_type != "normal")) > 0.95


def test_single_class_is_a_clear_error():
    with pytest.raises(ValueError, match="1 class"):
        FailureClassifier().fit(np.ones((5, 2)), np.zeros(5))

"""Build the scikit-learn pipeline a config describes, and score with it uniformly.

Every fitted pipeline is ``Pipeline([("features", ...), ("model", ...)])`` taking a sessions
frame. :func:`score_frame` hides the two conventions behind it: classifiers give the
probability of failure, outlier detectors give minus their ``score_samples`` (so for both a
higher score is more anomalous) and a 0/1 prediction (or a failure type for multi-class).

With ``model.target_far`` set (and always for the sequence kinds, which have no threshold of
their own), unsupervised kinds get their threshold from held-back normal training sessions
(:class:`~rca.detect.offline.heldout.HeldOutThreshold`); a fixed
``threshold`` on the score column (config ``model.threshold`` or ``rca predict --threshold``)
replaces any learned one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.pipeline import FeatureUnion, Pipeline

from sklearn.preprocessing import FunctionTransformer

from rca.detect.offline import (FailureClassifier, HeldOutThreshold, InvariantsMiner, NgramSurprisal,
                                PCAResidual, RareCounts, TailProductEnsemble)
from rca.errors import ConfigError
from rca.features import EventCounts, LevelRatios
from rca.features.counts import as_sequences
from rca.train.config import DEFAULT_TARGET_FAR, SUPERVISED, PipelineConfig

#: Model kinds -> estimator class (an explicit table, not a lookup by name).
UNSUPERVISED_MODELS = {
    "pca": PCAResidual,
    "invariants": InvariantsMiner,
    "rare": RareCounts,
    "iforest": IsolationForest,
}
#: Kinds that read event sequences (order kept) instead of count vectors.
SEQUENCE_MODELS = ("ngram", "sequence")


def _counts_then(model) -> Pipeline:
    return Pipeline([("counts", EventCounts(novelty=True, sparse=False)), ("model", model)])


def sequence_model(**params):
    """``sequence``: next-event n-gram surprisal, rare counts and PCA residual of the counts,
    one calibrated score (:class:`TailProductEnsemble`); ``params`` go to the n-gram model."""
    return TailProductEnsemble([NgramSurprisal(**params), _counts_then(RareCounts()),
                                _counts_then(PCAResidual())])


class SessionSequences(FunctionTransformer):
    """Sessions frame -> event sequences (order kept), for the sequence models."""

    def __init__(self):
        super().__init__(as_sequences)

    def get_feature_names_out(self, input_features=None):
        return np.array(["events"], dtype=object)


def make_model(kind: str, params: dict, normal_label=0):
    """The estimator for ``kind`` with ``params``; a bad parameter is a ConfigError."""
    try:
        if kind in SUPERVISED:
            return FailureClassifier(kind=kind, normal_label=normal_label, **params)
        if kind == "ngram":
            return NgramSurprisal(**params)
        if kind == "sequence":
            return sequence_model(**params)
        cls = UNSUPERVISED_MODELS[kind]
        if cls is IsolationForest:
            params = {"random_state": 0, **params}
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"model.params: {exc}") from None


def build_pipeline(cfg: PipelineConfig) -> Pipeline:
    """Features + model for this config (unfitted)."""
    f, kind = cfg.features, cfg.model["kind"]
    counts = EventCounts(weighting=f["weighting"], novelty=f["novelty"], normalize=f["normalize"],
                         sparse=False)
    features = counts
    if kind in SEQUENCE_MODELS:
        features = SessionSequences()
    elif f["levels"]:
        features = FeatureUnion([("counts", counts), ("levels", LevelRatios())])
    normal = "normal" if cfg.model["target"] == "type" else 0
    model = make_model(kind, dict(cfg.model["params"]), normal_label=normal)
    far = cfg.model.get("target_far")
    if far is None and kind in SEQUENCE_MODELS:
        far = DEFAULT_TARGET_FAR
    if kind not in SUPERVISED and far is not None and cfg.model.get("threshold") is None:
        model = HeldOutThreshold(model, target_far=float(far))
    return Pipeline([("features", features), ("model", model)])


def feature_names(pipeline: Pipeline) -> list[str]:
    return [str(n) for n in pipeline.named_steps["features"].get_feature_names_out()]


def _typed_prediction(model: FailureClassifier, X, score, threshold):
    """Failure types with a threshold on ``score`` (= 1 - P(normal)): below it "normal", at or
    above it the most probable non-normal type."""
    proba = model.predict_proba(X)
    classes = model.classes_
    failing = classes != model.normal_label
    if not failing.any():
        return classes[np.argmax(proba, axis=1)]
    best_failure = classes[failing][np.argmax(proba[:, failing], axis=1)]
    return np.where(score >= threshold, best_failure, model.normal_label)


def score_frame(pipeline: Pipeline, frame: pd.DataFrame, threshold: float | None = None) -> pd.DataFrame:
    """One row per session: ``id``, ``score`` (higher = more anomalous), ``prediction``.

    ``prediction`` is 0/1, or the failure type (class name, ``"normal"`` for normal) for a
    ``model.target = "type"`` classifier. ``threshold`` on ``score`` replaces the model's own
    decision (classifiers: the most probable class; outlier detectors: their learned offset).
    """
    model = pipeline.named_steps["model"]
    X = pipeline.named_steps["features"].transform(frame)
    if isinstance(model, FailureClassifier):
        score = model.score_samples(X)
        if threshold is not None and model.normal_label != 0:
            pred = _typed_prediction(model, X, score, threshold)
        elif threshold is not None:
            pred = (score >= threshold).astype(int)
        else:
            pred = model.predict(X)
            if model.normal_label == 0:
                pred = pred.astype(int)
    else:
        score = -model.score_samples(X)
        if threshold is not None:
            pred = (score >= threshold).astype(int)
        else:
            pred = (model.predict(X) == -1).astype(int)
    return pd.DataFrame({"id": frame["session_id"].to_numpy(), "score": np.round(score, 6),
                         "prediction": pred})

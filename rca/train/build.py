"""Build the scikit-learn pipeline a config describes, and score with it uniformly.

Every fitted pipeline is ``Pipeline([("features", ...), ("model", ...)])`` taking a sessions
frame. :func:`score_frame` hides the two conventions behind it: classifiers give the
probability of failure, outlier detectors give minus their ``score_samples`` (so for both a
higher score is more anomalous) and a 0/1 prediction (or a failure type for multi-class).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.pipeline import FeatureUnion, Pipeline

from rca.detect.offline import FailureClassifier, InvariantsMiner, PCAResidual, RareCounts
from rca.errors import ConfigError
from rca.features import EventCounts, LevelRatios
from rca.train.config import SUPERVISED, PipelineConfig

#: Model kinds -> estimator class (an explicit table, not a lookup by name).
UNSUPERVISED_MODELS = {
    "pca": PCAResidual,
    "invariants": InvariantsMiner,
    "rare": RareCounts,
    "iforest": IsolationForest,
}


def make_model(kind: str, params: dict, normal_label=0):
    """The estimator for ``kind`` with ``params``; a bad parameter is a ConfigError."""
    try:
        if kind in SUPERVISED:
            return FailureClassifier(kind=kind, normal_label=normal_label, **params)
        cls = UNSUPERVISED_MODELS[kind]
        if cls is IsolationForest:
            params = {"random_state": 0, **params}
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"model.params: {exc}") from None


def build_pipeline(cfg: PipelineConfig) -> Pipeline:
    """Features + model for this config (unfitted)."""
    f = cfg.features
    counts = EventCounts(weighting=f["weighting"], novelty=f["novelty"], normalize=f["normalize"],
                         sparse=False)
    features = counts
    if f["levels"]:
        features = FeatureUnion([("counts", counts), ("levels", LevelRatios())])
    normal = "normal" if cfg.model["target"] == "type" else 0
    model = make_model(cfg.model["kind"], dict(cfg.model["params"]), normal_label=normal)
    return Pipeline([("features", features), ("model", model)])


def feature_names(pipeline: Pipeline) -> list[str]:
    return [str(n) for n in pipeline.named_steps["features"].get_feature_names_out()]


def score_frame(pipeline: Pipeline, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per session: ``id``, ``score`` (higher = more anomalous), ``prediction``."""
    model = pipeline.named_steps["model"]
    X = pipeline.named_steps["features"].transform(frame)
    if isinstance(model, FailureClassifier):
        score = model.score_samples(X)
        pred = model.predict(X)
        if model.normal_label == 0:
            pred = pred.astype(int)
    else:
        score = -model.score_samples(X)
        pred = (model.predict(X) == -1).astype(int)
    return pd.DataFrame({"id": frame["session_id"].to_numpy(), "score": np.round(score, 6),
                         "prediction": pred})

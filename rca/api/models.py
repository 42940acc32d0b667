"""Failure prediction: features, offline detectors, the training pipeline (rca.features,
rca.train)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["predict_failures", "predict_to_csv", "train_model"]


def train_model(config, models_dir=None, version=None):
    """Run a training config (path to a TOML file) and write ``<models>/<name>/<version>/``.

    Returns a :class:`rca.train.TrainResult` (``folder``, ``metrics``). Bad configs raise
    :class:`rca.errors.ConfigError`, unusable data :class:`rca.errors.InputError`.
    """
    from rca.train import load_config, train

    return train(load_config(config), models_dir=models_dir, version=version)


def predict_failures(model_dir, inputs, threshold=None):
    """Score sessions/windows in ``inputs`` with a saved model (checksums verified before
    unpickling): a DataFrame with ``id``, ``score`` (higher = more anomalous), ``prediction``
    (0/1; for a ``model.target = "type"`` model the failure type, ``"normal"`` when normal).
    ``threshold`` on ``score`` overrides the model's own alarm threshold."""
    from rca.train import predict

    return predict(model_dir, list(inputs), threshold=threshold)


def predict_to_csv(model_dir, inputs, out, threshold=None):
    """:func:`predict_failures` written to ``out`` as CSV; returns the scores frame."""
    scores = predict_failures(model_dir, inputs, threshold=threshold)
    out = Path(out)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    scores.to_csv(out, index=False)
    return scores

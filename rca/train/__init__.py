"""The batch training pipeline: declarative configs, training runs and model folders.

``load_config(path)`` validates a TOML config; ``train(config)`` writes
``models/<name>/<version>/`` (model.joblib, manifest.json with SHA-256 of every artifact,
metrics.json); ``predict(model_dir, inputs)`` scores new input after verifying checksums.
"""

from rca.train.config import ConfigError, PipelineConfig, load_config, parse_config
from rca.train.runner import TrainResult, predict, train
from rca.train.store import FORMAT_VERSION, load_model, read_manifest

__all__ = ["FORMAT_VERSION", "ConfigError", "PipelineConfig", "TrainResult", "load_config",
           "load_model", "parse_config", "predict", "read_manifest", "train"]

"""Train a model from a config and score new input with a saved model.

:func:`train` reads, windows, splits, fits, evaluates and saves; :func:`predict` loads a model
folder (checksums first) and scores sessions or windows read the way the model was trained.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rca.errors import InputError, ModelError
from rca.train.build import build_pipeline, feature_names, score_frame
from rca.train.config import PipelineConfig, check_version, parse_config, resolve_path
from rca.train.data import NORMAL_TYPE, load_sessions
from rca.train.evaluate import evaluate
from rca.train.skill import verdict
from rca.train.store import load_model, next_version, save_model, sha256_file


@dataclass(frozen=True)
class TrainResult:
    """Where the model went and how it scored."""

    folder: Path
    metrics: dict[str, Any]


def fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 over the training sessions (ids, events, labels) in order."""
    digest = hashlib.sha256()
    labels = frame["label"].astype(str) if "label" in frame.columns else [""] * len(frame)
    for sid, events, lab in zip(frame["session_id"], frame["events"], labels):
        digest.update(f"{sid}\t{' '.join(events)}\t{lab}\n".encode())
    return digest.hexdigest()


def split_frame(frame: pd.DataFrame, cfg: PipelineConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train and test parts as the config's ``[split]`` says (test may be empty)."""
    kind = cfg.split["kind"]
    if kind == "none":
        return frame, frame.iloc[0:0]
    if kind in ("column", "files"):
        if "split" not in frame.columns:
            what = "input.split_column" if kind == "column" else "a split on each [[input.files]]"
            raise InputError(f"split.kind = {kind!r} needs {what}")
        split = frame["split"].astype(str)
        unknown = sorted(set(split) - {"train", "test"})
        if unknown:
            raise InputError(f"split values must be 'train' or 'test', found {unknown[:3]}")
        return frame[split == "train"], frame[split == "test"]
    order = cfg.split["order"]
    if order == "time" and "start" in frame.columns:
        frame = frame.sort_values("start", kind="stable")
    elif order == "random":
        frame = frame.sample(frac=1.0, random_state=int(cfg.split["seed"]))
    cut = int(round(len(frame) * float(cfg.split["train_fraction"])))
    return frame.iloc[:cut], frame.iloc[cut:]


def _target(frame: pd.DataFrame, cfg: PipelineConfig) -> np.ndarray:
    col = "label_type" if cfg.model["target"] == "type" else "label"
    return frame[col].to_numpy()


def _check_training(train: pd.DataFrame, cfg: PipelineConfig) -> pd.DataFrame:
    if train.empty:
        raise InputError("the training split is empty: no sessions to learn from")
    if cfg.supervised:
        if "label" not in train.columns:
            raise InputError(f"model.kind = {cfg.model['kind']!r} is supervised and needs labels "
                             "(input.label_column, windowing.labels_path or per-file labels)")
        classes = sorted(set(map(str, _target(train, cfg))))
        if len(classes) < 2:
            raise InputError(f"the training data has a single class ({classes[0]!r}): a "
                             "supervised model needs normal and failure examples; use an "
                             "unsupervised model.kind (pca, invariants, rare, iforest)")
    elif cfg.model["train_on"] == "normal":
        if "label" not in train.columns:
            raise InputError("model.train_on = 'normal' needs labels to pick the normal sessions")
        train = train[train["label"] == 0]
        if train.empty:
            raise InputError("the training split has no normal sessions to learn from")
    return train


def _miner():
    from rca.templates import TemplateMiner

    return TemplateMiner()


def _engine(cfg: PipelineConfig):
    """The config's ``[engine]``: a context giving a Dask client (None for local), under
    which scikit-learn's joblib parallelism runs on the cluster."""
    from rca.engine import EngineSpec, joblib_backend

    e = getattr(cfg, "engine", None) or {"kind": "local"}
    return joblib_backend(EngineSpec.from_options(e.get("workers"), e.get("scheduler"),
                                                  e.get("kind")))


def _fit_evaluate(cfg: PipelineConfig, frame: pd.DataFrame):
    """Split, fit and evaluate: ``(pipeline, metrics, fit part)``."""
    train_part, test_part = split_frame(frame, cfg)
    fit_part = _check_training(train_part, cfg)
    pipeline = build_pipeline(cfg)
    t0 = time.perf_counter()
    try:
        if cfg.supervised:
            pipeline.fit(fit_part, _target(fit_part, cfg))
        else:
            pipeline.fit(fit_part)
    except ValueError as exc:
        raise InputError(f"cannot fit {cfg.model['kind']}: {str(exc).splitlines()[0]}") from None
    fit_seconds = time.perf_counter() - t0
    metrics: dict[str, Any] = {"sessions": {"total": len(frame), "train": len(train_part),
                                            "fit_on": len(fit_part), "test": len(test_part)},
                               "fit_sessions_per_s": round(len(fit_part) / max(fit_seconds, 1e-9), 1)}
    horizon = cfg.windowing.get("horizon")
    failures = frame.attrs.get("failure_times")
    threshold = cfg.model.get("threshold")
    metrics["train"] = evaluate(train_part, score_frame(pipeline, train_part, threshold),
                                horizon=horizon, failure_times=failures)
    if len(test_part):
        t0 = time.perf_counter()
        scored = score_frame(pipeline, test_part, threshold)
        seconds = time.perf_counter() - t0
        metrics["test"] = evaluate(test_part, scored, horizon=horizon, failure_times=failures)
        metrics["predict_sessions_per_s"] = round(len(test_part) / max(seconds, 1e-9), 1)
    metrics["warnings"] = [w for w in (verdict(k, metrics[k]) for k in ("test", "train")
                                       if k in metrics) if w]
    if frame.attrs.get("unlabelled_dropped"):
        metrics["unlabelled_sessions_dropped"] = frame.attrs["unlabelled_dropped"]
    return pipeline, metrics, fit_part


def train(cfg: PipelineConfig, models_dir: str | Path | None = None,
          version: str | None = None) -> TrainResult:
    """Run the pipeline of ``cfg`` and write ``<models_dir>/<name>/<version>/``; with a Dask
    ``[engine]``, logs are parsed and cut into sessions on the cluster and the fit runs
    through joblib's Dask backend (same model, same manifest)."""
    from rca.paths import data_dir

    miner = _miner() if cfg.input["format"] == "log" else None
    with _engine(cfg) as client:
        frame = load_sessions(cfg, miner=miner, client=client)
        pipeline, metrics, fit_part = _fit_evaluate(cfg, frame)

    base = cfg.source.parent if cfg.source else None
    if models_dir is not None:
        root = Path(models_dir)
    elif cfg.output.get("dir"):
        root = resolve_path(cfg.output["dir"], base)
    else:
        root = data_dir() / "models"
    root = root / cfg.name
    version = check_version(version or cfg.output.get("version") or next_version(root))
    files = [{"path": p, "sha256": sha256_file(Path(p)), "bytes": Path(p).stat().st_size}
             for p in frame.attrs.get("files", []) if Path(p).is_file()]
    manifest = {
        "name": cfg.name, "version": version, "description": cfg.description,
        "model_kind": cfg.model["kind"], "target": cfg.model["target"],
        "feature_names": feature_names(pipeline),
        "training_data": {"fingerprint": fingerprint(fit_part), "sessions": len(fit_part),
                          "files": files},
        "config": cfg.raw, "config_dir": str(base) if base else None,
    }
    extra = {"miner.json": _miner_json(miner)} if miner is not None else None
    folder = save_model(root / version, pipeline, manifest, metrics, extra)
    return TrainResult(folder=folder, metrics=metrics)


def _miner_json(miner) -> str:
    state = miner.to_json()
    return state if isinstance(state, str) else json.dumps(state)


def predict(model_dir: str | Path, inputs: list[str | Path], threshold: float | None = None) -> pd.DataFrame:
    """Score ``inputs`` with the model in ``model_dir``: one row per session or window.

    ``threshold`` (on the ``score`` column) overrides the config's ``model.threshold`` and the
    model's learned threshold. ``frame.attrs["header_skipped"]`` lists sequence files whose
    first line was a header (skipped, not scored)."""
    pipeline, manifest = load_model(Path(model_dir))
    source = Path(manifest["config_dir"]) / "config.toml" if manifest.get("config_dir") else None
    try:
        cfg = parse_config(manifest["config"], source=source)
    except Exception as exc:
        raise ModelError(f"{model_dir}: the stored config is unusable: {exc}") from None
    paths = [Path(p) for p in inputs]
    for p in paths:
        if not p.exists():
            raise InputError(f"input file not found: {p}")
    miner = None
    if cfg.input["format"] == "log":
        from rca.templates import TemplateMiner

        miner = TemplateMiner.from_json(json.loads((Path(model_dir) / "miner.json").read_text()))
    frame = load_sessions(cfg, [str(p) for p in paths], with_labels=False, miner=miner)
    if threshold is None:
        threshold = cfg.model.get("threshold")
    scored = with_horizon(score_frame(pipeline, frame, threshold), frame, cfg.windowing.get("horizon"))
    scored.attrs["header_skipped"] = list(frame.attrs.get("header_skipped", []))
    return scored


def with_horizon(scored: pd.DataFrame, frame: pd.DataFrame, horizon) -> pd.DataFrame:
    """For failure *prediction* models: each window's ``horizon`` and ``failure_by`` (its end
    plus the horizon: an alarm says a failure is expected by then)."""
    if not horizon or "end" not in frame.columns:
        return scored
    out = scored.copy()
    out["horizon"] = str(horizon)
    out["failure_by"] = (pd.to_datetime(frame["end"], utc=True).to_numpy()
                         + pd.Timedelta(str(horizon)))
    return out


__all__ = ["NORMAL_TYPE", "TrainResult", "fingerprint", "predict", "split_frame", "train"]

"""Prequential scoring of metric tables: score each row first, then learn it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rca.detect.calibrate import ScoreCalibrator
from rca.detect.online.registry import get_spec


def _lagged(values: np.ndarray, lags: int, name: str) -> list[dict]:
    rows = []
    hist: list[float] = []
    for v in values:
        if np.isfinite(v):
            hist = (hist + [float(v)])[-lags:]
        full = np.isfinite(v) and len(hist) == lags  # a fixed feature set from the first row
        rows.append({f"{name}_lag{j}": hist[-1 - j] for j in range(lags)} if full else {})
    return rows


def score_series(values, detector: str = "novelty", **params) -> np.ndarray:
    """Prequential anomaly scores in [0, 1] for one numeric series (NaN -> score 0)."""
    return score_frame(pd.DataFrame({"value": np.asarray(values, dtype=float)}), detector, **params)[0]


def score_frame(frame: pd.DataFrame, detector: str = "novelty", state: dict | None = None,
                **params) -> tuple[np.ndarray, object]:
    """Scores of the rows of a numeric frame (one column per series), in row order.

    ``novelty`` scores each column as its own series (vectorised) and takes the row maximum;
    the river detectors see each row as one multivariate sample (plus lags for LODA) and their
    raw scores are calibrated to [0, 1] by a running :class:`ScoreCalibrator`.
    Returns ``(scores, detector_object)``.
    """
    spec = get_spec(detector)
    values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    n = len(frame)
    if detector == "novelty":
        from rca.detect.online.novelty import NoveltyDetector

        det = NoveltyDetector.from_dict(state) if state else spec.factory(**params)
        scores = np.zeros(n)
        for j, col in enumerate(frame.columns):
            scores = np.maximum(scores, det.score_learn_many(values[:, j], key=str(col)))
        return scores, det
    cal = ScoreCalibrator()
    cols = [str(c) for c in frame.columns]
    if spec.target:  # supervised-style detectors scoring y (river SAD): one per column
        dets = [spec.factory(**params) for _ in cols]
        scores = np.zeros(n)
        for i in range(n):
            raw = None
            for j, d in enumerate(dets):
                v = values[i, j]
                if np.isfinite(v):
                    r = d.score_one(None, float(v))
                    d.learn_one(None, float(v))
                    raw = r if raw is None else max(raw, r)
            if raw is not None:
                scores[i] = cal.calibrate_learn_one(raw)
        return scores, dets
    det = spec.factory(**params)
    if spec.lags:
        lagged = [_lagged(values[:, j], spec.lags, c) for j, c in enumerate(cols)]
        rows = [{k: v for lag in lagged for k, v in lag[i].items()} for i in range(n)]
    else:
        rows = [{c: float(v) for c, v in zip(cols, values[i]) if np.isfinite(v)} for i in range(n)]
    scores = np.zeros(n)
    for i, x in enumerate(rows):
        if not x:
            continue
        raw = det.score_one(x)
        det.learn_one(x)
        scores[i] = cal.calibrate_learn_one(raw)
    return scores, det

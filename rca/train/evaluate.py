"""Evaluation metrics for a scored split: precision, recall, F1, average precision and, for
failure prediction with a horizon, the median lead time gained."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, precision_recall_fscore_support

from rca.features import median_lead_time
from rca.features.windows import duration_seconds
from rca.train.skill import skill


def binary_metrics(labels, predictions, scores=None) -> dict[str, Any]:
    """Precision/recall/F1 of the failure class (label 1)."""
    y = np.asarray(labels, dtype=int)
    p = np.asarray(predictions, dtype=int)
    prec, rec, f1, _ = precision_recall_fscore_support(
        y, p, average="binary", pos_label=1, zero_division=0
    )
    out = {"n": int(len(y)), "positives": int(y.sum()), "alarms": int(p.sum()),
           "precision": round(float(prec), 4), "recall": round(float(rec), 4),
           "f1": round(float(f1), 4)}
    if scores is not None:
        out.update(skill(y, scores))
    return out


def evaluate(frame: pd.DataFrame, scored: pd.DataFrame, *, horizon=None,
             failure_times=None) -> dict[str, Any]:
    """Metrics of ``scored`` (from :func:`rca.train.build.score_frame`) against ``frame`` labels."""
    if "label" not in frame.columns:
        return {"n": int(len(frame)), "labelled": False}
    pred = scored["prediction"]
    typed = pred.dtype == object or pd.api.types.is_string_dtype(pred)
    binary_pred = (pred.astype(str) != "normal").astype(int) if typed else pred.astype(int)
    out = binary_metrics(frame["label"], binary_pred, scored["score"])
    if typed:
        out["type_macro_f1"] = round(float(f1_score(frame["label_type"].astype(str),
                                                    pred.astype(str), average="macro",
                                                    zero_division=0)), 4)
        out["type_accuracy"] = round(float((frame["label_type"].astype(str).to_numpy()
                                            == pred.astype(str).to_numpy()).mean()), 4)
    if horizon and failure_times is not None and "end" in frame.columns and len(frame):
        # only failures this split could warn of: after its first window starts, at most one
        # horizon after its last window ends
        times = pd.to_datetime(pd.Series(list(failure_times)), utc=True)
        lo, hi = frame["start"].min(), frame["end"].max() + pd.Timedelta(str(horizon))
        times = times[(times > lo) & (times <= hi)]
        med, warned, bursts = median_lead_time(frame["end"], binary_pred.to_numpy(),
                                               times, horizon)
        out["median_lead_seconds"] = None if math.isnan(med) else round(med, 1)
        out["failure_bursts"] = bursts
        out["bursts_warned"] = warned
        out["horizon_seconds"] = duration_seconds(horizon, "horizon")
    return out

"""Online metrics: metric ingest, streaming detectors, time-to-threshold forecasts
(rca.ingest.metrics, rca.detect)."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["forecast_metrics", "load_metrics", "prometheus_query", "prometheus_table",
           "score_metrics"]


def load_metrics(path, time_col=None):
    """Read a metrics file (CSV long/wide, Prometheus text or query_range JSON) into a long
    frame ``timestamp, series, value, labels``; returns ``(frame, MetricStats)``."""
    from rca.ingest.metrics import MetricStats, read_metrics

    stats = MetricStats()
    return read_metrics(path, time_col=time_col, stats=stats), stats


def score_metrics(path, time_col=None, detector=None, threshold=None, state=None, table=None):
    """Prequential anomaly scores for every row of a metrics CSV (wide: a time column and one
    numeric column per series). Returns ``(frame, info)``: the input rows in input order with
    ``anomaly_score`` (0..1) and ``alarm`` (0/1) appended; ``info`` holds the detector name,
    threshold, series and read counts. ``state`` is a JSON file: loaded if present (novelty
    detector), written after scoring. ``table`` (a :class:`rca.ingest.metric_table.MetricTable`,
    e.g. from :func:`prometheus_table`) is scored instead of reading ``path``."""
    import numpy as np

    from rca.detect.alarms import AlarmRule
    from rca.detect.online import DEFAULT_DETECTOR, get_spec, score_frame
    from rca.ingest.metric_table import read_metric_table

    from rca.errors import InputError
    from rca.paths import atomic_output
    from rca.templates.state import read_json

    name = detector or DEFAULT_DETECTOR
    spec = get_spec(name)
    rule = AlarmRule(threshold=spec.threshold if threshold is None else float(threshold))
    table = table if table is not None else read_metric_table(path, time_col=time_col)
    saved = None
    if state is not None and Path(state).is_file() and name == "novelty":
        saved = read_json(state, what="detector state")
    ordered = table.frame.iloc[table.order]
    try:
        scores_sorted, det = score_frame(ordered[table.series], name, state=saved)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if saved is None:
            raise
        raise InputError(f"{state}: not a detector state written by rca score "
                         f"({type(exc).__name__}: {str(exc)[:80]})") from None
    scores = np.empty(len(scores_sorted))
    scores[table.order] = scores_sorted
    alarms_sorted = rule.apply(scores_sorted)
    alarms = np.empty(len(scores), dtype=np.int8)
    alarms[table.order] = alarms_sorted
    no_value = ~np.isfinite(table.frame[table.series].to_numpy(dtype=float)).any(axis=1)
    out = table.raw.copy()
    out["anomaly_score"] = np.where(no_value, np.nan, np.round(scores, 6))  # skipped, not 0
    out["alarm"] = np.where(no_value, 0, alarms)
    if state is not None and hasattr(det, "to_dict"):
        with atomic_output(state, mode=0o600) as tmp:
            tmp.write_text(json.dumps(det.to_dict()))
    info = {"detector": name, "threshold": rule.threshold, "time_col": table.time_col,
            "series": list(table.series), "rows": len(out), "alarms": int(out["alarm"].sum()),
            "stats": table.stats.as_dict(), "problems": table.stats.problems()}
    return out, info


def prometheus_query(url, query, step=15.0, headers=None, ca_file=None, insecure=False,
                     name="value"):
    """A PromQL query against a Prometheus server's HTTP API
    (:class:`rca.ingest.prometheus.PrometheusQuery`: ``.frame(since)`` a long frame,
    ``.table(since)`` a wide table); ``name`` names series without ``__name__``."""
    from rca.ingest.prometheus import PrometheusQuery

    return PrometheusQuery(url, query, step=float(step), headers=dict(headers or {}),
                           ca_file=ca_file, insecure=insecure, name=name)


def prometheus_table(url, query, since, step=15.0, headers=None, ca_file=None,
                     insecure=False, name="value"):
    """The series of a PromQL query over the last ``since`` seconds from a Prometheus server
    (``/api/v1/query_range`` every ``step`` seconds) as a wide table for
    :func:`score_metrics`."""
    return prometheus_query(url, query, step, headers, ca_file, insecure, name).table(
        float(since))


def forecast_metrics(path, time_col=None, thresholds=None, window=30, horizon="24h",
                     stale_after=None, risk_horizon="1h", every=False):
    """Time-to-threshold forecasts for the resource series of a metrics file: stale series
    first, then soonest first (:class:`rca.detect.forecast.Forecast`).

    ETAs count from each series' own last sample; percent series are read as fractions;
    ``horizon``, ``stale_after`` and ``risk_horizon`` are durations (``'24h'``, ``'5min'``,
    seconds); ``every`` keeps series that do not reach their threshold.
    """
    from rca.detect.forecast import forecast_frame
    from rca.features.windows import duration_seconds
    from rca.ingest.metrics import read_metrics, to_wide

    hz = None if horizon is None else duration_seconds(horizon, "horizon")
    stale = None if stale_after is None else duration_seconds(stale_after, "stale-after")
    risk = duration_seconds(risk_horizon, "risk horizon")
    return forecast_frame(to_wide(read_metrics(path, time_col=time_col)), thresholds, window,
                          hz, stale, risk, every)

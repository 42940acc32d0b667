"""Live monitoring: what the scoring service and ``rca watch`` call to read request bodies,
mine templates, score online, forecast, group and analyse incidents (rca.ingest, rca.templates,
rca.detect, rca.rank, rca.analyze, rca.fixes, rca.train)."""

from __future__ import annotations

#: content type the service gives a Prometheus remote-write body (``POST /api/v1/write``)
from rca.ingest.content import REMOTE_WRITE_TYPE  # light: stdlib only

__all__ = ["REMOTE_WRITE_TYPE", "alarm_rule", "analyze_records", "check_model", "count_log_body",
           "count_metric_body", "count_otlp_body", "forecast_points", "incident_id",
           "infer_dependencies", "log_window_scorer", "metric_thresholds", "online_detector",
           "open_body", "otlp_response", "over_threshold", "read_log_body", "read_metric_body",
           "silence_detector", "template_miner"]


def open_body(kind, body, content_type="", content_encoding=None, limit=8 * 1024 * 1024):
    """A request body ready for :func:`read_log_body`/:func:`read_metric_body`: content type
    checked (:class:`rca.errors.UnsupportedMediaType` lists the accepted ones), ``gzip``,
    ``deflate`` or ``snappy`` undone up to ``limit`` bytes, binary without a protobuf type
    refused."""
    from rca.ingest.content import open_body as _open

    return _open(kind, body, content_type, content_encoding, limit)


def count_otlp_body(kind, body, content_type=""):
    """``(accepted, refused)`` records of an OTLP/HTTP export request (protobuf or JSON) for
    ``kind`` "logs" or "metrics"; None when the body is not one."""
    from rca.ingest.otlp_metrics import count_request

    return count_request(kind, body, content_type)


def otlp_response(kind, rejected, content_type=""):
    """``(body, status, headers, media type)`` of the OTLP answer to an export request, in
    its encoding, with ``partial_success`` when ``rejected`` records were refused."""
    from rca.ingest.content import is_protobuf
    from rca.ingest.otlp import response

    media = "application/x-protobuf" if is_protobuf(content_type) else "application/json"
    return response(kind, rejected, content_type), 200, None, media


def read_log_body(body, content_type="", service=None, stats=None, max_line=65536):
    """Log records (:class:`rca.types.Record`) of a request body, by the file readers' rules
    (see :mod:`rca.ingest.body`); ``stats`` is a :class:`rca.ingest.ReadStats` to fill."""
    from rca.ingest.body import read_log_body as _read

    return _read(body, content_type, service=service, stats=stats, max_line=max_line)


def count_log_body(body, content_type="", service=None, max_line=65536):
    """``(records, truncated)`` :func:`read_log_body` would give (same errors), parsing only
    the JSON of the common shapes: how the service validates a batch before storing it."""
    from rca.ingest.body import count_log_body as _count

    return _count(body, content_type, service=service, max_line=max_line)


def count_metric_body(body, content_type=""):
    """Samples :func:`read_metric_body` would keep (same errors), without building frames:
    how the service validates a metrics batch."""
    from rca.ingest.body import count_metric_body as _count

    return _count(body, content_type)


def read_metric_body(body, content_type="", received=None, stats=None):
    """Metric samples of a request body: long frame ``timestamp, series, value, labels,
    service`` (see :mod:`rca.ingest.body`)."""
    from rca.ingest.body import read_metric_body as _read

    return _read(body, content_type, received=received, stats=stats)


def template_miner(state=None):
    """A template miner, fresh or restored from its JSON state (``miner.to_json()``)."""
    from rca.templates import TemplateMiner

    return TemplateMiner.from_json(state) if state else TemplateMiner()


def online_detector(state=None, warmup=None):
    """The default streaming detector for one series (river API, calibrated 0..1 scores),
    fresh or restored from ``to_dict()`` state, and its alarm threshold: ``(detector,
    threshold)``. ``warmup`` = points learned before it scores (``is_warming_up`` until then)."""
    from rca.detect.online import DEFAULT_DETECTOR, NoveltyDetector, get_spec

    det = NoveltyDetector.from_dict(state) if state else (
        NoveltyDetector(warm_up=warmup) if warmup else NoveltyDetector())
    return det, get_spec(DEFAULT_DETECTOR).threshold


def alarm_rule(threshold, min_count=1, window=1):
    """Scores -> alarms: at least ``min_count`` of the last ``window`` scores reach
    ``threshold`` (:class:`rca.detect.alarms.AlarmRule`)."""
    from rca.detect.alarms import AlarmRule

    return AlarmRule(threshold=threshold, min_count=min_count, window=window)


def silence_detector(state=None):
    """Per-source silence tracking (:class:`rca.detect.silence.SilenceDetector`)."""
    from rca.detect.silence import SilenceDetector

    return SilenceDetector.from_dict(state) if state else SilenceDetector()


def forecast_points(points, thresholds=None):
    """Health forecasts of recent samples ``{series: [(epoch_s, value), ...]}``:
    ``{series: Forecast}`` for every series with a threshold (:func:`rca.detect.forecast.
    forecast_frame`): values as fractions for share-of-a-whole kinds, ETAs from each series'
    own last sample, ``stale`` when a series stopped while others go on."""
    import pandas as pd

    from rca.detect.forecast import forecast_frame

    cols = {name: pd.Series({pd.Timestamp(t, unit="s", tz="UTC"): v for t, v in pts})
            for name, pts in points.items() if pts}
    if not cols:
        return {}
    wide = pd.DataFrame(cols).sort_index()
    return {f.series: f for f in forecast_frame(wide, thresholds, every=True)}


def analyze_records(records, metrics=None, edges=(), fault_time=None, suggest=True):
    """``rca analyze`` on in-memory data: log records and a long metric frame (``timestamp,
    series, value``) -> :class:`rca.types.Analysis`, with the same events frame, ranking,
    evidence and fixes as :func:`analyze` on files."""
    from rca.analyze import analyze_frames
    from rca.analyze.inputs import analysis_events
    from rca.ingest.metrics import to_wide

    events = analysis_events(records) if records else None
    wide = to_wide(metrics) if metrics is not None and len(metrics) else None
    feedback = _feedback_store() if suggest else None
    return analyze_frames(events if events is not None and len(events) else None, wide,
                          edges=list(edges), fault_time=fault_time, suggest=suggest,
                          feedback=feedback)


def _feedback_store():
    from rca.fixes import FeedbackStore

    return FeedbackStore()


def over_threshold(series, values, thresholds=None):
    """Whether the last of ``values`` (a series' recent samples, oldest first) is over the
    health threshold of the series' metric kind, read in the threshold's unit (percent as a
    fraction, seconds as ms): True/False, or None when no threshold applies or the values
    cannot be put in its unit (absolute bytes against a fraction)."""
    from rca.detect.kinds import normalize, threshold_for

    limit = threshold_for(series, thresholds)
    norm = None if limit is None or not len(values) else normalize(series, values)
    return None if norm is None else bool(norm[-1] > limit)


def metric_thresholds(overrides=None):
    """Health thresholds by metric kind: the defaults of :mod:`rca.detect.kinds` merged with
    ``overrides`` (keys: any name of a kind; an unknown one is a ``ConfigError``)."""
    from rca.detect.kinds import thresholds

    return thresholds(overrides)


def incident_id(start, services, signatures=()):
    """The stable id of an incident (same start, services and signatures -> same id)."""
    from rca.rank.incident import incident_id as _iid

    return _iid(start, services, signatures)


def infer_dependencies(texts, services):
    """Caller -> callee edges from error messages naming another service: ``texts`` is
    ``[(service, message)]`` (:func:`rca.rank.graph.infer_edges`)."""
    import pandas as pd

    from rca.rank.graph import infer_edges

    frame = pd.DataFrame(list(texts), columns=["service", "text"])
    return infer_edges(frame, services)


def check_model(model_dir):
    """Verify a saved model folder's manifest and checksums without unpickling anything
    (:class:`rca.errors.ModelError` on a mismatch); returns the manifest."""
    from pathlib import Path

    from rca.train.store import read_manifest

    return read_manifest(Path(model_dir))


def log_window_scorer(model_dir):
    """A trained log model (``rca train``, log input) loaded once, checksums verified first:
    a function ``lines -> (largest window score, any window predicted failing)``."""
    import json
    import os
    import tempfile
    from pathlib import Path

    from rca.errors import ModelError
    from rca.templates import TemplateMiner
    from rca.train import load_model, parse_config
    from rca.train.build import score_frame
    from rca.train.data import load_sessions

    pipeline, manifest = load_model(Path(model_dir))
    try:
        cfg = parse_config(manifest["config"])
    except Exception as exc:  # noqa: BLE001 - any problem of the stored config
        raise ModelError(f"{model_dir}: the stored config is unusable: {exc}") from None
    if cfg.input["format"] != "log":
        raise ModelError(f"{model_dir}: only log models score log windows "
                         f"(this one reads {cfg.input['format']})")
    state = json.loads((Path(model_dir) / "miner.json").read_text())

    def score(lines):
        if not lines:
            return 0.0, False
        fd, path = tempfile.mkstemp(suffix=".log", prefix="rca-window-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
            frame = load_sessions(cfg, [path], with_labels=False,
                                  miner=TemplateMiner.from_json(state))
            res = score_frame(pipeline, frame) if not frame.empty else None
        finally:
            os.unlink(path)
        if res is None:
            return 0.0, False
        return float(res["score"].max()), bool(res["prediction"].max())

    return score

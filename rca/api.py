"""The facade every front (CLI, service, pipelines, notebooks) calls.

Functions here only wire stages together; each stage's logic lives in its folder.
Sections are grouped by capability.
"""

from __future__ import annotations

# --- parsing: ingest + templates (rca.ingest, rca.templates) -------------------------------

#: Columns of ``events_frame`` and of the CSV ``rca parse --out`` writes.
EVENT_COLUMNS = ("source", "line", "timestamp", "service", "host", "level", "template_id",
                 "template", "message", "flags")


def _template_miner():
    try:
        from rca.templates import TemplateMiner
    except ImportError:  # package __init__ not exporting it yet
        from rca.templates.miner import TemplateMiner
    return TemplateMiner


def parse_events(paths, log_format=None, miner=None, stats=None, service=None, year=None,
                 tz="UTC"):
    """Read logs and give each record its template: an iterator of :class:`rca.types.Event`.

    ``paths``: files or folders; ``log_format``: None/"auto", "json", "logfmt", "syslog",
    "text" or a Loghub format string; ``miner``: a ``rca.templates.TemplateMiner`` to learn
    into (a fresh one by default); ``stats``: a :class:`rca.ingest.ReadStats` to fill.
    Missing files raise :class:`rca.errors.InputError` before the first event.
    """
    from rca.ingest import read_records
    from rca.types import Event

    if miner is None:
        miner = _template_miner()()
    records = read_records(paths, log_format=log_format, service=service, year=year, tz=tz,
                           stats=stats)
    return _events(records, miner, Event)


def _events(records, miner, event_cls):
    add = miner.add
    for rec in records:
        m = add(rec.message)
        yield event_cls(rec, m.template_id, m.template, tuple(m.params))


def _event_row(ev) -> tuple:
    r = ev.record
    return (r.source, r.line, r.timestamp.isoformat() if r.timestamp else "", r.service,
            r.host or "", r.level or "", ev.template_id, ev.template, r.message,
            ",".join(r.flags))


def events_frame(events):
    """Events as a DataFrame with :data:`EVENT_COLUMNS` (timestamp as UTC datetime64)."""
    import pandas as pd

    rows = []
    for ev in events:
        r = ev.record
        rows.append((r.source, r.line, r.timestamp, r.service, r.host, r.level, ev.template_id,
                     ev.template, r.message, ",".join(r.flags)))
    df = pd.DataFrame.from_records(rows, columns=list(EVENT_COLUMNS))
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    df["line"] = df["line"].astype("int64")
    return df


def parse_to_files(paths, out=None, templates_out=None, state=None, log_format=None,
                   service=None, year=None, tz="UTC", on_record=None):
    """The ``rca parse`` job, streaming: write one CSV row per record to ``out`` as it is read,
    then the templates (``id,template,count,aliases``) to ``templates_out``; learn into the
    miner saved at ``state`` (loaded first when the file exists).

    Memory stays flat: rows are written as they come; only per-template counts are kept.
    ``on_record(stats)`` is called every 4,096 records (progress). Returns a
    :class:`ParseResult`.
    """
    import csv
    from pathlib import Path

    from rca.ingest import ReadStats

    Miner = _template_miner()
    state_path = Path(state) if state else None
    miner = Miner.load(state_path) if state_path and state_path.exists() else Miner()
    stats = ReadStats()
    events = parse_events(paths, log_format=log_format, miner=miner, stats=stats,
                          service=service, year=year, tz=tz)
    counts: dict[str, int] = {}
    fh = open(out, "w", newline="", encoding="utf-8") if out else None
    try:
        writerow = csv.writer(fh).writerow if fh else None
        if writerow:
            writerow(EVENT_COLUMNS)
        n = 0
        for ev in events:
            counts[ev.template_id] = counts.get(ev.template_id, 0) + 1
            if writerow:
                writerow(_event_row(ev))
            n += 1
            if on_record is not None and not n & 4095:
                on_record(stats)
    finally:
        if fh:
            fh.close()
    if on_record is not None:
        on_record(stats)
    current: dict[str, int] = {}
    aliases: dict[str, list[str]] = {}
    for tid, count in counts.items():
        cur = miner.resolve(tid)
        current[cur] = current.get(cur, 0) + count
        if cur != tid:
            aliases.setdefault(cur, []).append(tid)
    templates = miner.templates
    result = ParseResult(stats=stats, counts=current, templates=templates, aliases=aliases)
    if templates_out:
        with open(templates_out, "w", newline="", encoding="utf-8") as th:
            w = csv.writer(th)
            w.writerow(("id", "template", "count", "aliases"))
            for tid, count in result.top():
                w.writerow((tid, templates.get(tid, ""), count, " ".join(aliases.get(tid, ()))))
    if state_path:
        miner.save(state_path)
    return result


class ParseResult:
    """What :func:`parse_to_files` learnt: read counts, records per (current) template id,
    template texts, and the earlier ids each template had before it was generalised."""

    def __init__(self, stats, counts, templates, aliases):
        self.stats = stats
        self.counts = counts
        self.templates = templates
        self.aliases = aliases

    def top(self, n: int | None = None) -> list[tuple[str, int]]:
        """``(template_id, count)`` by decreasing count."""
        items = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return items if n is None else items[:n]

# --- failure prediction: features, offline detectors, training pipeline (rca.features, rca.train)

def train_model(config, models_dir=None, version=None):
    """Run a training config (path to a TOML file) and write ``<models>/<name>/<version>/``.

    Returns a :class:`rca.train.TrainResult` (``folder``, ``metrics``). Bad configs raise
    :class:`rca.errors.ConfigError`, unusable data :class:`rca.errors.InputError`.
    """
    from rca.train import load_config, train

    return train(load_config(config), models_dir=models_dir, version=version)


def predict_failures(model_dir, inputs):
    """Score sessions/windows in ``inputs`` with a saved model (checksums verified before
    unpickling): a DataFrame with ``id``, ``score`` (higher = more anomalous), ``prediction``."""
    from rca.train import predict

    return predict(model_dir, list(inputs))


def predict_to_csv(model_dir, inputs, out):
    """:func:`predict_failures` written to ``out`` as CSV; returns the scores frame."""
    from pathlib import Path

    scores = predict_failures(model_dir, inputs)
    out = Path(out)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    scores.to_csv(out, index=False)
    return scores


# --- online metrics: metric ingest, streaming detectors (rca.detect) ---------------------------

def load_metrics(path, time_col=None):
    """Read a metrics file (CSV long/wide, Prometheus text or query_range JSON) into a long
    frame ``timestamp, series, value, labels``; returns ``(frame, MetricStats)``."""
    from rca.ingest.metrics import MetricStats, read_metrics

    stats = MetricStats()
    return read_metrics(path, time_col=time_col, stats=stats), stats


def score_metrics(path, time_col=None, detector=None, threshold=None, state=None):
    """Prequential anomaly scores for every row of a metrics CSV (wide: a time column and one
    numeric column per series). Returns ``(frame, info)``: the input rows in input order with
    ``anomaly_score`` (0..1) and ``alarm`` (0/1) appended; ``info`` holds the detector name,
    threshold, series and read counts. ``state`` is a JSON file: loaded if present (novelty
    detector), written after scoring."""
    import json
    from pathlib import Path

    import numpy as np

    from rca.detect.alarms import AlarmRule
    from rca.detect.online import DEFAULT_DETECTOR, get_spec, score_frame
    from rca.ingest.metrics import read_metric_table

    name = detector or DEFAULT_DETECTOR
    spec = get_spec(name)
    table = read_metric_table(path, time_col=time_col)
    saved = None
    if state is not None and Path(state).is_file() and name == "novelty":
        saved = json.loads(Path(state).read_text())
    ordered = table.frame.iloc[table.order]
    scores_sorted, det = score_frame(ordered[table.series], name, state=saved)
    scores = np.empty(len(scores_sorted))
    scores[table.order] = scores_sorted
    thr = spec.threshold if threshold is None else float(threshold)
    alarms_sorted = AlarmRule(threshold=thr).apply(scores_sorted)
    alarms = np.empty(len(scores), dtype=np.int8)
    alarms[table.order] = alarms_sorted
    out = table.raw.copy()
    out["anomaly_score"] = np.round(scores, 6)
    out["alarm"] = alarms
    if state is not None and hasattr(det, "to_dict"):
        Path(state).parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(str(state) + ".tmp")
        tmp.write_text(json.dumps(det.to_dict()))
        tmp.replace(state)
    info = {"detector": name, "threshold": thr, "time_col": table.time_col, "series": list(table.series),
            "rows": len(out), "alarms": int(alarms.sum()), "stats": table.stats.as_dict()}
    return out, info


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


# --- incident analysis: ranking, fixes, simulation (rca.analyze, rca.rank, rca.fixes) ---------

def analyze(inputs=(), metrics=(), deps=None, fault_time=None, suggest: bool = True):
    """Analyse an incident: log files/folders and/or metric CSVs -> :class:`rca.types.Analysis`.

    ``deps`` is a YAML/JSON caller -> callee edge list; ``fault_time`` (epoch seconds, ISO 8601
    or a Timestamp) skips onset detection. ``Analysis.incident`` is None when nothing anomalous
    was found.
    """
    from rca.analyze import analyze_paths

    feedback = None
    if suggest:
        try:
            from rca.fixes import FeedbackStore

            feedback = FeedbackStore()  # the user's resolved incidents (rca feedback)
        except ImportError:
            feedback = None
    return analyze_paths(list(inputs), list(metrics), deps=deps, fault_time=fault_time,
                         suggest=suggest, feedback=feedback)


def analysis_to_dict(analysis) -> dict:
    """The ``rca analyze --json`` shape of an analysis."""
    from rca.report.as_dict import analysis_to_dict as _to_dict

    return _to_dict(analysis)


def analysis_to_html(analysis) -> str:
    """A self-contained HTML report of an analysis (inline PNG plots)."""
    from rca.report.html import render_html

    return render_html(analysis)


# incident analysis (continued): fix library, feedback, simulator (rca.fixes, rca.simulate)

def load_fix_library(fixes_dirs=()):
    """The remediation library: shipped entries, then ``$RCA_FIXES_PATH``, then
    ``fixes_dirs`` (a later entry with the same id wins). -> :class:`rca.fixes.Library`."""
    from rca.fixes import Library

    return Library.load(extra_dirs=fixes_dirs)


def list_fixes(fixes_dirs=()):
    """All remediation entries (:class:`rca.fixes.FixEntry`), sorted by id."""
    return list(load_fix_library(fixes_dirs).entries)


def get_fix(fix_id, fixes_dirs=()):
    """One entry by id; an unknown id raises :class:`rca.errors.InputError`."""
    return load_fix_library(fixes_dirs).get(fix_id)


def suggest_fixes(clues, fixes_dirs=(), feedback=True, limit=5):
    """Suggestions for ``clues`` (``(service, text[, level[, metric]])``, most important
    first). ``feedback=True`` also learns from the user's resolved incidents (a
    :class:`rca.fixes.FeedbackStore` may be given instead)."""
    from rca.fixes import FeedbackStore

    store = FeedbackStore() if feedback is True else (feedback or None)
    return load_fix_library(fixes_dirs).suggest(clues, feedback=store, limit=limit)


def record_feedback(incident_id, fix_id, signature=None, fixes_dirs=()):
    """Record that ``fix_id`` resolved ``incident_id`` (``rca feedback``). Returns the stored
    incident (``id, signatures, services, created, fixes``) plus ``in_library``."""
    from rca.fixes import FeedbackStore

    store = FeedbackStore()
    store.record(incident_id, fix_id, signature=signature)
    info = store.incident(incident_id) or {"id": incident_id}
    info["in_library"] = fix_id in load_fix_library(fixes_dirs)
    return info


def simulate(scenario, out_dir, seed=0, n_services=6, duration=1200, lines=400, noise=1.0,
             step=5):
    """Write a simulated incident (logs, metrics.csv, deps.yaml, truth.json) to ``out_dir``."""
    from rca.simulate import simulate as _simulate

    return _simulate(scenario, out_dir, seed=seed, n_services=n_services, duration=duration,
                     lines=lines, noise=noise, step=step)


def list_scenarios():
    """``[(name, fix_id, description)]`` of the simulator's scenarios."""
    from rca.simulate import FAULTS, SCENARIOS

    return [(name, FAULTS[name].fix_id, FAULTS[name].description) for name in SCENARIOS]


# --- service: scoring service and watchers (rca.service) ---------------------------------------

def service_config(path=None, **overrides):
    """The scoring service's settings: an explicit YAML/JSON file (optional) plus overrides."""
    from rca.service.config import ServiceConfig

    return ServiceConfig.load(path, **overrides)


def service_app(config=None):
    """The scoring service as an ASGI app (FastAPI). Raises ``ConfigError`` when it would listen
    beyond loopback without a token."""
    from rca.service import create_app

    return create_app(config)


def serve(config, log_level: str = "info", workers: int = 1) -> None:
    """Run the scoring service under uvicorn until interrupted. With ``workers`` > 1, that
    many processes ingest and serve reads, and one scorer process runs beside them."""
    import uvicorn

    app = service_app(config)
    if workers <= 1:
        uvicorn.run(app, host=config.host, port=config.port, log_level=log_level,
                    limit_concurrency=1000, timeout_graceful_shutdown=10)
        return
    import json
    import multiprocessing as mp
    import os
    from dataclasses import asdict

    from rca.service.app import ENV_CONFIG
    from rca.service.runtime import _scorer_process

    os.environ[ENV_CONFIG] = json.dumps(asdict(config.with_(scorer="off")))
    stop = None
    proc = None
    if config.scorer != "off":
        ctx = mp.get_context("spawn")
        stop = ctx.Event()
        proc = ctx.Process(target=_scorer_process, args=(asdict(config), stop, os.getpid()),
                           daemon=True)
        proc.start()
    try:
        uvicorn.run("rca.service.app:app_from_env", factory=True, workers=workers,
                    host=config.host, port=config.port, log_level=log_level,
                    limit_concurrency=1000, timeout_graceful_shutdown=10)
    finally:
        if proc is not None:
            stop.set()
            proc.join(timeout=30)


def watch(logs=None, health=None, to=None, *, interval: float = 5.0, token=None,
          state=None, db=None, max_iterations=None, stop=None, on_pass=None) -> int:
    """Tail ``logs`` ({service: path}) and poll ``health`` ({service: url}); feed the service
    at ``to`` or, without it, score in-process into ``db`` (default under the data dir).
    Returns the number of passes made."""
    import os

    from rca.paths import data_dir
    from rca.watch.runner import HttpSink, LocalSink, Watcher

    if to:
        sink = HttpSink(to, token or os.environ.get("RCA_TOKEN"))
    else:
        sink = LocalSink(db or data_dir() / "watch.sqlite3")
    try:
        w = Watcher(logs or {}, health or {}, sink, interval=interval, state_path=state)
        if on_pass is not None and isinstance(sink, LocalSink):
            user = on_pass

            def on_pass(result):  # noqa: F811 - wrap to score after each pass
                result["incidents"] = sink.score()
                user(result)
        elif isinstance(sink, LocalSink):
            def on_pass(result):
                sink.score()
        return w.run(max_iterations=max_iterations, stop=stop, on_pass=on_pass)
    finally:
        sink.close()

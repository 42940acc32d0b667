"""The incident workflow: events and metrics in, a ranked :class:`rca.types.Analysis` out.

onset (given or detected) -> log templates and silent services -> metric deviations ->
dependency graph (given, else inferred from errors naming other services) -> combined ranking
-> evidence -> fix suggestions. Nothing here renders anything.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Sequence

import pandas as pd

from rca.analyze.evidence import TOP_K, as_datetime as _dt, root_causes
from rca.detect.changepoint import detect_onset
from rca.errors import InputError
from rca.rank import combine as rank_combine
from rca.rank import logs as rank_logs
from rca.rank import metrics as rank_metrics
from rca.rank.graph import infer_edges
from rca.rank.incident import incident_id
from rca.types import Analysis, Incident, Suggestion

#: Robust deviation a metric must reach for the metrics alone to declare an incident.
METRIC_INCIDENT_Z = 10.0


def analyze_frames(events: pd.DataFrame | None = None, metrics: pd.DataFrame | None = None,
                   edges: Sequence[tuple[str, str]] = (), fault_time: pd.Timestamp | None = None,
                   metrics_source: str = "metrics", suggest: bool = True, feedback=None
                   ) -> Analysis:
    """Analyse an events frame (see :mod:`rca.rank.logs`) and/or a time-indexed wide metrics
    frame. ``fault_time`` None means: detect the onset. ``feedback`` is an optional
    :class:`rca.fixes.FeedbackStore`: fixes of similar resolved incidents are suggested and this
    incident is remembered under its id."""
    has_logs = events is not None and not events.empty
    has_metrics = metrics is not None and not metrics.empty
    if not has_logs and not has_metrics:
        raise InputError("nothing to analyse: no log records and no metrics")
    notes: list[str] = []
    sev = rank_logs.severity(events) if has_logs else None

    if fault_time is not None:
        first, last = _data_start(events, metrics), _data_end(events, metrics)
        if not first < fault_time <= last:
            raise InputError(f"fault time {_dt(fault_time):%Y-%m-%d %H:%M:%S} UTC is outside the "
                             f"data ({_dt(first):%Y-%m-%d %H:%M:%S} .. "
                             f"{_dt(last):%Y-%m-%d %H:%M:%S} UTC)")
    onset = fault_time
    if onset is None and has_logs:
        onset = rank_logs.log_onset(events)
    if onset is None and has_metrics:
        onset = detect_onset(metrics)
    if onset is None:
        why = "no errors in the logs" if has_logs else "too few metric samples to find a change"
        return Analysis(incident=None, notes=(f"no incident found: {why}",),
                        timeline=_timeline(events, sev) if has_logs else None)

    if fault_time is None and has_metrics:
        span = _data_end(events, metrics) - _data_start(events, metrics)
        early = rank_metrics.early_start(metrics, onset, span * rank_logs.EARLIEST)
        if early is not None and early < onset:
            notes.append(f"onset moved back from {_dt(onset):%H:%M:%S} to {_dt(early):%H:%M:%S}: "
                         "a metric was already moving")
            onset = early

    log_services = templates = None
    if has_logs:
        templates = rank_logs.template_table(events, onset, sev=sev)
        silent = rank_logs.silent_services(events, onset)
        log_services = rank_logs.service_table(templates, silent)

    metric_table = metric_services = None
    if has_metrics:
        metric_table = rank_metrics.metric_table(metrics, onset)
        metric_services = rank_metrics.service_table(metric_table)
        if metric_services.empty or metric_services["score"].max() < METRIC_INCIDENT_Z:
            metric_services = metric_services.assign(strength=0.0)  # ranks, not evidence

    metric_evidence = metric_services is not None and (metric_services["strength"] > 0).any()
    if (log_services is None or log_services.empty) and not metric_evidence:
        why = "no new or surging errors" if has_logs else "no metric moved"
        if has_logs and not (sev > 0).any():
            why = "no errors in the logs"
        return Analysis(incident=None, notes=(f"no incident found: {why}",),
                        timeline=_timeline(events, sev) if has_logs else None)

    graph = _graph(edges, events, metrics, templates, onset, notes)
    end = _data_end(events, metrics)
    ranked = rank_combine.combine(log_services, metric_services, graph, onset=onset, end=end,
                                  services=_services(events, metrics))
    ranked = ranked.astype(object).where(ranked.notna(), None)
    causes = root_causes(ranked, events, metric_table, onset, metrics_source)

    start = onset
    incident_end = _incident_end(events, templates, onset, end)
    clues = _clues(events, templates, causes, onset)
    iid = incident_id(_dt(start), [c.service for c in causes], [c[1] for c in clues if c[1]])
    incident = Incident(start=_dt(start), end=_dt(incident_end),
                        onset=None if fault_time is not None else _dt(onset), id=iid,
                        services=tuple(ranked["service"]))
    suggestions = _suggest(clues, iid, feedback, notes) if suggest else []
    return Analysis(incident=incident, root_causes=tuple(causes), suggestions=tuple(suggestions),
                    timeline=_timeline(events, sev) if has_logs else None,
                    notes=tuple(notes),
                    metrics=_metric_view(metrics, metric_table, onset,
                                         [c.metric for c in causes if c.metric]))


def analyze_paths(inputs: Sequence[str | Path] = (), metrics: Sequence[str | Path] = (),
                  deps: str | Path | None = None, fault_time=None, suggest: bool = True,
                  feedback=None) -> Analysis:
    """Read logs (files or folders), metric CSVs and a dependency file, then analyse."""
    from rca.analyze import inputs as io

    if not inputs and not metrics:
        raise InputError("no input: give log files or folders, and/or --metrics CSV")
    found, found_deps, found_notes = io.discover(inputs, metrics, deps)
    metrics = list(metrics) or found
    deps = deps if deps is not None else found_deps
    events = io.read_events(inputs) if inputs else None
    if inputs and events.empty:
        raise InputError("no log records in " + ", ".join(str(p) for p in inputs)
                         + " (empty files?)")
    wide = io.read_metrics_wide(metrics) if metrics else None
    edges = io.read_edges(deps)
    source = ", ".join(Path(m).name for m in metrics) if metrics else "metrics"
    result = analyze_frames(events, wide, edges, io.parse_time(fault_time),
                            metrics_source=source, suggest=suggest, feedback=feedback)
    if found_notes:
        result = replace(result, notes=(*found_notes, *result.notes))
    return result


# --- helpers -------------------------------------------------------------------------------

def _data_end(events, metrics):
    ends = []
    if events is not None and not events.empty:
        ends.append(events["timestamp"].max())
    if metrics is not None and not metrics.empty:
        ends.append(metrics.index.max())
    return max(ends) if ends else None


def _data_start(events, metrics):
    starts = []
    if events is not None and not events.empty:
        starts.append(events["timestamp"].min())
    if metrics is not None and not metrics.empty:
        starts.append(metrics.index.min())
    return min(starts)


def _services(events, metrics) -> set[str]:
    """Every service seen in the inputs: log services and metric column prefixes."""
    services = set(events["service"].unique()) if events is not None else set()
    if metrics is not None and not metrics.empty:
        services |= {rank_metrics.service_of(c) for c in metrics.columns}
    return services


def _graph(edges, events, metrics, templates, onset, notes: list[str]) -> list[tuple[str, str]]:
    """The given dependency edges, else edges inferred from errors naming other services."""
    graph = list(edges)
    if graph or templates is None:
        return graph
    graph = infer_edges(_hot_messages(events, templates, onset), _services(events, metrics))
    if graph:
        notes.append("dependency graph inferred from errors naming other services: "
                     + ", ".join(f"{a}->{b}" for a, b in graph))
    return graph


def _incident_end(events, templates, onset, end):
    if events is None or templates is None or templates.empty:
        return end
    hot = templates[templates["score"] > 0]
    if hot.empty:
        return end
    keys = pd.MultiIndex.from_frame(hot[["service", "template_id"]])
    mine = pd.MultiIndex.from_frame(events[["service", "template_id"]]).isin(keys)
    last = events.loc[mine & (events["timestamp"] >= onset).to_numpy(), "timestamp"]
    return last.max() if not last.empty else end


def _hot_messages(events, templates, onset, per_template: int = 5) -> pd.DataFrame:
    """``service, text``: the first few messages after the onset of every anomalous template."""
    hot = templates[templates["score"] > 0]
    keys = pd.MultiIndex.from_frame(hot[["service", "template_id"]])
    mine = pd.MultiIndex.from_frame(events[["service", "template_id"]]).isin(keys)
    sel = events[mine & (events["timestamp"] >= onset).to_numpy()]
    sel = sel.groupby(["service", "template_id"], sort=False).head(per_template)
    return pd.DataFrame({"service": sel["service"], "text": sel["message"]})


def _timeline(events, sev, points: int = 120) -> pd.DataFrame | None:
    """Warning-or-worse events per service over time (columns = services)."""
    if events is None or events.empty:
        return None
    err = events[(sev > 0).to_numpy()]
    if err.empty:
        return None
    span = (events["timestamp"].max() - events["timestamp"].min()).total_seconds()
    width = pd.Timedelta(seconds=max(1, round(span / points)))
    return (err.set_index("timestamp").groupby("service").resample(width).size()
            .unstack(0, fill_value=0).fillna(0).astype(int))


def _metric_view(metrics, table, onset, first=(), top: int = 6) -> pd.DataFrame | None:
    """Robust deviation over time of the candidates' series, then the top ones (for plots)."""
    if metrics is None or table is None or table.empty:
        return None
    cols = list(dict.fromkeys([*first, *table["series"]]))[:top]
    normal = metrics[metrics.index < onset]
    if normal.empty:
        return None
    return rank_metrics.robust_z(normal, metrics[cols])


def _clues(events, templates, causes, onset) -> list[tuple]:
    """``(service, text, level, metric_hint)`` for the top candidates, most important first:
    each one's anomalous messages (one per template), then its metric and silence hints."""
    clues: list[tuple] = []
    for cause in [c for c in causes if c.anomalous][:3]:
        if events is not None and templates is not None and not templates.empty:
            hot = templates[(templates["service"] == cause.service) & (templates["score"] > 0)]
            sel = events[(events["service"] == cause.service) & (events["timestamp"] >= onset)
                         & events["template_id"].isin(hot["template_id"]).to_numpy()]
            first = sel.drop_duplicates("template_id").set_index("template_id")
            for tid in hot["template_id"]:  # strongest template first
                if tid in first.index:
                    clues.append((cause.service, str(first.at[tid, "message"]),
                                  first.at[tid, "level"], None))
        if cause.metric:
            clues.append((cause.service, None, None, _metric_hint(cause.metric)))
        if any("silent" in r for r in cause.reasons):
            clues.append((cause.service, None, None, f"{cause.service} logs stopped (silent)"))
    return clues


def _suggest(clues, incident_id: str, feedback, notes: list[str]) -> list[Suggestion]:
    """Fix suggestions from the remediation library (and resolved incidents, if a feedback
    store is given); the incident's signatures are remembered for later feedback."""
    if not clues:
        return []
    from rca.fixes import Library

    try:
        if feedback is not None:
            feedback.remember_incident(incident_id, [c[1] for c in clues if c[1]],
                                       list(dict.fromkeys(c[0] for c in clues)))
        return list(Library.load().suggest(clues, feedback=feedback))
    except Exception as exc:  # noqa: BLE001 - suggestions must never sink the analysis
        notes.append(f"fix suggestions unavailable: {exc}")
        return []


def _metric_hint(series: str) -> str:
    """``orders_mem`` -> ``"orders_mem rising"`` (the ranker scores upward moves only)."""
    return f"{series} rising"

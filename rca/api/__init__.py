"""The facade every front (CLI, service, pipelines, notebooks) calls.

Functions here only wire stages together; each stage's logic lives in its folder. One
submodule per capability: :mod:`rca.api.parsing` (ingest + templates),
:mod:`rca.api.models` (failure prediction), :mod:`rca.api.metrics` (online metrics),
:mod:`rca.api.incidents` (incident analysis), :mod:`rca.api.fixes` (fix library, feedback),
:mod:`rca.api.live` (what the service and watchers call: request bodies, online scoring,
incident grouping and analysis), :mod:`rca.api.service` (scoring service, watchers). Every public name is re-exported here, so
``rca.api.X`` is the name to use. Importing the facade imports no stage: each function imports
what it needs when called, so the CLI starts fast.
"""

from __future__ import annotations

_HOME = {  # public name -> the submodule of rca.api that defines it
    **dict.fromkeys(('get_fix', 'list_fixes', 'load_fix_library', 'record_feedback', 'suggest_fixes'), 'fixes'),
    **dict.fromkeys(('analysis_to_dict', 'analysis_to_html', 'analyze', 'list_scenarios', 'simulate'), 'incidents'),
    **dict.fromkeys(('REMOTE_WRITE_TYPE', 'alarm_rule', 'analyze_records', 'check_model',
                     'count_log_body', 'count_metric_body', 'count_otlp_body', 'forecast_points',
                     'incident_id', 'infer_dependencies', 'log_window_scorer', 'metric_thresholds',
                     'online_detector', 'open_body', 'otlp_response', 'over_threshold', 'read_log_body',
                     'read_metric_body', 'silence_detector', 'template_miner'), 'live'),
    **dict.fromkeys(('forecast_metrics', 'load_metrics', 'prometheus_query', 'prometheus_table',
                     'score_metrics'), 'metrics'),
    **dict.fromkeys(('predict_failures', 'predict_to_csv', 'train_model'), 'models'),
    **dict.fromkeys(('ParseResult', 'events_frame', 'log_formats', 'parse_events', 'parse_to_files',
                     'syslog_framer'), 'parsing'),
    **dict.fromkeys(('load_yaml', 'local_monitor', 'serve', 'service_app', 'service_config', 'watch'), 'service'),
}

__all__ = ["REMOTE_WRITE_TYPE", "load_yaml", "alarm_rule", "analysis_to_dict", "analysis_to_html", "analyze",
           "analyze_records", "check_model", "count_log_body", "count_metric_body",
           "count_otlp_body", "events_frame", "forecast_metrics", "forecast_points", "get_fix",
           "incident_id", "infer_dependencies", "list_fixes", "list_scenarios", "load_fix_library",
           "load_metrics", "local_monitor", "log_formats", "log_window_scorer", "metric_thresholds",
           "online_detector", "open_body", "otlp_response", "over_threshold", "parse_events",
           "parse_to_files", "ParseResult", "predict_failures", "predict_to_csv",
           "prometheus_query", "prometheus_table", "read_log_body", "read_metric_body",
           "record_feedback", "score_metrics", "serve", "service_app", "service_config",
           "silence_detector", "simulate", "suggest_fixes", "syslog_framer", "template_miner",
           "train_model", "watch"]


def __getattr__(name: str):
    """Each public name is imported from its submodule on first use (PEP 562), so that
    ``import rca.api`` (and a front that needs one capability) loads no other capability's
    stages; ``rca.api.EVENT_COLUMNS`` is the events-frame columns (:mod:`rca.features.events`)."""
    home = _HOME.get(name)
    if home is not None:
        import importlib

        value = getattr(importlib.import_module(f"rca.api.{home}"), name)
        globals()[name] = value
        return value
    if name == "EVENT_COLUMNS":
        from rca.features.events import EVENT_COLUMNS

        return EVENT_COLUMNS
    raise AttributeError(f"module 'rca.api' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""The facade every front (CLI, service, pipelines, notebooks) calls.

Functions here only wire stages together; each stage's logic lives in its folder. One
submodule per capability: :mod:`rca.api.parsing` (ingest + templates),
:mod:`rca.api.models` (failure prediction), :mod:`rca.api.metrics` (online metrics),
:mod:`rca.api.incidents` (incident analysis), :mod:`rca.api.fixes` (fix library, feedback),
:mod:`rca.api.service` (scoring service, watchers). Every public name is re-exported here, so
``rca.api.X`` is the name to use. Importing the facade imports no stage: each function imports
what it needs when called, so the CLI starts fast.
"""

from __future__ import annotations

from rca.api.fixes import get_fix, list_fixes, load_fix_library, record_feedback, suggest_fixes
from rca.api.incidents import (analysis_to_dict, analysis_to_html, analyze, list_scenarios,
                               simulate)
from rca.api.metrics import forecast_metrics, load_metrics, score_metrics
from rca.api.models import predict_failures, predict_to_csv, train_model
from rca.api.parsing import ParseResult, events_frame, parse_events, parse_to_files
from rca.api.service import serve, service_app, service_config, watch

__all__ = ["ParseResult", "analysis_to_dict", "analysis_to_html", "analyze", "events_frame",
           "forecast_metrics", "get_fix", "list_fixes", "list_scenarios", "load_fix_library",
           "load_metrics", "parse_events", "parse_to_files", "predict_failures", "predict_to_csv",
           "record_feedback", "score_metrics", "serve", "service_app", "service_config",
           "simulate", "suggest_fixes", "train_model", "watch"]


def __getattr__(name: str):
    """``rca.api.EVENT_COLUMNS``: the events-frame columns (:mod:`rca.features.events`),
    looked up on use so that importing the facade does not import pandas."""
    if name == "EVENT_COLUMNS":
        from rca.features.events import EVENT_COLUMNS

        return EVENT_COLUMNS
    raise AttributeError(f"module 'rca.api' has no attribute {name!r}")

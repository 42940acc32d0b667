"""Incident analysis: ranking, fixes, simulated incidents (rca.analyze, rca.report,
rca.simulate)."""

from __future__ import annotations

__all__ = ["analysis_to_dict", "analysis_to_html", "analyze", "list_scenarios", "simulate"]


def analyze(inputs=(), metrics=(), deps=None, fault_time=None, suggest: bool = True):
    """Analyse an incident: log files/folders and/or metric CSVs -> :class:`rca.types.Analysis`.

    ``deps`` is a YAML/JSON caller -> callee edge list; ``fault_time`` (epoch seconds, ISO 8601
    or a Timestamp) skips onset detection. ``Analysis.incident`` is None when nothing anomalous
    was found.
    """
    from rca.analyze import analyze_paths
    from rca.fixes import FeedbackStore

    # the user's resolved incidents (rca feedback) inform the suggestions
    feedback = FeedbackStore() if suggest else None
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


def simulate(scenario, out_dir, seed=0, n_services=6, duration=1200, lines=400, noise=1.0,
             step=5, vary=False):
    """Write a simulated incident (logs, metrics.csv, deps.yaml, truth.json) to ``out_dir``;
    ``vary``: other service names, ECS/OTel error fields, more unrelated noise."""
    from rca.simulate import simulate as _simulate

    return _simulate(scenario, out_dir, seed=seed, n_services=n_services, duration=duration,
                     lines=lines, noise=noise, step=step, vary=vary)


def list_scenarios():
    """``[(name, fix_id, description)]`` of the simulator's scenarios."""
    from rca.simulate import FAULTS, SCENARIOS

    return [(name, FAULTS[name].fix_id, FAULTS[name].description) for name in SCENARIOS]

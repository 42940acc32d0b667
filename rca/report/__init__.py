"""Renderings of an analysis: JSON-ready dict, rich terminal summary, self-contained HTML."""

from rca.report.as_dict import analysis_to_dict

__all__ = ["analysis_to_dict"]

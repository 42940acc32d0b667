"""Incident analysis: chains reading, ranking and fix suggestions into one
:class:`rca.types.Analysis`. The only stage allowed to import all the others."""

from rca.analyze.workflow import analyze_frames, analyze_paths

__all__ = ["analyze_frames", "analyze_paths"]

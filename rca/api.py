"""The facade every front (CLI, service, pipelines, notebooks) calls.

Functions here only wire stages together; each stage's logic lives in its folder.
Sections are grouped by capability.
"""

from __future__ import annotations

# --- parsing: ingest + templates (rca.ingest, rca.templates) -------------------------------

# --- failure prediction: features, offline detectors, training pipeline (rca.features, rca.train)

# --- online metrics: metric ingest, streaming detectors (rca.detect) ---------------------------

# --- incident analysis: ranking, fixes, simulation (rca.analyze, rca.rank, rca.fixes) ---------

# --- service: scoring service and watchers (rca.service) ---------------------------------------

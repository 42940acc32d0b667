"""rca: ML-driven failure prediction and root-cause analysis.

One straight path from a raw line to a fix::

    raw line -> Record (rca.ingest) -> Event (rca.templates) -> feature frame (rca.features)
      -> score -> alarm (rca.detect) -> ranked cause (rca.rank) -> suggestion (rca.fixes)

Fronts (CLI, service, pipelines, notebooks) call :mod:`rca.api`.
"""

__version__ = "0.1.0"

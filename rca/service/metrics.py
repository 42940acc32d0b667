"""The service's own Prometheus metrics (``GET /metrics``) with ``prometheus_client``.

Counters live in a registry per app; with several worker processes
(``$PROMETHEUS_MULTIPROC_DIR`` set by ``rca serve --workers N``) each process writes its
counts to that folder and ``/metrics`` adds them up (multiprocess mode), so a counter is not
per worker. Gauges of the store (queue depth, scoring backlog) are read when scraped.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class ServiceMetrics:
    """Counters of one service process, and the exposition of all of them."""

    def __init__(self):
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.ingested = Counter("rca_ingested", "Events durably stored.", ["kind"], registry=reg)
        self.rejected = Counter("rca_rejected", "Events or requests refused, by reason.",
                                ["kind", "reason"], registry=reg)
        self.duplicates = Counter("rca_duplicate_batches",
                                  "Batches not stored again (same Idempotency-Key).", ["kind"],
                                  registry=reg)
        self.latency = Histogram("rca_ingest_latency_seconds",
                                 "Request time until durable commit.", ["kind"], registry=reg)

    def reject(self, kind: str, reason: str, n: int = 1) -> None:
        self.rejected.labels(kind=kind, reason=reason).inc(n)

    def exposition(self, store_gauges) -> bytes:
        """Text exposition: this process's (or all workers') counters plus ``store_gauges()``
        -> ``{"queue_depth": n, "backlog": {kind: n}, "scored": {kind: n}, "latency":
        [sum, count]}`` read now."""
        if self.multiprocess:
            from prometheus_client import multiprocess

            reg = CollectorRegistry()
            multiprocess.MultiProcessCollector(reg)
        else:
            reg = CollectorRegistry()
            reg.register(_Forward(self.registry))
        reg.register(_StoreCollector(store_gauges))
        return generate_latest(reg)


class _Forward:
    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()


class _StoreCollector:
    def __init__(self, read):
        self.read = read

    def collect(self):
        g = self.read()
        depth = GaugeMetricFamily("rca_queue_depth", "Events accepted and waiting for their "
                                  "commit (this process).")
        depth.add_metric([], g["queue_depth"])
        yield depth
        backlog = GaugeMetricFamily("rca_scoring_backlog", "Stored events not scored yet.",
                                    labels=["kind"])
        scored = CounterMetricFamily("rca_scored", "Events scored.", labels=["kind"])
        for kind in ("logs", "metrics"):
            backlog.add_metric([kind], g["backlog"].get(kind, 0))
            scored.add_metric([kind], g["scored"].get(kind, 0))
        yield backlog
        yield scored
        lat = GaugeMetricFamily("rca_scoring_seconds", "Total time spent in scoring steps, "
                                "and steps taken.", labels=["what"])
        lat.add_metric(["seconds"], g["latency"][0])
        lat.add_metric(["steps"], g["latency"][1])
        yield lat

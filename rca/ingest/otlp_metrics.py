"""OTLP metrics export requests -> the long metrics frame of :mod:`rca.ingest.metrics`.

Gauge and sum data points give one sample each; histograms (explicit and exponential) and
summaries give ``<name>_count`` and ``<name>_sum`` (and ``<name>{quantile="q"}`` for summary
quantiles), as Prometheus names them. A series is ``name{labels}`` where the labels are the
point's attributes plus ``service`` (the resource's ``service.name``); ``labels`` also holds
``__name__`` (the bare name) and ``host`` (``host.name``) when the resource has one. A point without a value is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rca.ingest.metrics import MetricStats, finish_long, series_name
from rca.ingest.otlp import (REJECTED, attributes, decode_request, is_otlp_body, read_logs,
                             request_from_json)


@dataclass
class OtlpMetrics:
    """The long frame of one export request and how many data points were refused."""

    frame: pd.DataFrame
    rejected: int = 0
    reason: str = ""


def read_metrics(body: bytes, content_type: str | None) -> OtlpMetrics:
    """Data points of an OTLP metrics export request (protobuf or OTLP JSON)."""
    return metrics_from_request(decode_request("metrics", body, content_type))


def read_protobuf(body: bytes, content_type: str | None,
                  stats: MetricStats | None = None) -> pd.DataFrame:
    """The long frame of a protobuf metrics body: a Prometheus remote-write request (told by
    the ``proto=`` parameter of its content type) or an OTLP export request."""
    from rca.ingest.remote_write import is_remote_write, read_remote_write

    if is_remote_write(content_type):
        return read_remote_write(body, stats)
    got = read_metrics(body, content_type)
    if stats is not None:
        stats.rows += len(got.frame) + got.rejected
        stats.non_numeric += got.rejected
        stats.points += len(got.frame)
    return got.frame


def metrics_from_json(doc: dict) -> OtlpMetrics:
    """Data points of an already parsed OTLP JSON metrics object."""
    return metrics_from_request(request_from_json("metrics", doc))


def count_request(signal: str, body: bytes, content_type: str | None) -> tuple[int, int] | None:
    """``(accepted, rejected)`` of an OTLP export request body ("logs" or "metrics"); None
    when the body is not one (how the service validates OTLP and answers partial success)."""
    if not is_otlp_body(signal, body, content_type):
        return None
    if signal == "logs":
        got = read_logs(body, content_type)
        return len(got.records), got.rejected
    got_m = read_metrics(body, content_type)
    return len(got_m.frame), got_m.rejected


def metrics_from_request(req) -> OtlpMetrics:
    rows: list[tuple] = []
    rejected = 0
    for rm in req.resource_metrics:
        res = attributes(rm.resource.attributes)
        base = {"service": str(res["service.name"])} if res.get("service.name") else {}
        host = res.get("host.name")
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                rejected += _points(metric, base, host, rows)
    stats = MetricStats(rows=len(rows))
    frame = pd.DataFrame(rows, columns=["timestamp", "series", "value", "labels"])
    return OtlpMetrics(finish_long(frame, stats), rejected, REJECTED["metrics"] if rejected else "")


def _points(metric, base: dict, host, rows: list) -> int:
    kind = metric.WhichOneof("data")
    if kind is None:
        return 0
    data = getattr(metric, kind)
    name = metric.name
    rejected = 0
    for p in data.data_points:
        labels = base | {k: str(v) for k, v in attributes(p.attributes).items()}
        ts = pd.Timestamp(p.time_unix_nano or p.start_time_unix_nano, unit="ns", tz="UTC")
        if kind in ("gauge", "sum"):
            which = p.WhichOneof("value")
            if which is None:
                rejected += 1
                continue
            samples = [(name, labels, float(getattr(p, which)))]
        else:
            samples = [(f"{name}_count", labels, float(p.count)),
                       (f"{name}_sum", labels, float(p.sum))]
            if kind == "summary":
                samples += [(name, labels | {"quantile": f"{q.quantile:g}"}, float(q.value))
                            for q in p.quantile_values]
        for series, lab, value in samples:
            full = lab | {"__name__": series} | ({"host": str(host)} if host else {})
            rows.append((ts, series_name(series, lab), value, full))
    return rejected

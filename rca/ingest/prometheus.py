"""Prometheus as a live metrics source: its HTTP API (``/api/v1/query_range``, with an auth
header and TLS options). Saved exposition snapshots and API responses are files for
:func:`rca.ingest.metrics.read_metrics`.

>>> q = PrometheusQuery("http://127.0.0.1:9090", "rate(node_cpu_seconds_total[1m])", step=15)
>>> q.params(start=0, end=60)["step"]
'15'
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rca.errors import InputError
from rca.ingest.metric_table import MetricTable
from rca.ingest.metrics import MetricStats, read_query_range, series_name, to_wide


@dataclass(frozen=True)
class PrometheusQuery:
    """One PromQL query against a Prometheus server's HTTP API.

    ``headers`` are sent as given (e.g. ``{"Authorization": "Bearer ..."}``); ``ca_file``
    verifies the server with a private CA, ``insecure`` skips verification (test servers only).
    ``name`` names series that have no ``__name__`` (results of ``rate()`` etc.).
    """

    url: str
    query: str
    step: float = 15.0
    headers: dict = field(default_factory=dict)
    ca_file: str | None = None
    insecure: bool = False
    timeout: float = 30.0
    name: str = "value"

    def params(self, start: float, end: float) -> dict[str, str]:
        return {"query": self.query, "start": f"{start:.3f}", "end": f"{end:.3f}",
                "step": f"{self.step:g}"}

    def _context(self) -> ssl.SSLContext | None:
        if not self.url.lower().startswith("https"):
            return None
        ctx = ssl.create_default_context(cafile=self.ca_file)
        if self.insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def fetch(self, start: float, end: float) -> dict:
        """The decoded JSON of ``/api/v1/query_range`` over ``[start, end]`` (epoch seconds)."""
        endpoint = self.url.rstrip("/") + "/api/v1/query_range"
        body = urllib.parse.urlencode(self.params(start, end)).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "Accept": "application/json", **self.headers}
        req = urllib.request.Request(endpoint, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout, context=self._context()) as r:
                raw = r.read()
        except urllib.error.HTTPError as exc:
            detail = _error_text(exc.read())
            raise InputError(f"Prometheus at {self.url} answered {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InputError(f"cannot reach Prometheus at {self.url}: {reason}") from None
        try:
            doc = json.loads(raw)
        except ValueError:
            raise InputError(f"Prometheus at {self.url} did not answer JSON") from None
        if doc.get("status") != "success":
            raise InputError(f"Prometheus query failed: {_error_text(raw)}")
        return doc

    def frame(self, since: float, until: float | None = None,
              stats: MetricStats | None = None) -> pd.DataFrame:
        """The long frame of the last ``since`` seconds (up to ``until``, default now)."""
        end = time.time() if until is None else until
        frame = read_query_range(self.fetch(end - since, end), self.url,
                                 stats if stats is not None else MetricStats())
        unnamed = [isinstance(lab, dict) and "__name__" not in lab for lab in frame["labels"]]
        if any(unnamed):  # rate(), sum()...: no __name__, named after the query
            frame.loc[unnamed, "series"] = [series_name(self.name, lab)
                                            for lab in frame.loc[unnamed, "labels"]]
        return frame

    def table(self, since: float, until: float | None = None) -> MetricTable:
        """The query's series as a wide table, the shape ``rca score`` scores row by row."""
        stats = MetricStats()
        wide = to_wide(self.frame(since, until, stats))
        if wide.empty:
            raise InputError(f"query {self.query!r} returned no samples in the last {since:g}s")
        raw = wide.reset_index()
        series = [c for c in raw.columns if c != "timestamp"]
        stats.rows = len(raw)
        return MetricTable(raw, raw[series], "timestamp", series, np.arange(len(raw)), stats)


def _error_text(raw: bytes) -> str:
    try:
        doc = json.loads(raw)
        return f"{doc.get('errorType', 'error')}: {doc.get('error', '')}".strip()
    except ValueError:
        return raw[:200].decode("utf-8", "replace")

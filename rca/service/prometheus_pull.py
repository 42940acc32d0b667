"""Pulls PromQL queries from a Prometheus server on an interval into the service's metrics
(the ``prometheus`` setting), through the same ingest path as ``POST /v1/metrics``.

``prometheus: {url, queries: {name: promql}, interval_seconds: 60, step_seconds: 15,
headers: {}, ca_file: null, insecure: false}``; a series without ``__name__`` (a ``rate()``)
is named after its query. Each pull asks for what came since the last one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from pydantic import BaseModel, ConfigDict, Field

from rca import api
from rca.errors import InputError

log = logging.getLogger("rca.service")


class PrometheusPull(BaseModel):
    """The ``prometheus`` setting: PromQL queries pulled from a server on an interval."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(pattern=r"^https?://")
    queries: dict[str, str] = Field(min_length=1)  # series name -> PromQL
    interval_seconds: float = Field(60.0, gt=0)
    step_seconds: float = Field(15.0, gt=0)
    headers: dict[str, str] = Field(default_factory=dict)  # e.g. Authorization
    ca_file: str | None = None
    insecure: bool = False  # skip TLS verification (test servers only)


def queries_from(setting) -> list:
    """The queries (:func:`rca.api.prometheus_query`) of a ``prometheus`` setting."""
    return [api.prometheus_query(setting.url, q, setting.step_seconds, setting.headers,
                                 setting.ca_file, setting.insecure, name)
            for name, q in setting.queries.items()]


class PrometheusPuller:
    """``await start()`` runs the pulls as an asyncio task; ``await stop()`` ends it."""

    def __init__(self, runtime, setting):
        self.rt = runtime
        if not isinstance(setting, PrometheusPull):
            setting = PrometheusPull.model_validate(setting)
        self.queries, self.interval = queries_from(setting), setting.interval_seconds
        self.last: dict[str, float] = {}
        self.pulled = 0
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _loop(self) -> None:
        while True:
            await self.pull()
            await asyncio.sleep(self.interval)

    async def pull(self) -> int:
        """One round over every query; returns the samples stored."""
        from rca.service.runtime import Rejected

        got = 0
        for q in self.queries:
            end = time.time()
            start = self.last.get(q.name, end - self.interval - q.step) + q.step
            try:
                frame = await asyncio.to_thread(q.frame, end - start, end)
                samples = [{"series": s, "value": v, "timestamp": ts.timestamp(), "labels": lab}
                           for ts, s, v, lab in frame.itertuples(index=False)]
                if samples:
                    res = await self.rt.ingest("metrics", json.dumps(samples).encode(),
                                               "application/json", None)
                    got += res["accepted"]
                self.last[q.name] = end
            except (InputError, Rejected) as exc:
                log.warning("prometheus pull of %s failed: %s", q.name, exc)
        self.pulled += got
        return got

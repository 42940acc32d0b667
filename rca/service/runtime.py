"""The service object: owns the store, the group-commit writer, the scorer and the counters.

``create_app`` builds HTTP routes over it; ``start``/``stop`` run in the app's lifespan.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import threading
import time
from collections import Counter
from dataclasses import asdict

from rca.errors import ConfigError, InputError
from rca.service import payloads, scoring
from rca.service.config import ServiceConfig
from rca.service.store import GroupWriter, QueueFull, Reader, WriteError, connect
from rca.service.worker import STATE_KEY, Scorer

log = logging.getLogger("rca.service")


class Rejected(Exception):
    """A request refused with an HTTP status and a one-line reason."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _scorer_process(config: dict, stop, parent: int) -> None:  # pragma: no cover - subprocess
    cfg = ServiceConfig(**config)
    try:
        os.nice(10)  # ingest (acknowledging writes) comes first; scoring catches up
    except OSError:
        pass
    scorer = Scorer(cfg).open()
    watch = threading.Event()

    def guard() -> None:  # stop when the server is gone (even after SIGKILL)
        while not stop.is_set() and os.getppid() == parent:
            time.sleep(0.5)
        watch.set()

    threading.Thread(target=guard, daemon=True).start()
    scorer.run(watch)


class ServiceRuntime:
    """Ingest, scoring and read-side state of one running service."""

    def __init__(self, config: ServiceConfig):
        self.config = config
        self.token = config.effective_token()
        from rca.service.scoring import default_threshold

        self.threshold = config.alarm_threshold or default_threshold()
        self.counters: Counter = Counter()
        self.latency = {"logs": [0.0, 0], "metrics": [0.0, 0]}
        self.started = False

    @staticmethod
    def check_security(config: ServiceConfig) -> None:
        """Refuse to serve beyond loopback without a bearer token."""
        if not config.is_loopback and not config.effective_token():
            raise ConfigError(
                f"refusing to listen on {config.host} without a token: set RCA_TOKEN or "
                "'token' in the config (write endpoints then require 'Authorization: Bearer')")

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        if self.started:
            return
        cfg = self.config
        connect(cfg.db_path, cfg.durable).close()  # create schema
        self.writer = GroupWriter(cfg.db_path, cfg.durable, cfg.queue_max_events,
                                  cfg.write_batch_events)
        self.writer.start()
        self.reader = Reader(cfg.db_path)
        self.scorer = None
        self._stop = None
        self._thread = None
        self._proc = None
        if cfg.scorer == "thread":
            self.scorer = Scorer(cfg).open()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self.scorer.run, args=(self._stop,),
                                            name="rca-scorer", daemon=True)
            self._thread.start()
        elif cfg.scorer == "process":
            ctx = mp.get_context("spawn")
            self._stop = ctx.Event()
            self._proc = ctx.Process(target=_scorer_process,
                                     args=(asdict(cfg), self._stop, os.getpid()), daemon=True)
            self._proc.start()
        self.started = True

    def stop(self) -> None:
        if not self.started:
            return
        if self._stop is not None:
            self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._proc is not None:
            self._proc.join(timeout=30)
        self.writer.stop()
        self.reader.close()
        self.started = False

    def ready(self) -> tuple[bool, str]:
        if not self.started:
            return False, "not started"
        if self.writer._thread is None or not self.writer._thread.is_alive():
            return False, "writer stopped"
        if self._thread is not None and not self._thread.is_alive():
            return False, "scorer stopped"
        if self._proc is not None and not self._proc.is_alive():
            return False, "scorer stopped"
        return True, "ok"

    # -- auth ----------------------------------------------------------------------------------
    def authorize(self, header: str | None) -> None:
        """Write endpoints: when a token is set (always off loopback), require it."""
        if self.token is None:
            return
        if not header or not header.startswith("Bearer ") or header[7:].strip() != self.token:
            self.counters[("rejected", "auth")] += 1
            raise Rejected(401, "missing or wrong bearer token",
                           {"WWW-Authenticate": "Bearer"})

    # -- ingest --------------------------------------------------------------------------------
    async def ingest(self, kind: str, body: bytes, content_type: str,
                     service: str | None) -> dict:
        now = time.time()
        t0 = time.perf_counter()
        if not body.strip():
            self.counters[("rejected", "empty")] += 1
            raise Rejected(400, "empty body")
        try:
            if kind == "logs":
                parsed = payloads.LogParser(self.config.max_line_bytes, service or "",
                                            line_parser=scoring.line_parser(),
                                            attrs=False).parse(body, content_type, now)
            else:
                parsed = payloads.parse_metrics(body, content_type, now)
        except InputError as exc:
            self.counters[("rejected", "invalid")] += 1
            raise Rejected(400, str(exc)) from None
        if parsed.rejected:
            self.counters[(f"rejected_{kind}", "schema")] += parsed.rejected
        if not parsed.rows:
            raise Rejected(400, f"no valid {kind} in body ({parsed.rejected} rejected)")
        try:
            fut = self.writer.submit(kind, len(parsed.rows), now, content_type, service or "",
                                     body)
        except QueueFull:
            self.counters[(f"rejected_{kind}", "queue_full")] += len(parsed.rows)
            raise Rejected(429, "ingest queue is full, retry later", {"Retry-After": "1"})
        try:
            n = await asyncio.wrap_future(fut)
        except WriteError as exc:
            self.counters[(f"rejected_{kind}", "write_error")] += len(parsed.rows)
            raise Rejected(503, f"could not store the batch: {exc}", {"Retry-After": "1"})
        self.counters[("ingested", kind)] += n
        lat = self.latency[kind]
        lat[0] += time.perf_counter() - t0
        lat[1] += 1
        return {"accepted": n, "rejected": parsed.rejected, "truncated": parsed.truncated}

    def remember_fix(self, incident_id: str, fix_id: str) -> None:
        """Pass feedback on to the analysis stage's feedback store (best effort)."""
        import json

        from rca.service.scoring import remember_fix

        row = self.reader.one("SELECT body FROM incidents WHERE id=?", (incident_id,))
        if row is None:
            return
        try:
            remember_fix(json.loads(row["body"]), fix_id)
        except Exception as exc:  # an invalid fix id etc.: keep the local record anyway
            log.warning("feedback store refused %s/%s: %s", incident_id, fix_id, exc)

    # -- metrics -------------------------------------------------------------------------------
    def prometheus(self) -> str:
        st = self.reader.kv(STATE_KEY, {}) or {}
        stats = self.stats()
        scored, stored = stats["scored"], stats["stored"]
        lat_sum, lat_n = st.get("latency", [0.0, 0])
        lines = ["# HELP rca_ingested_total Events durably stored.",
                 "# TYPE rca_ingested_total counter"]
        for kind in ("logs", "metrics"):
            lines.append(f'rca_ingested_total{{kind="{kind}"}} {self.counters[("ingested", kind)]}')
        lines += ["# HELP rca_rejected_total Events or requests refused, by reason.",
                  "# TYPE rca_rejected_total counter"]
        for (what, reason), n in sorted(self.counters.items()):
            if what.startswith("rejected"):
                kind = what.split("_", 1)[1] if "_" in what else "request"
                lines.append(f'rca_rejected_total{{kind="{kind}",reason="{reason}"}} {n}')
        lines += ["# HELP rca_queue_depth Events accepted and waiting for their commit.",
                  "# TYPE rca_queue_depth gauge", f"rca_queue_depth {self.writer.pending}",
                  "# HELP rca_scoring_backlog Stored events not scored yet.",
                  "# TYPE rca_scoring_backlog gauge"]
        for kind in ("logs", "metrics"):
            lines.append(f'rca_scoring_backlog{{kind="{kind}"}} '
                         f'{stored.get(kind, 0) - scored.get(kind, 0)}')
        lines += ["# HELP rca_scored_total Events scored.", "# TYPE rca_scored_total counter"]
        for kind in ("logs", "metrics"):
            lines.append(f'rca_scored_total{{kind="{kind}"}} {scored.get(kind, 0)}')
        lines += ["# HELP rca_scoring_latency_seconds Time per scoring step.",
                  "# TYPE rca_scoring_latency_seconds summary",
                  f"rca_scoring_latency_seconds_sum {lat_sum:.6f}",
                  f"rca_scoring_latency_seconds_count {lat_n}",
                  "# HELP rca_ingest_latency_seconds Request time until durable commit.",
                  "# TYPE rca_ingest_latency_seconds summary"]
        for kind, (s, n) in self.latency.items():
            lines.append(f'rca_ingest_latency_seconds_sum{{kind="{kind}"}} {s:.6f}')
            lines.append(f'rca_ingest_latency_seconds_count{{kind="{kind}"}} {n}')
        return "\n".join(lines) + "\n"

    def stats(self) -> dict:
        """Stored, scored and cursor counts (the benchmark's proof of zero loss)."""
        st = self.reader.kv(STATE_KEY, {}) or {}
        stored = {"logs": 0, "metrics": 0}
        for r in self.reader.q("SELECT kind, sum(n) AS n FROM batches GROUP BY kind"):
            stored[r["kind"]] = r["n"] or 0
        return {"stored": stored, "scored": st.get("scored", {"logs": 0, "metrics": 0}),
                "cursor": st.get("cursor", {"logs": 0, "metrics": 0}),
                "queue_depth": self.writer.pending}

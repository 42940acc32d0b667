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

from rca import api
from rca.errors import ConfigError, InputError, UnsupportedMediaType
from rca.service import queries
from rca.service.config import ServiceConfig
from rca.service.metrics import ServiceMetrics
from rca.service.scorer import Scorer
from rca.service.store import GroupWriter, QueueFull, Reader, WriteError, connect

log = logging.getLogger("rca.service")
MAX_IDEMPOTENCY_KEY = 200


class Rejected(Exception):
    """A request refused with an HTTP status and a one-line reason."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def scorer_process(config: dict, stop, parent: int) -> None:  # pragma: no cover - subprocess
    """Entry point of the scorer process (``--scorer process``, ``--workers N``)."""
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


def validate(kind: str, body: bytes, ctype: str, service: str | None,
             max_line: int) -> tuple[int, int, int | None]:
    """Events in a body, how many were cut at ``max_line`` and, for an OTLP export request,
    how many it held that were refused (else None); read by the same readers the scorer
    stores them with (:class:`InputError` when the body is unreadable or holds none)."""
    truncated, rejected = 0, None
    otlp = api.count_otlp_body(kind, body, ctype)
    if otlp is not None:
        n, rejected = otlp
    elif kind == "logs":
        n, truncated = api.count_log_body(body, ctype, service=service, max_line=max_line)
    else:
        n = api.count_metric_body(body, ctype)
    if not n and not rejected:
        raise InputError(f"no valid {kind} in body")
    return n, truncated, rejected


#: Bodies at least this big are validated in a separate process (the GIL stays free for the
#: event loop, so /healthz answers during a flood of 8-MB bodies); at most two at once.
BIG_BODY = 1 << 20
_PARSE_SLOTS = threading.BoundedSemaphore(2)
_POOL = None


def _parse_pool():
    """One spawned process that validates big bodies (created on first use)."""
    global _POOL
    if _POOL is None:
        from concurrent.futures import ProcessPoolExecutor

        import atexit

        _POOL = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))
        atexit.register(_POOL.shutdown, wait=True, cancel_futures=True)
    return _POOL


def _bounded_validate(*args) -> tuple[int, int, int]:
    with _PARSE_SLOTS:  # bounds the memory and CPU of parsing in one process
        return validate(*args)


class ServiceRuntime:
    """Ingest, scoring and read-side state of one running service."""

    def __init__(self, config: ServiceConfig):
        self.config = config
        self.token = config.effective_token()
        self.threshold = config.alarm_threshold or api.online_detector()[1]
        self.metrics = ServiceMetrics()
        self.started = False

    @staticmethod
    def check_security(config: ServiceConfig) -> None:
        """Refuse to serve beyond loopback without a bearer token."""
        if not config.is_loopback and not config.effective_token():
            raise ConfigError(
                f"refusing to listen on {config.host} without a token: set RCA_TOKEN or "
                "'token' in the config (every endpoint returning data then requires "
                "'Authorization: Bearer <token>')")

    def start(self) -> None:
        if self.started:
            return
        cfg = self.config
        connect(cfg.db_path, cfg.durable).close()  # create schema
        self.writer = GroupWriter(cfg.db_path, cfg.durable, cfg.queue_max_events,
                                  cfg.write_batch_events, cfg.retention_days)
        self.writer.start()
        self.reader = Reader(cfg.db_path)
        self._stop = self._thread = self._proc = None
        if cfg.scorer == "thread":
            scorer = Scorer(cfg).open()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=scorer.run, args=(self._stop,),
                                            name="rca-scorer", daemon=True)
            self._thread.start()
        elif cfg.scorer == "process":
            ctx = mp.get_context("spawn")
            self._stop = ctx.Event()
            self._proc = ctx.Process(target=scorer_process,
                                     args=(cfg.model_dump(), self._stop, os.getpid()),
                                     daemon=True)
            self._proc.start()
        self.started = True

    def stop(self) -> None:
        if not self.started:
            return
        if self._stop is not None:
            self._stop.set()
        for worker in (self._thread, self._proc):
            if worker is not None:
                worker.join(timeout=30)
        self.writer.stop()
        self.reader.close()
        self.started = False

    def ready(self) -> tuple[bool, str]:
        if not self.started:
            return False, "not started"
        if self.writer._thread is None or not self.writer._thread.is_alive():
            return False, "writer stopped"
        for worker in (self._thread, self._proc):
            if worker is not None and not worker.is_alive():
                return False, "scorer stopped"
        return True, "ok"

    def require_started(self) -> None:
        if not self.started:
            raise Rejected(503, "service not started")

    def authorize(self, header: str | None) -> None:
        """When a token is set (always off loopback), every data endpoint requires it."""
        if self.token is None:
            return
        if not header or not header.startswith("Bearer ") or header[7:].strip() != self.token:
            self.metrics.reject("request", "auth")
            raise Rejected(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})

    async def ingest(self, kind: str, body: bytes, ctype: str, service: str | None,
                     idem: str | None = None, encoding: str | None = None) -> dict:
        """Validate, store durably, acknowledge: ``{accepted, duplicate, truncated, rejected,
        otlp}`` (``rejected`` counts refused records of an OTLP request, ``otlp`` says it was
        one). A batch whose ``Idempotency-Key`` was stored before is acknowledged again but not
        stored twice. ``encoding`` (Content-Encoding) is undone before anything else."""
        t0 = time.perf_counter()
        try:
            body = api.open_body(kind, body, ctype, encoding, self.config.max_body_bytes)
        except UnsupportedMediaType as exc:
            self.metrics.reject(kind, "media_type")
            raise Rejected(415, str(exc), {"Accept-Post": ", ".join(exc.accepted)}) from None
        except InputError as exc:
            self.metrics.reject(kind, "invalid")
            raise Rejected(400, str(exc)) from None
        if not body.strip():
            self.metrics.reject("request", "empty")
            raise Rejected(400, "empty body")
        if idem is not None and not 0 < len(idem) <= MAX_IDEMPOTENCY_KEY:
            raise Rejected(400, f"Idempotency-Key must be 1..{MAX_IDEMPOTENCY_KEY} characters")
        limit = self.config.max_request_events
        if body.count(b"\n") >= limit:  # counted in C, before any parsing
            self.metrics.reject("request", "too_many_lines")
            raise Rejected(413, f"more than {limit} lines in one request; send smaller batches")
        args = (kind, body, ctype, service, self.config.max_line_bytes)
        try:  # never on the event loop: a thread, or a spawned process for big bodies
            if len(body) < BIG_BODY:
                n, truncated, rejected = await asyncio.to_thread(_bounded_validate, *args)
            else:
                n, truncated, rejected = await asyncio.get_running_loop().run_in_executor(
                    _parse_pool(), _bounded_validate, *args)
            if n > limit:
                self.metrics.reject("request", "too_many_lines")
                raise Rejected(413, f"more than {limit} records in one request; send smaller "
                               "batches")
        except InputError as exc:
            self.metrics.reject(kind, "invalid")
            raise Rejected(400, str(exc)) from None
        if rejected:
            self.metrics.reject(kind, "schema", rejected)
        if not n:  # an OTLP request whose every record was refused: nothing to store
            return {"accepted": 0, "duplicate": False, "truncated": 0, "rejected": rejected,
                    "otlp": True}
        try:
            fut = self.writer.submit(kind, n, time.time(), ctype, service or "", body, idem)
        except QueueFull:
            self.metrics.reject(kind, "queue_full", n)
            raise Rejected(429, "ingest queue is full, retry later", {"Retry-After": "1"})
        try:
            stored, duplicate = await asyncio.wrap_future(fut)
        except WriteError as exc:
            self.metrics.reject(kind, "write_error", n)
            raise Rejected(503, f"could not store the batch: {exc}", {"Retry-After": "1"})
        if duplicate:
            self.metrics.duplicates.labels(kind=kind).inc()
        else:
            self.metrics.ingested.labels(kind=kind).inc(stored)
        self.metrics.latency.labels(kind=kind).observe(time.perf_counter() - t0)
        return {"accepted": stored, "duplicate": duplicate, "truncated": truncated,
                "rejected": rejected or 0, "otlp": rejected is not None}

    def remember_fix(self, incident_id: str, fix_id: str) -> None:
        """Pass feedback on to the fixes stage's feedback store (best effort)."""
        try:
            api.record_feedback(incident_id, fix_id)
        except Exception as exc:  # noqa: BLE001 - an unknown fix id etc.: keep the local record
            log.warning("feedback store refused %s/%s: %s", incident_id, fix_id, exc)

    def prometheus(self) -> bytes:
        def gauges() -> dict:
            st = self.stats()
            return {"queue_depth": st["queue_depth"], "scored": st["scored"],
                    "backlog": {k: st["stored"].get(k, 0) - st["scored"].get(k, 0)
                                for k in ("logs", "metrics")},
                    "latency": queries.scorer_state(self.reader).get("latency", [0.0, 0])}

        return self.metrics.exposition(gauges)

    def stats(self) -> dict:
        """Stored, scored and cursor counts (the benchmark's proof of zero loss)."""
        st = queries.scorer_state(self.reader)
        zero = {"logs": 0, "metrics": 0}
        return {"stored": queries.stored(self.reader), "scored": st.get("scored", zero),
                "cursor": st.get("cursor", zero), "queue_depth": self.writer.pending}

"""HTTP front of the scoring service: ``create_app(config)`` -> FastAPI (ASGI) app.

Handlers only turn a request into a call of :class:`~rca.service.runtime.ServiceRuntime` or
a query (:mod:`rca.service.queries`) and the result into a response. With a token set (always
off loopback) every endpoint that returns log content or incidents requires
``Authorization: Bearer <token>``; ``/healthz``, ``/readyz``, ``/v1/stats``, ``/metrics`` and
the dashboard page itself (which holds no data) do not.
"""

from __future__ import annotations

import json
import os
import re
import time
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response

from rca import api
from rca.service import queries
from rca.service.config import ServiceConfig
from rca.service.models import Accepted, Feedback
from rca.service.runtime import Rejected, ServiceRuntime
from rca.service.sources import start_sources, stop_sources
from rca.service.view import reliability

_REL = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_STATIC = {"app.js": "text/javascript", "style.css": "text/css"}
ENV_CONFIG = "RCA_SERVICE_CONFIG"
ACCEPTED = (" `Content-Encoding: gzip` (or deflate) is undone first; a content type that is "
            "not understood gets 415 with the accepted types in `Accept-Post`.")
IDEMPOTENCY = ("Batches with the same `Idempotency-Key` header are stored once: a client that "
               "retries after a timeout or crash gets the first acknowledgement again "
               "(`duplicate: true`).")


def _since(value: str | None, default: float) -> float:
    """``since`` as epoch seconds, ISO 8601 or a relative age such as ``15m``."""
    if not value:
        return default
    m = _REL.match(value.strip())
    if m:
        return time.time() - float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[
            m.group(2)]
    try:
        return float(value)
    except ValueError:
        pass
    from datetime import datetime, timezone

    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Rejected(400, f"since must be epoch seconds, ISO 8601 or an age like 15m, "
                            f"got {value!r}") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).timestamp()


def app_from_env():
    """App factory for multi-process serving: ``$RCA_SERVICE_CONFIG`` names a private (0600)
    JSON file holding the config (written by :func:`rca.service.server.run`, so the token is
    never in a worker's environment or command line)."""
    from pathlib import Path

    return create_app(ServiceConfig(**json.loads(Path(os.environ[ENV_CONFIG]).read_text(
        encoding="utf-8"))))


def create_app(config: ServiceConfig | None = None):
    """Build the ASGI app. Refuses (``ConfigError``) to serve off-loopback without a token."""
    config = config or ServiceConfig()
    ServiceRuntime.check_security(config)
    if config.model_dir:
        api.check_model(config.model_dir)  # ModelError before anything starts
    rt = ServiceRuntime(config)

    @asynccontextmanager
    async def lifespan(app):
        rt.start()
        sources = []
        try:
            sources = app.state.sources = await start_sources(rt, config)  # syslog, Prometheus
            yield
        finally:
            await stop_sources(sources)
            rt.stop()

    app = FastAPI(title="rca scoring service", version="1", lifespan=lifespan,
                  docs_url="/docs", redoc_url=None,
                  description="Logs and metrics in; scores, incidents with ranked root causes "
                              "and fixes out.")
    app.state.runtime = rt

    @app.exception_handler(Rejected)
    async def _rejected(request: Request, exc: Rejected):
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        msg = "; ".join(f"{'.'.join(map(str, e['loc'][1:])) or 'body'}: {e['msg']}"
                        for e in exc.errors())
        return JSONResponse({"error": msg}, status_code=400)

    guarded, started = _guards(rt)
    _ingest_routes(app, rt, config, guarded)
    _read_routes(app, rt, config, guarded)
    _ops_routes(app, rt, started)
    return app


def _guards(rt: ServiceRuntime):
    """Dependencies: the token (when set) and a started service; and the latter alone."""

    def started() -> None:
        rt.require_started()

    def token(authorization: str | None = Header(None)) -> None:
        rt.authorize(authorization)

    return [Depends(token), Depends(started)], [Depends(started)]


def _ingest_routes(app, rt: ServiceRuntime, config: ServiceConfig, guarded) -> None:
    async def body_of(request: Request) -> bytes:
        limit = config.max_body_bytes
        cl = request.headers.get("content-length")
        size, chunks = int(cl) if cl and cl.isdigit() else 0, []
        if size <= limit:
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                chunks.append(chunk)
                if size > limit:
                    break
        if size > limit:
            rt.metrics.reject("request", "too_large")
            raise Rejected(413, f"body larger than {limit} bytes")
        return b"".join(chunks)

    async def ingest(kind: str, request: Request, service: str | None, key: str | None,
                     ctype: str | None = None):
        body = await body_of(request)
        ctype = ctype or request.headers.get("content-type", "")
        res = await rt.ingest(kind, body, ctype, service, key,
                              request.headers.get("content-encoding"))
        rejected = res.pop("rejected")
        if res.pop("otlp"):  # OTLP clients get the OTLP response message, in their encoding
            return Response(*api.otlp_response(kind, rejected, ctype))
        return JSONResponse(res, status_code=202)

    @app.post("/v1/logs", status_code=202, response_model=Accepted, dependencies=guarded,
              description="Logs as a JSON array, NDJSON, one JSON object, OTLP/HTTP (protobuf "
                          "or JSON, answered with the OTLP response) or plain text lines (any "
                          "layout `rca parse` reads). `service` names records without their "
                          "own service field. " + IDEMPOTENCY + ACCEPTED)
    async def post_logs(request: Request, service: str | None = None,
                        idempotency_key: str | None = Header(None)):
        return await ingest("logs", request, service, idempotency_key)

    @app.post("/v1/metrics", status_code=202, response_model=Accepted, dependencies=guarded,
              description="Metric samples: JSON samples `[{series, value, timestamp}]`, wide "
                          "rows `[{time, carts_cpu, ...}]`, Prometheus text exposition or a "
                          "query_range response, or OTLP/HTTP metrics (protobuf or JSON). "
                          + IDEMPOTENCY + ACCEPTED)
    async def post_metrics(request: Request, idempotency_key: str | None = Header(None)):
        return await ingest("metrics", request, None, idempotency_key)

    @app.post("/api/v1/write", status_code=204, dependencies=guarded,
              description="Prometheus remote write 1.0: a snappy-compressed "
                          "`prometheus.WriteRequest` (see docs/clients/prometheus.md).")
    async def remote_write(request: Request):
        await ingest("metrics", request, None, None, api.REMOTE_WRITE_TYPE)
        return Response(status_code=204)



def _read_routes(app, rt: ServiceRuntime, config: ServiceConfig, guarded) -> None:
    @app.get("/v1/incidents", dependencies=guarded,
             description="Incidents, newest first, each with its ranked root causes, "
                         "evidence and fix suggestions (the `rca analyze --json` shape).")
    async def list_incidents(status: str | None = None, limit: int = 50):
        return {"incidents": queries.incidents(rt.reader, status, limit)}

    @app.get("/v1/incidents/{incident_id}", dependencies=guarded,
             description="One incident with the feedback given on it.")
    async def get_incident(incident_id: str):
        body = queries.incident(rt.reader, incident_id)
        if body is None:
            raise Rejected(404, f"no incident {incident_id}")
        return body

    @app.post("/v1/incidents/{incident_id}/feedback", status_code=201, dependencies=guarded,
              description="Say what fixed an incident; later analyses suggest it for "
                          "similar signatures.")
    async def post_feedback(incident_id: str, fb: Feedback):
        if queries.incident(rt.reader, incident_id) is None:
            raise Rejected(404, f"no incident {incident_id}")
        if fb.fix is not None:
            rt.remember_fix(incident_id, fb.fix)
        queries.add_feedback(rt.reader, incident_id, fb.fix, fb.resolved, fb.note)
        return JSONResponse({"incident": incident_id,
                             "feedback": queries.feedback(rt.reader, incident_id)},
                            status_code=201)

    @app.get("/v1/scores", dependencies=guarded,
             description="Anomaly scores and alarms per service and series since `since` "
                         "(epoch seconds, ISO 8601 or an age such as `15m`; default: the "
                         "hour before the newest score).")
    async def scores(service: str | None = None, since: str | None = None,
                     kind: str | None = None, limit: int = 5000):
        t0 = _since(since, (queries.latest_score_time(rt.reader) or time.time()) - 3600)
        return {"since": t0, "scores": queries.scores(rt.reader, t0, service, kind, limit)}

    @app.get("/reliability", dependencies=guarded,
             description="Per-service status, health checks against thresholds, recent error "
                         "signatures, forecasts, detector warm-up and the overall status "
                         "(never `up` while an incident is open).")
    async def get_reliability():
        return reliability(rt.reader, config.thresholds, rt.threshold)



def _ops_routes(app, rt: ServiceRuntime, started) -> None:
    @app.get("/v1/stats", dependencies=started,
             description="Events stored and scored (counts only).")
    async def stats():
        return rt.stats()

    @app.get("/healthz", description="Liveness.")
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz", description="Readiness: store, writer and scorer running.")
    async def readyz():
        ok, why = rt.ready()
        return JSONResponse({"ready": ok, "reason": why}, status_code=200 if ok else 503)

    @app.get("/metrics", dependencies=started,
             description="Prometheus text exposition of the service's own counters.")
    async def metrics():
        from rca.service.metrics import CONTENT_TYPE

        return Response(rt.prometheus(), media_type=CONTENT_TYPE)

    static = resources.files("rca.service") / "static"

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def dashboard():
        return HTMLResponse((static / "index.html").read_text(encoding="utf-8"))

    @app.get("/static/{name}", include_in_schema=False)
    async def static_file(name: str):
        if name not in _STATIC:
            raise Rejected(404, "not found")
        return Response((static / name).read_bytes(), media_type=_STATIC[name])

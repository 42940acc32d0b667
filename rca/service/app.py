"""HTTP front of the scoring service: ``create_app(config)`` -> FastAPI (ASGI) app.

Handlers only validate, call :class:`~rca.service.runtime.ServiceRuntime` or the store, and
shape JSON; all work happens in the runtime, the writer and the scorer.
"""


import json
import re
import time
from contextlib import asynccontextmanager
from importlib import resources

from rca.service.config import ServiceConfig
from rca.service.payloads import epoch
from rca.service.reliability import reliability
from rca.service.runtime import Rejected, ServiceRuntime

_REL = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_STATIC = {"app.js": "text/javascript", "style.css": "text/css"}


def _since(value: str | None, default: float) -> float:
    """``since`` as epoch seconds, ISO 8601 or a relative age such as ``15m``."""
    if not value:
        return default
    m = _REL.match(value.strip())
    if m:
        mult = {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
        return time.time() - float(m.group(1)) * mult
    return epoch(value, default)


ENV_CONFIG = "RCA_SERVICE_CONFIG"


def app_from_env():
    """App factory for multi-process serving: the config comes as JSON in ``$RCA_SERVICE_CONFIG``
    (set by :func:`rca.api.serve`; the scorer then runs once, in the parent)."""
    import json as _json
    import os

    return create_app(ServiceConfig(**_json.loads(os.environ[ENV_CONFIG])))


def create_app(config: ServiceConfig | None = None):
    """Build the ASGI app. Refuses (``ConfigError``) to serve off-loopback without a token."""
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

    config = (config or ServiceConfig()).checked()
    ServiceRuntime.check_security(config)
    if config.model_dir:
        from rca.service.scoring import check_model

        check_model(config.model_dir)  # ModelError before anything starts
    rt = ServiceRuntime(config)

    @asynccontextmanager
    async def lifespan(app):
        rt.start()
        try:
            yield
        finally:
            rt.stop()

    app = FastAPI(title="rca scoring service", version="1", lifespan=lifespan,
                  docs_url="/docs", redoc_url=None)
    app.state.runtime = rt

    @app.exception_handler(Rejected)
    async def _rejected(request: Request, exc: Rejected):
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)

    async def _body(request: Request) -> bytes:
        limit = config.max_body_bytes
        cl = request.headers.get("content-length")
        if cl and cl.isdigit() and int(cl) > limit:
            rt.counters[("rejected", "too_large")] += 1
            raise Rejected(413, f"body larger than {limit} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                rt.counters[("rejected", "too_large")] += 1
                raise Rejected(413, f"body larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _ready_store():
        if not rt.started:
            raise Rejected(503, "service not started")

    # -- ingest --------------------------------------------------------------------------------
    @app.post("/v1/logs", status_code=202)
    async def post_logs(request: Request, service: str | None = None):
        """Logs as a JSON array, NDJSON, OTLP/HTTP JSON, or plain text lines."""
        rt.authorize(request.headers.get("authorization"))
        _ready_store()
        body = await _body(request)
        res = await rt.ingest("logs", body, request.headers.get("content-type", ""), service)
        return JSONResponse(res, status_code=202)

    @app.post("/v1/metrics", status_code=202)
    async def post_metrics(request: Request):
        """Metric samples as JSON (samples or wide rows) or Prometheus text exposition."""
        rt.authorize(request.headers.get("authorization"))
        _ready_store()
        body = await _body(request)
        res = await rt.ingest("metrics", body, request.headers.get("content-type", ""), None)
        return JSONResponse(res, status_code=202)

    # -- incidents -----------------------------------------------------------------------------
    def _feedback(incident_id: str) -> list[dict]:
        return rt.reader.q("SELECT fix_id AS fix, resolved, note, created FROM feedback "
                           "WHERE incident_id=? ORDER BY id", (incident_id,))

    @app.get("/v1/incidents")
    async def list_incidents(status: str | None = None, limit: int = 50):
        _ready_store()
        limit = max(1, min(int(limit), 500))
        if status:
            rows = rt.reader.q("SELECT body FROM incidents WHERE status=? ORDER BY start DESC "
                               "LIMIT ?", (status, limit))
        else:
            rows = rt.reader.q("SELECT body FROM incidents ORDER BY start DESC LIMIT ?",
                               (limit,))
        return {"incidents": [json.loads(r["body"]) for r in rows]}

    @app.get("/v1/incidents/{incident_id}")
    async def get_incident(incident_id: str):
        _ready_store()
        row = rt.reader.one("SELECT body FROM incidents WHERE id=?", (incident_id,))
        if row is None:
            raise Rejected(404, f"no incident {incident_id}")
        body = json.loads(row["body"])
        body["feedback"] = _feedback(incident_id)
        return body

    @app.post("/v1/incidents/{incident_id}/feedback", status_code=201)
    async def post_feedback(incident_id: str, request: Request):
        """``{"fix": "disk-full", "resolved": true, "note": "..."}``: what fixed it."""
        rt.authorize(request.headers.get("authorization"))
        _ready_store()
        raw = await _body(request)
        try:
            doc = json.loads(raw or b"{}")
        except ValueError:
            raise Rejected(400, "feedback must be a JSON object") from None
        if not isinstance(doc, dict) or not (doc.get("fix") or "resolved" in doc):
            raise Rejected(400, "feedback needs 'fix' (a fix id) and/or 'resolved'")
        fix = doc.get("fix")
        if fix is not None and (not isinstance(fix, str) or len(fix) > 200):
            raise Rejected(400, "'fix' must be a fix id")
        if rt.reader.one("SELECT id FROM incidents WHERE id=?", (incident_id,)) is None:
            raise Rejected(404, f"no incident {incident_id}")
        note = str(doc.get("note") or "")[:2000]
        if fix is not None:
            rt.remember_fix(incident_id, fix)
        rt.reader.execute("INSERT INTO feedback(incident_id, fix_id, resolved, note, created) "
                          "VALUES(?,?,?,?,?)", (incident_id, fix,
                                                int(bool(doc.get("resolved", True))), note,
                                                time.time()))
        return JSONResponse({"incident": incident_id, "feedback": _feedback(incident_id)},
                            status_code=201)

    # -- scores and the reliability view -------------------------------------------------------
    @app.get("/v1/scores")
    async def scores(service: str | None = None, since: str | None = None,
                     kind: str | None = None, limit: int = 5000):
        _ready_store()
        limit = max(1, min(int(limit), 50_000))
        latest = rt.reader.one("SELECT max(ts) AS m FROM scores") or {}
        default = (latest.get("m") or time.time()) - 3600
        t0 = _since(since, default)
        sql = "SELECT service, kind, name, ts, score, alarm, value FROM scores WHERE ts>=?"
        args: list = [t0]
        if service:
            sql += " AND service=?"
            args.append(service)
        if kind:
            sql += " AND kind=?"
            args.append(kind)
        sql += " ORDER BY ts DESC LIMIT ?"
        args.append(limit)
        rows = rt.reader.q(sql, args)
        rows.reverse()
        return {"since": t0, "scores": rows}

    @app.get("/reliability")
    async def get_reliability():
        _ready_store()
        return reliability(rt.reader, config.thresholds, rt.threshold, config.silence_seconds)

    @app.get("/v1/stats")
    async def stats():
        _ready_store()
        return rt.stats()

    # -- operations ----------------------------------------------------------------------------
    @app.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz():
        ok, why = rt.ready()
        return JSONResponse({"ready": ok, "reason": why}, status_code=200 if ok else 503)

    @app.get("/metrics")
    async def metrics():
        _ready_store()
        return PlainTextResponse(rt.prometheus(), media_type="text/plain; version=0.0.4")

    # -- dashboard -----------------------------------------------------------------------------
    static = resources.files("rca.service") / "static"

    @app.get("/", response_class=HTMLResponse)
    async def dashboard():
        return HTMLResponse((static / "index.html").read_text(encoding="utf-8"))

    @app.get("/static/{name}")
    async def static_file(name: str):
        if name not in _STATIC:
            raise Rejected(404, "not found")
        return Response((static / name).read_bytes(), media_type=_STATIC[name])

    return app

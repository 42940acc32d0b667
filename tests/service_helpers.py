"""Shared by the service tests: a small multi-service incident as log records, and an
in-process client for the ASGI app (httpx ASGITransport, lifespan run by hand)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import httpx


def incident_logs(base: float | None = None, buckets: int = 60) -> list[dict]:
    """``buckets`` x 10 s of normal traffic from api/orders/db, then db runs out of disk and
    orders starts failing on its upstream; a few normal buckets after close the window."""
    base = time.time() - (buckets + 20) * 10 if base is None else base
    out = []
    for b in range(buckets):
        for svc in ("api", "orders", "db"):
            for k in range(4):
                out.append({"timestamp": base + b * 10 + k, "service": svc, "level": "INFO",
                            "message": f"GET /items/{b * 7 + k} 200 in {3 + k} ms"})
        if b % 7 == 3:
            out.append({"timestamp": base + b * 10 + 5, "service": "api", "level": "WARN",
                        "message": "slow request to /search took 812 ms"})
    t = base + buckets * 10
    for k in range(25):
        out.append({"timestamp": t + 1 + k * 0.3, "service": "db", "level": "ERROR",
                    "message": f"write failed: ENOSPC: no space left on device, "
                               f"write '/var/lib/db/segment-{k}.log'"})
    for k in range(12):
        out.append({"timestamp": t + 6 + k * 0.5, "service": "orders", "level": "ERROR",
                    "message": f"upstream db returned 500 for order {1000 + k}"})
    for b in range(buckets + 2, buckets + 6):
        for svc in ("api", "orders", "db"):
            out.append({"timestamp": base + b * 10, "service": svc, "level": "INFO",
                        "message": f"GET /items/{b} 200 in 4 ms"})
    return out


def ndjson(records: list[dict]) -> bytes:
    return "\n".join(json.dumps(r) for r in records).encode()


@contextlib.asynccontextmanager
async def client(app):
    """An httpx client talking to ``app`` in-process, with its lifespan started."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def drained(c, timeout: float = 20.0) -> dict:
    """Wait until every stored event was scored; returns /v1/stats."""
    deadline = time.monotonic() + timeout
    while True:
        st = (await c.get("/v1/stats")).json()
        if st["scored"] == st["stored"]:
            return st
        if time.monotonic() > deadline:
            raise AssertionError(f"scoring did not catch up: {st}")
        await asyncio.sleep(0.05)


async def wait_incident(c, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        incs = (await c.get("/v1/incidents")).json()["incidents"]
        if incs and incs[0]["root_causes"]:
            return incs[0]
        if time.monotonic() > deadline:
            raise AssertionError("no incident with root causes appeared")
        await asyncio.sleep(0.05)


@contextlib.contextmanager
def running_server(db, **config):
    """A real uvicorn server on a free loopback port in a thread; yields its base URL."""
    import socket
    import threading

    import uvicorn

    from rca.service import ServiceConfig, create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config.setdefault("analysis_interval_seconds", 0.0)
    app = create_app(ServiceConfig(port=port, db=str(db), **config))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            srv.should_exit = True
            raise AssertionError("server did not start")
        time.sleep(0.05)
    try:
        yield base
    finally:
        srv.should_exit = True
        th.join(timeout=15)

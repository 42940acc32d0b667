"""Running the service under uvicorn: one process, or ``workers`` ingest/read processes with
one scorer process beside them (Prometheus counters then in multiprocess mode)."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import tempfile

from rca.service.app import ENV_CONFIG, create_app
from rca.service.runtime import scorer_process

UVICORN = {"limit_concurrency": 1000, "timeout_graceful_shutdown": 10}


def run(config, log_level: str = "info", workers: int = 1) -> None:
    """Serve ``config`` until interrupted."""
    import uvicorn

    app = create_app(config)  # refuses an unsafe config before anything starts
    if workers <= 1:
        uvicorn.run(app, host=config.host, port=config.port, log_level=log_level, **UVICORN)
        return
    os.environ[ENV_CONFIG] = json.dumps(config.with_(scorer="off").model_dump())
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="rca-prom-"))
    stop = proc = None
    if config.scorer != "off":
        ctx = mp.get_context("spawn")
        stop = ctx.Event()
        proc = ctx.Process(target=scorer_process, args=(config.model_dump(), stop, os.getpid()),
                           daemon=True)
        proc.start()
    try:
        uvicorn.run("rca.service.app:app_from_env", factory=True, workers=workers,
                    host=config.host, port=config.port, log_level=log_level, **UVICORN)
    finally:
        if proc is not None:
            stop.set()
            proc.join(timeout=30)

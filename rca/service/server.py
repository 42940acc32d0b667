"""Running the service under uvicorn: one process, or ``workers`` ingest/read processes with
one scorer process beside them (Prometheus counters then in multiprocess mode)."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import tempfile

from rca.service.app import ENV_CONFIG, create_app
from rca.service.runtime import scorer_process

#: No access log: it would record query strings.
UVICORN = {"limit_concurrency": 1000, "timeout_graceful_shutdown": 10, "access_log": False}


def run(config, log_level: str = "info", workers: int = 1) -> None:
    """Serve ``config`` until interrupted. The token never reaches a child process's
    environment or command line: ``RCA_TOKEN`` leaves the environment once read, workers read
    their config from a 0600 file removed at exit, the scorer gets no token."""
    import uvicorn

    from rca.paths import atomic_output

    app = create_app(config)  # refuses an unsafe config before anything starts
    config = config.with_(token=config.effective_token())
    os.environ.pop("RCA_TOKEN", None)
    if workers <= 1:
        uvicorn.run(app, host=config.host, port=config.port, log_level=log_level, **UVICORN)
        return
    secret = config.db_path.parent / f".rca-serve-{os.getpid()}.json"
    with atomic_output(secret, mode=0o600) as tmp:
        tmp.write_text(json.dumps(config.with_(scorer="off").model_dump()), encoding="utf-8")
    os.environ[ENV_CONFIG] = str(secret)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="rca-prom-"))
    stop = proc = None
    if config.scorer != "off":
        ctx = mp.get_context("spawn")
        stop = ctx.Event()
        proc = ctx.Process(target=scorer_process, daemon=True,
                           args=(config.with_(token=None).model_dump(), stop, os.getpid()))
        proc.start()
    try:
        uvicorn.run("rca.service.app:app_from_env", factory=True, workers=workers,
                    host=config.host, port=config.port, log_level=log_level, **UVICORN)
    finally:
        secret.unlink(missing_ok=True)
        if proc is not None:
            stop.set()
            proc.join(timeout=30)

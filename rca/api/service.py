"""The scoring service and watchers (rca.service, rca.watch)."""

from __future__ import annotations

__all__ = ["serve", "service_app", "service_config", "watch"]


def service_config(path=None, **overrides):
    """The scoring service's settings: an explicit YAML/JSON file (optional) plus overrides."""
    from rca.service.config import ServiceConfig

    return ServiceConfig.load(path, **overrides)


def service_app(config=None):
    """The scoring service as an ASGI app (FastAPI). Raises ``ConfigError`` when it would listen
    beyond loopback without a token."""
    from rca.service import create_app

    return create_app(config)


def serve(config, log_level: str = "info", workers: int = 1) -> None:
    """Run the scoring service under uvicorn until interrupted. With ``workers`` > 1, that
    many processes ingest and serve reads, and one scorer process runs beside them."""
    import uvicorn

    app = service_app(config)
    if workers <= 1:
        uvicorn.run(app, host=config.host, port=config.port, log_level=log_level,
                    limit_concurrency=1000, timeout_graceful_shutdown=10)
        return
    import json
    import multiprocessing as mp
    import os
    from dataclasses import asdict

    from rca.service.app import ENV_CONFIG
    from rca.service.runtime import _scorer_process

    os.environ[ENV_CONFIG] = json.dumps(asdict(config.with_(scorer="off")))
    stop = None
    proc = None
    if config.scorer != "off":
        ctx = mp.get_context("spawn")
        stop = ctx.Event()
        proc = ctx.Process(target=_scorer_process, args=(asdict(config), stop, os.getpid()),
                           daemon=True)
        proc.start()
    try:
        uvicorn.run("rca.service.app:app_from_env", factory=True, workers=workers,
                    host=config.host, port=config.port, log_level=log_level,
                    limit_concurrency=1000, timeout_graceful_shutdown=10)
    finally:
        if proc is not None:
            stop.set()
            proc.join(timeout=30)


def watch(logs=None, health=None, to=None, *, interval: float = 5.0, token=None,
          state=None, db=None, max_iterations=None, stop=None, on_pass=None) -> int:
    """Tail ``logs`` ({service: path}) and poll ``health`` ({service: url}); feed the service
    at ``to`` or, without it, score in-process into ``db`` (default under the data dir).
    Returns the number of passes made."""
    import os

    from rca.paths import data_dir
    from rca.watch.runner import HttpSink, LocalSink, Watcher

    if to:
        sink = HttpSink(to, token or os.environ.get("RCA_TOKEN"))
    else:
        sink = LocalSink(db or data_dir() / "watch.sqlite3")
    try:
        w = Watcher(logs or {}, health or {}, sink, interval=interval, state_path=state)
        if on_pass is not None and isinstance(sink, LocalSink):
            user = on_pass

            def on_pass(result):  # noqa: F811 - wrap to score after each pass
                result["incidents"] = sink.score()
                user(result)
        elif isinstance(sink, LocalSink):
            def on_pass(result):
                sink.score()
        return w.run(max_iterations=max_iterations, stop=stop, on_pass=on_pass)
    finally:
        sink.close()

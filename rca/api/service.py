"""The scoring service and watchers (rca.service, rca.watch)."""

from __future__ import annotations

__all__ = ["local_monitor", "serve", "service_app", "service_config", "watch"]


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
    from rca.service.server import run

    run(config, log_level=log_level, workers=workers)


def watch(logs=None, health=None, to=None, *, interval: float = 5.0, token=None,
          state=None, db=None, max_iterations=None, stop=None, on_pass=None,
          settings=None) -> int:
    """Tail ``logs`` ({service: path}) and poll ``health`` ({service: url}); feed the service
    at ``to`` or, without it, score in-process into ``db`` (default under the data dir) with
    the service's own scorer (``settings``: service settings such as ``silence_seconds``). ``on_pass(result)`` sees each pass (with ``incidents`` and
    ``warming_up`` when in-process). Returns the number of passes made."""
    from rca.watch.runner import run_watch

    return run_watch(logs or {}, health or {}, to=to, interval=interval, token=token,
                     state=state, db=db, max_iterations=max_iterations, stop=stop,
                     on_pass=on_pass, settings=settings)


def local_monitor(db, **settings):
    """The scoring service without HTTP: a :class:`rca.service.local.LocalMonitor` storing
    into the SQLite file ``db`` and scoring in-process (what ``rca watch`` uses alone)."""
    from rca.service.local import LocalMonitor

    return LocalMonitor(db, **settings)


def load_yaml(text, where):
    """Parse YAML a user wrote (no aliases, bounded size and depth; one-line ``ConfigError``):
    :func:`rca.ingest.safe_yaml.load_yaml`."""
    from rca.ingest.safe_yaml import load_yaml as _load

    return _load(text, where)

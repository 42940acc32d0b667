"""`rca serve` and `rca watch`: parse options, call :mod:`rca.api`, render."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rca.cli._common import err_console, handle_errors, out_console
from rca.errors import ConfigError, InputError
from rca.paths import check_output


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``watch`` to the app."""
    app.command("serve")(serve)
    app.command("watch")(watch)


@handle_errors
def serve(
    host: Optional[str] = typer.Option(None, help="Address to bind (default: the config's "
                                       "'host', else 127.0.0.1). Anything but loopback "
                                       "needs a token (RCA_TOKEN or 'token' in the config)."),
    port: Optional[int] = typer.Option(None, help="TCP port, 1-65535 (default: the "
                                       "config's 'port', else 5050)."),
    config: Optional[Path] = typer.Option(None, "--config", help="Service config "
                                          "(YAML/JSON)."),
    db: Optional[Path] = typer.Option(None, "--db", help="SQLite file (default: "
                                      "service.sqlite3 in the data directory)."),
    scorer: Optional[str] = typer.Option(None, help="thread | process | off"),
    workers: int = typer.Option(1, help="Ingest/read processes (one scorer runs beside "
                                "them)."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
    syslog_port: Optional[int] = typer.Option(None, "--syslog-port", help="Also receive "
                                              "syslog (RFC 3164/5424, TCP and UDP) on this "
                                              "port. Off by default."),
    syslog_host: Optional[str] = typer.Option(None, "--syslog-host", help="Address for "
                                              "syslog (default 127.0.0.1; syslog has no "
                                              "authentication)."),
) -> None:
    """Run the online scoring service: ingest, scoring, incidents, dashboard at /."""
    from rca import api

    if db is not None:
        check_output(db, [config], kind="sqlite", option="--db")
    cfg = api.service_config(config, host=host, port=port,
                             db=str(db) if db else None, scorer=scorer,
                             syslog_port=syslog_port, syslog_host=syslog_host)
    api.service_app(cfg)  # fail early (e.g. no token off loopback) with a clear message
    err_console.print(f"rca serve: http://{cfg.host}:{cfg.port}/ (db {cfg.db_path})")
    if cfg.syslog_port is not None:
        err_console.print(f"rca serve: syslog on {cfg.syslog_host}:{cfg.syslog_port} "
                          "(tcp, udp)")
    api.serve(cfg, log_level=log_level, workers=max(1, workers))


@handle_errors
def watch(
    log: List[str] = typer.Option([], "--log", help="SERVICE=PATH of a log file to tail "
                                  "(repeat)."),
    health: List[str] = typer.Option([], "--health", help="SERVICE=URL of a health "
                                     "endpoint to poll (repeat)."),
    interval: str = typer.Option("5s", help="Time between passes (5s, 500ms, 1m)."),
    to: Optional[str] = typer.Option(None, "--to", help="URL of a running `rca serve`; "
                                     "without it, scores in-process."),
    state: Optional[Path] = typer.Option(None, help="Offsets file (default in the data "
                                         "directory)."),
    db: Optional[Path] = typer.Option(None, help="SQLite file for in-process scoring."),
    once: bool = typer.Option(False, "--once", help="One pass, then exit."),
    max_iterations: Optional[int] = typer.Option(None, help="Stop after N passes."),
) -> None:
    """Tail log files (rotation, truncation, saved offsets) and poll health endpoints,
    feeding the service or scoring in-process. Ctrl-C stops cleanly."""
    from rca import api
    from rca.report.watch import WatchReporter
    from rca.watch.runner import parse_interval, parse_pairs

    logs = parse_pairs(log, "--log")
    checks = parse_pairs(health, "--health")
    seconds = parse_interval(interval)
    _check_watch_targets(logs, checks, state, db)

    passes = api.watch(logs, checks, to, interval=seconds, state=state, db=db,
                       max_iterations=1 if once else max_iterations,
                       on_pass=WatchReporter(out_console))
    err_console.print(f"watch stopped after {passes} pass(es)")


def _check_watch_targets(logs: dict, checks: dict, state, db) -> None:
    """Before the first pass: every log is an existing regular file, every health check an
    http(s) URL, and the state/db outputs are neither a log nor a file of another kind."""
    from urllib.parse import urlsplit

    for service, path in logs.items():
        p = Path(path)
        if not p.exists():
            raise InputError(f"--log {service}={path}: no such file")
        if not p.is_file():
            raise InputError(f"--log {service}={path}: not a regular file")
    for service, url in checks.items():
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"--health {service}={url}: only http:// and https:// URLs "
                              "are polled")
    if state is not None:
        check_output(state, list(logs.values()), kind="json", option="--state")
    if db is not None:
        check_output(db, list(logs.values()), kind="sqlite", option="--db")

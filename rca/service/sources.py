"""Sources the service pulls or listens to besides HTTP: the syslog listener and the
Prometheus puller, started and stopped with the app (both feed ``ServiceRuntime.ingest``)."""

from __future__ import annotations

import fcntl


async def start_sources(rt, config) -> list:
    """Start what ``config`` turns on (``syslog_port``, ``prometheus``); returns them."""
    sources: list = []
    if config.syslog_port is not None:
        from rca.service.syslog_listener import SyslogListener

        sources.append(SyslogListener(rt, config.syslog_host, config.syslog_port))
    if config.prometheus is not None:
        lock = _PullLock.take(config.db_path)
        if lock is not None:  # one puller per database, however many workers serve it
            from rca.service.prometheus_pull import PrometheusPuller

            sources += [lock, PrometheusPuller(rt, config.prometheus)]
    for src in sources:
        await src.start()
    return sources


async def stop_sources(sources: list) -> None:
    for src in reversed(sources):
        await src.stop()


class _PullLock:
    """An exclusive lock file beside the database: ``rca serve --workers N`` runs the app N
    times; every worker shares the syslog port, but only the holder pulls from Prometheus."""

    def __init__(self, fh):
        self.fh = fh

    @classmethod
    def take(cls, db_path) -> "_PullLock | None":
        fh = open(f"{db_path}.pull.lock", "a")  # noqa: SIM115 - held until stop()
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return None
        return cls(fh)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()

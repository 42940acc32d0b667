"""Monitoring without code changes: tail log files and poll health endpoints, feeding the
scoring service over HTTP or scoring in-process. ``Watcher`` is the entry point."""

from rca.watch.health import HealthCheck, poll
from rca.watch.runner import Watcher
from rca.watch.tail import FileTail, Offsets

__all__ = ["FileTail", "Offsets", "HealthCheck", "poll", "Watcher"]

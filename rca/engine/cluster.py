"""Where batch work runs: in this process (``kind = "local"``, the default) or on a Dask
cluster (``kind = "dask"``): an existing one at a scheduler address, or a local one of
``workers`` processes started for the job and stopped after it.
"""

from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from rca.errors import ConfigError

KINDS = ("local", "dask")
#: Settings of a local cluster started for one job: no statistical profiler in the workers
#: (it samples every thread every 10 ms), no disk counters in the system monitor (read every
#: 500 ms) and the event-loop health check every 1 s instead of every 20 ms (it only warns
#: about a loop blocked for seconds): diagnostics for the dashboard, which cost the idle
#: scheduler and nannies ~4% of a core and each worker a few % of its CPU.
_LOCAL_CONFIG = {"distributed.worker.profile.enabled": False,
                 "distributed.admin.system-monitor.disk": False,
                 "distributed.admin.system-monitor.interval": "2s",
                 "distributed.admin.tick.interval": "1s"}
_METHOD = "distributed.worker.multiprocessing-method"


def _local_config() -> dict:
    """:data:`_LOCAL_CONFIG`, and workers forked from this process rather than spawned when
    that is safe and nobody chose a start method (Dask configuration files,
    ``DASK_DISTRIBUTED__WORKER__MULTIPROCESSING_METHOD`` or ``dask.config.set``): on Linux
    before Python 3.12 (which warns about forking a process with threads, as this one has:
    the cluster's event loop). A spawned worker imports distributed, numpy and pyarrow afresh
    (~0.6-1 s of CPU each); a forked one starts with this process's modules."""
    import dask
    import distributed  # noqa: F401  (registers its configuration defaults)

    cfg = dict(_LOCAL_CONFIG)
    if sys.platform.startswith("linux") and sys.version_info < (3, 12) and not _chosen(_METHOD):
        cfg[_METHOD] = "fork"
    return cfg


def _chosen(key: str) -> bool:
    """Whether ``key`` was set by the user rather than left at Dask's default."""
    import dask

    default = dask.config.get(key, config=dask.config.merge(*dask.config.defaults))
    if dask.config.get(key, default) != default:
        return True
    try:
        dask.config.get(key, config=dask.config.collect())  # files and environment only
    except KeyError:
        return False
    return True


_ADDRESS = re.compile(r"^(?:(tcp|tls|inproc|ws|wss|ucx)://)?[^\s/]+(?::\d+)?$")


@dataclass(frozen=True)
class EngineSpec:
    """``kind``: "local" or "dask"; ``workers``: processes of a local Dask cluster;
    ``scheduler``: address of an existing scheduler (``tcp://host:8786``)."""

    kind: str = "local"
    workers: int | None = None
    scheduler: str | None = None
    connect_timeout: float = 10.0

    @classmethod
    def from_options(cls, workers: int | None = None, scheduler: str | None = None,
                     kind: str | None = None) -> "EngineSpec":
        """Check the options: giving ``workers`` or ``scheduler`` means Dask."""
        kind = kind or ("dask" if workers or scheduler else "local")
        if kind not in KINDS:
            raise ConfigError(f"engine kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if workers is not None and workers < 1:
            raise ConfigError(f"workers must be at least 1, not {workers}")
        if workers and scheduler:
            raise ConfigError("give either workers (a local Dask cluster) or a scheduler "
                              "address (an existing cluster), not both")
        if scheduler and not _ADDRESS.match(scheduler):
            raise ConfigError(f"scheduler address {scheduler!r} is not like tcp://host:8786")
        if kind == "local" and (workers or scheduler):
            raise ConfigError("workers and scheduler need engine kind 'dask'")
        return cls(kind, workers, scheduler)

    @property
    def distributed(self) -> bool:
        return self.kind == "dask"


@contextmanager
def dask_client(spec: EngineSpec) -> Iterator:
    """A ``distributed.Client`` for ``spec``; a local cluster is stopped on exit. An
    unreachable scheduler is a one-line :class:`~rca.errors.ConfigError`."""
    from distributed import Client, LocalCluster

    cluster = None
    if spec.scheduler:
        try:
            _probe(spec.scheduler, spec.connect_timeout)
            client = Client(spec.scheduler, timeout=spec.connect_timeout)
        except (OSError, TimeoutError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0] or type(exc).__name__
            raise ConfigError(f"cannot reach the Dask scheduler at {spec.scheduler} "
                              f"(is `dask scheduler` running there?): {reason}") from None
    else:
        import dask

        n = spec.workers or os.cpu_count() or 1
        with dask.config.set(_local_config()):  # (the nannies pass it on to their workers)
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", memory_limit=0)
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _probe(address: str, timeout: float) -> None:
    """Fail fast (no retries until the timeout) when nothing listens at a TCP address."""
    import socket

    scheme, _, rest = address.rpartition("://")
    if scheme not in ("", "tcp") or ":" not in rest:
        return
    host, _, port = rest.rpartition(":")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
        pass


@contextmanager
def joblib_backend(spec: EngineSpec) -> Iterator:
    """Run scikit-learn's joblib parallelism (``n_jobs``) on the cluster of ``spec``; a no-op
    for the local engine."""
    if not spec.distributed:
        yield None
        return
    import joblib

    with dask_client(spec) as client, joblib.parallel_backend("dask"):
        yield client

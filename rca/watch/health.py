"""Polling a health endpoint: a failing or unreachable heartbeat becomes an error record."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class HealthCheck:
    service: str
    url: str
    ok: bool
    status: int | None
    latency_ms: float
    error: str = ""
    timestamp: float = 0.0

    def as_log(self) -> dict:
        """The check as a log record for ``POST /v1/logs``."""
        if self.ok:
            msg = f"health check ok: GET {self.url} -> {self.status}"
        elif self.status is not None:
            msg = f"health check failed: GET {self.url} -> HTTP {self.status}"
        else:
            msg = f"health check failed: GET {self.url} unreachable: {self.error}"
        return {"timestamp": self.timestamp, "service": self.service,
                "level": "INFO" if self.ok else "ERROR", "message": msg}

    def as_metrics(self) -> list[dict]:
        """``<service>_up`` (1/0) and ``<service>_health_latency_ms`` samples."""
        return [{"timestamp": self.timestamp, "series": f"{self.service}_up",
                 "service": self.service, "value": 1.0 if self.ok else 0.0},
                {"timestamp": self.timestamp, "series": f"{self.service}_health_latency_ms",
                 "service": self.service, "value": round(self.latency_ms, 3)}]


def poll(service: str, url: str, timeout: float = 5.0) -> HealthCheck:
    """GET ``url``; 2xx/3xx is healthy. Never raises for network errors."""
    t0 = time.perf_counter()
    now = time.time()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (user's URL)
            resp.read(64 * 1024)
            status = resp.status
        return HealthCheck(service, url, 200 <= status < 400, status,
                           (time.perf_counter() - t0) * 1000, timestamp=now)
    except urllib.error.HTTPError as exc:
        return HealthCheck(service, url, False, exc.code, (time.perf_counter() - t0) * 1000,
                           str(exc.reason), timestamp=now)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return HealthCheck(service, url, False, None, (time.perf_counter() - t0) * 1000,
                           str(reason), timestamp=now)

"""The watch loop: every interval, read new lines of each tailed file and poll each health URL,
then deliver them to a sink (the service over HTTP, or an in-process scorer)."""

from __future__ import annotations

import json
import threading
import time
import uuid
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

from rca.errors import ConfigError, InputError
from rca.paths import data_dir
from rca.watch.health import HealthCheck, poll
from rca.watch.tail import FileTail, Offsets


class HttpSink:
    """POSTs to a running ``rca serve``: honours 429 Retry-After; raises on other failures."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30.0,
                 max_retries: int = 20):
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"--to must be an http(s) URL, got {base_url!r}")
        self.base = base_url.rstrip("/")
        self.token, self.timeout, self.max_retries = token, timeout, max_retries

    def _post(self, path: str, body: bytes, ctype: str) -> dict:
        # one key per batch: a retry after a timeout is stored once by the service
        headers = {"Content-Type": ctype, "Idempotency-Key": uuid.uuid4().hex}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for _ in range(self.max_retries):
            req = urllib.request.Request(self.base + path, data=body, headers=headers,
                                         method="POST")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                    return json.loads(resp.read() or b"{}")
            except urllib.error.HTTPError as exc:
                if exc.code in (429, 503):
                    time.sleep(float(exc.headers.get("Retry-After") or 1))
                    continue
                detail = exc.read()[:300].decode("utf-8", "replace")
                raise InputError(f"service refused {path}: HTTP {exc.code} {detail}") from None
            except (urllib.error.URLError, OSError) as exc:
                raise InputError(f"cannot reach {self.base}: {getattr(exc, 'reason', exc)}") \
                    from None
        raise InputError(f"service at {self.base} stayed busy (429) after retries")

    def logs(self, service: str, lines: list, now: float) -> int:
        if not lines:
            return 0
        q = urllib.parse.urlencode({"service": service})
        body = json.dumps(lines).encode()
        return self._post(f"/v1/logs?{q}", body, "application/json").get("accepted", 0)

    def metrics(self, samples: list[dict], now: float) -> int:
        if not samples:
            return 0
        return self._post("/v1/metrics", json.dumps(samples).encode(),
                          "application/json").get("accepted", 0)

    def close(self) -> None:
        pass


class LocalSink:
    """Stores and scores in-process with the service's scorer (:func:`rca.api.local_monitor`),
    no server needed."""

    def __init__(self, db: Path, **settings):
        from rca import api

        self.monitor = api.local_monitor(db, **settings)

    def logs(self, service: str, lines: list, now: float) -> int:
        return self.monitor.logs(service, lines, now)

    def metrics(self, samples: list[dict], now: float) -> int:
        return self.monitor.metrics(samples, now)

    def score(self) -> list[dict]:
        """Score everything stored; return the latest incidents."""
        return self.monitor.score()

    def warming_up(self) -> dict[str, list[str]]:
        """Services whose learned detectors are still warming up."""
        systems = self.monitor.reliability()["systems"]
        return {n: s["warming_up"] for n, s in systems.items() if s["warming_up"]}

    def close(self) -> None:
        self.monitor.close()


class Watcher:
    """Tails ``logs`` ({service: path}) and polls ``health`` ({service: url}) into ``sink``."""

    def __init__(self, logs: dict[str, str], health: dict[str, str], sink, *,
                 interval: float = 5.0, state_path: Path | None = None,
                 max_line_bytes: int = 64 * 1024, batch_lines: int = 5000,
                 health_timeout: float = 5.0, poller: Callable[..., HealthCheck] = poll):
        if not logs and not health:
            raise ConfigError("nothing to watch: give --log SERVICE=PATH and/or "
                              "--health SERVICE=URL")
        self.sink = sink
        self.interval = interval
        self.batch_lines = batch_lines
        self.health = dict(health)
        self.health_timeout = health_timeout
        self.poller = poller
        self.offsets = Offsets(state_path or data_dir() / "watch-offsets.json")
        self.tails = {svc: FileTail(p, self.offsets, max_line_bytes=max_line_bytes)
                      for svc, p in logs.items()}
        self.sent = {"logs": 0, "metrics": 0, "checks_failed": 0}

    def once(self) -> dict:
        """One pass: deliver all new lines (in chunks) and one health poll per URL."""
        now = time.time()
        n_logs = 0
        for svc, tail in self.tails.items():
            while True:
                lines = tail.read(self.batch_lines)
                if not lines:
                    tail.commit()  # may move past a rotated-away file
                    break
                n_logs += self.sink.logs(svc, lines, now)
                tail.commit()
                self.offsets.save()
        checks = [self.poller(svc, url, self.health_timeout) for svc, url in self.health.items()]
        failed = [c for c in checks if not c.ok]
        if checks:
            for c in checks:
                n_logs += self.sink.logs(c.service, [c.as_log()], now)
            self.sink.metrics([m for c in checks for m in c.as_metrics()], now)
        self.offsets.save()
        self.sent["logs"] += n_logs
        self.sent["metrics"] += 2 * len(checks)
        self.sent["checks_failed"] += len(failed)
        return {"logs": n_logs, "checks": len(checks), "failed": [c.service for c in failed]}

    def run(self, max_iterations: int | None = None, stop: threading.Event | None = None,
            on_pass: Callable[[dict], None] | None = None) -> int:
        """Loop until ``stop`` is set, ``max_iterations`` passes ran, or Ctrl-C; returns passes."""
        stop = stop or threading.Event()
        n = 0
        try:
            while not stop.is_set():
                result = self.once()
                n += 1
                if on_pass is not None:
                    on_pass(result)
                if max_iterations is not None and n >= max_iterations:
                    break
                stop.wait(self.interval)
        except KeyboardInterrupt:
            pass
        finally:
            self.offsets.save()
        return n


def parse_pairs(values: list[str], what: str) -> dict[str, str]:
    """``["api=/var/log/api.log"]`` -> ``{"api": "/var/log/api.log"}``."""
    out: dict[str, str] = {}
    for v in values or []:
        name, sep, target = v.partition("=")
        if not sep or not name.strip() or not target.strip():
            raise ConfigError(f"{what} must look like SERVICE=VALUE, got {v!r}")
        out[name.strip()] = target.strip()
    return out


def parse_interval(text: str) -> float:
    """``5s``, ``500ms``, ``2m`` or a number of seconds."""
    t = text.strip().lower()
    try:
        for suffix, mult in (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)):
            if t.endswith(suffix):
                return float(t[: -len(suffix)]) * mult
        return float(t)
    except ValueError:
        raise ConfigError(f"bad interval {text!r} (use e.g. 5s, 500ms, 1m)") from None


def run_watch(logs: dict[str, str], health: dict[str, str], *, to=None, interval=5.0,
              token=None, state=None, db=None, max_iterations=None, stop=None,
              on_pass=None, settings: dict | None = None) -> int:
    """The ``rca watch`` loop: feed the service at ``to``, or score in-process into ``db``;
    in-process, each pass's result carries ``incidents`` and ``warming_up``."""
    import os

    if to:
        sink = HttpSink(to, token or os.environ.get("RCA_TOKEN"))
    else:
        sink = LocalSink(db or data_dir() / "watch.sqlite3", **(settings or {}))
    user = on_pass

    def each(result: dict) -> None:
        if isinstance(sink, LocalSink):
            result["incidents"] = sink.score()
            result["warming_up"] = sink.warming_up()
        if user is not None:
            user(result)

    try:
        w = Watcher(logs, health, sink, interval=interval, state_path=state)
        return w.run(max_iterations=max_iterations, stop=stop, on_pass=each)
    finally:
        sink.close()

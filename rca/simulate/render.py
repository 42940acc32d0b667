"""Writing simulated records in real-world log formats.

- ``pino``: JSON lines, numeric levels (30 info ... 60 fatal), ``time`` in epoch milliseconds,
  errors as an ``err`` object with a stack.
- ``winston``: JSON lines, string levels, ISO ``timestamp``, ``stack`` field on errors.
- ``python``: ``2026-03-14 09:00:00,123 ERROR [orders] orders.api: message`` + Traceback.
- ``java``: Spring Boot console layout + ``\\tat ...`` stack frames.
- ``postgres``: ``2026-03-14 09:00:00.123 UTC [1234] LOG:  message`` (stderr, default prefix).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timezone

_PINO_LEVEL = {"TRACE": 10, "DEBUG": 20, "INFO": 30, "WARN": 40, "ERROR": 50, "FATAL": 60}
_WINSTON_LEVEL = {"TRACE": "silly", "DEBUG": "debug", "INFO": "info", "WARN": "warn",
                  "ERROR": "error", "FATAL": "error"}
_PY_LEVEL = {"TRACE": "DEBUG", "DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARNING",
             "ERROR": "ERROR", "FATAL": "CRITICAL"}
_JAVA_LEVEL = {"TRACE": "TRACE", "DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARN",
               "ERROR": "ERROR", "FATAL": "ERROR"}
_PG_LEVEL = {"TRACE": "DEBUG1", "DEBUG": "DEBUG1", "INFO": "LOG", "WARN": "WARNING",
             "ERROR": "ERROR", "FATAL": "FATAL"}


@dataclass(frozen=True)
class Line:
    """One simulated record before rendering. ``t`` is epoch seconds (UTC)."""

    t: float
    level: str
    message: str
    exc: str | None = None  # "Type: message" -> a stack trace in the service's language
    logger: str = ""
    fields: tuple[tuple[str, object], ...] = ()


class Renderer:
    """Renders :class:`Line` objects of one service in its format (deterministic per seed)."""

    def __init__(self, service: str, fmt: str, rng: random.Random):
        self.service = service
        self.fmt = fmt
        self.rng = rng
        self.pid = rng.randint(7, 32000)
        self.host = f"{service}-{rng.randrange(16**5):05x}"

    def render(self, line: Line) -> str:
        return getattr(self, "_" + self.fmt)(line)

    # -- JSON formats ----------------------------------------------------------------------
    def _pino(self, line: Line) -> str:
        rec: dict[str, object] = {"level": _PINO_LEVEL[line.level], "time": int(round(line.t * 1000)),
                                  "pid": self.pid, "hostname": self.host, "name": self.service}
        rec.update(line.fields)
        rec["msg"] = line.message
        if line.exc:
            etype, _, emsg = line.exc.partition(": ")
            rec["err"] = {"type": etype.rsplit(".", 1)[-1], "message": emsg,
                          "stack": line.exc + self._js_frames()}
        return json.dumps(rec, separators=(",", ":"))

    def _winston(self, line: Line) -> str:
        rec: dict[str, object] = {"level": _WINSTON_LEVEL[line.level], "message": line.message,
                                  "service": self.service}
        rec.update(line.fields)
        if line.exc:
            rec["stack"] = line.exc + self._js_frames()
        rec["timestamp"] = _iso(line.t)
        return json.dumps(rec, separators=(",", ":"))

    def _ecs(self, line: Line) -> str:
        """Elastic Common Schema (Java ECS logging): the error sits in ``error.*``."""
        rec: dict[str, object] = {"@timestamp": _iso(line.t), "log.level": line.level,
                                  "message": line.message, "service.name": self.service,
                                  "process.thread.name": f"exec-{self.rng.randint(1, 20)}",
                                  "log.logger": line.logger or f"{self.service}.app"}
        if line.exc:
            etype, _, emsg = line.exc.partition(": ")
            rec["error.type"], rec["error.message"] = etype, emsg
            rec["error.stack_trace"] = line.exc + "\n\tat com.example.Svc.run(Svc.java:42)"
        return json.dumps(rec, separators=(",", ":"))

    def _otel(self, line: Line) -> str:
        """An OpenTelemetry log record (JSON): the error in ``exception.*`` attributes."""
        attrs = [{"key": "code.namespace", "value": {"stringValue": line.logger or "app"}}]
        if line.exc:
            etype, _, emsg = line.exc.partition(": ")
            attrs += [{"key": "exception.type", "value": {"stringValue": etype}},
                      {"key": "exception.message", "value": {"stringValue": emsg}}]
        rec = {"timeUnixNano": str(int(round(line.t * 1000)) * 1_000_000),
               "severityText": line.level, "body": {"stringValue": line.message},
               "attributes": attrs,
               "resource": {"attributes": [{"key": "service.name",
                                            "value": {"stringValue": self.service}}]}}
        return json.dumps(rec, separators=(",", ":"))

    def _js_frames(self) -> str:
        r = self.rng
        fns = ("handle", "process", "dispatch", "next", "runMicrotasks", "processTicksAndRejections")
        frames = [f"\n    at {r.choice(fns)} (/app/src/{r.choice(('routes', 'lib', 'services'))}/"
                  f"{self.service}.js:{r.randint(10, 400)}:{r.randint(3, 40)})" for _ in range(3)]
        return "".join(frames) + "\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)"

    # -- plain text formats ----------------------------------------------------------------
    def _python(self, line: Line) -> str:
        dt, ms = _split(line.t)
        stamp = dt.strftime("%Y-%m-%d %H:%M:%S") + f",{ms:03d}"
        head = (f"{stamp} {_PY_LEVEL[line.level]} [{self.service}] "
                f"{line.logger or self.service + '.app'}: {line.message}")
        if not line.exc:
            return head
        r = self.rng
        frames = []
        for mod, fn in (("handlers", "handle"), (r.choice(("storage", "clients", "service")),
                                                  r.choice(("write", "call", "load")))):
            frames.append(f'  File "/app/{self.service}/{mod}.py", line {r.randint(20, 300)}, '
                          f"in {fn}\n    result = {fn}(request)")
        return head + "\nTraceback (most recent call last):\n" + "\n".join(frames) + "\n" + line.exc

    def _java(self, line: Line) -> str:
        dt, ms = _split(line.t)
        stamp = dt.strftime("%Y-%m-%d %H:%M:%S") + f".{ms:03d}"
        thread = f"nio-8080-exec-{self.rng.randint(1, 20)}"
        logger = line.logger or f"c.e.{self.service}.web.{self.service.capitalize()}Controller"
        head = (f"{stamp} {_JAVA_LEVEL[line.level]:>5} 1 --- [{thread:>15}] "
                f"{logger[:40]:<40} : {line.message}")
        if not line.exc:
            return head
        r = self.rng
        pkg = f"com.example.{self.service}"
        frames = [f"\tat {pkg}.{c}.{m}({c.rsplit('.', 1)[-1]}.java:{r.randint(20, 400)})"
                  for c, m in (("service.Processor", "process"), ("web.Api", "handle"))]
        frames.append("\tat org.springframework.web.servlet.FrameworkServlet.service"
                      "(FrameworkServlet.java:883)")
        return head + "\n" + line.exc + "\n" + "\n".join(frames)

    def _postgres(self, line: Line) -> str:
        dt, ms = _split(line.t)
        stamp = dt.strftime("%Y-%m-%d %H:%M:%S") + f".{ms:03d} UTC"
        level = "PANIC" if line.message.startswith("PANIC:") else _PG_LEVEL[line.level]
        message = line.message.split(":  ", 1)[1] if line.message.startswith("PANIC:") else line.message
        return f"{stamp} [{self.pid}] {level}:  {message}"


def _split(t: float) -> tuple[datetime, int]:
    total = int(round(t * 1000))
    return datetime.fromtimestamp(total // 1000, timezone.utc), total % 1000


def _iso(t: float) -> str:
    dt, ms = _split(t)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms:03d}Z"

"""A minimal reader of the simulator's own formats, for tests that must not depend on
rca.ingest: yields (epoch seconds, LEVEL, first line of the message) per record."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

_PINO = {10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL"}
_NAMES = {"WARNING": "WARN", "CRITICAL": "FATAL", "LOG": "INFO", "PANIC": "FATAL",
          "DEBUG1": "DEBUG", "SILLY": "TRACE"}
_PY = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)[,.](\d{3})(?: UTC)? {1,2}(?:\[\d+\] )?"
                 r"([A-Z0-9]{3,8}):? {1,2}(.*)")


def _ts(text: str, ms: str) -> float:
    dt = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return dt.timestamp() + int(ms) / 1000


def read(path: Path):
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("{"):
            rec = json.loads(raw)
            if "time" in rec:
                yield rec["time"] / 1000, _PINO[rec["level"]], rec["msg"].split("\n")[0]
            else:
                stamp = datetime.strptime(rec["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
                level = rec["level"].upper()
                yield (stamp.replace(tzinfo=timezone.utc).timestamp(),
                       _NAMES.get(level, level), rec["message"].split("\n")[0])
            continue
        m = _PY.match(raw)
        if m is None:
            continue  # a stack-trace / continuation line
        stamp, ms, level, rest = m.groups()
        if " --- [" in rest:  # spring: "1 --- [thread] logger : message"
            rest = rest.split(" : ", 1)[1]
        elif rest.startswith("["):  # python: "[service] logger: message"
            rest = rest.split(": ", 1)[1]
        yield _ts(stamp, ms), _NAMES.get(level, level), rest

"""JSON lines (pino, bunyan, winston, ECS, OpenTelemetry, structlog...); aliases in
:mod:`rca.ingest.fields`. An OTLP/JSON export line (``resourceLogs``) yields all its records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rca.ingest.fields import from_mapping
from rca.ingest.timestamps import TimeParser

_loads = json.loads


class JsonParser:
    """``parse(line)`` -> ``(timestamp, level, service, host, message, attrs)``, a list of
    them for an OTLP export line, or None when the line is not a JSON object."""

    name = "json"

    def __init__(self, times: TimeParser) -> None:
        self._times = times

    def parse(self, line: str):
        s = line.lstrip()
        if not s.startswith("{"):
            return None
        try:
            obj = _loads(s)
        except ValueError:
            return None
        if not isinstance(obj, dict):
            return None
        if "resourceLogs" in obj:
            return list(otlp_records(obj, self._times))
        return from_mapping(obj, self._times)


def otlp_records(obj: Mapping[str, Any], times: TimeParser):
    """The field tuples of every log record of an OTLP/JSON export object."""
    for rl in obj.get("resourceLogs") or ():
        resource = rl.get("resource") or {}
        for sl in rl.get("scopeLogs") or rl.get("instrumentationLibraryLogs") or ():
            for rec in sl.get("logRecords") or ():
                if isinstance(rec, Mapping):
                    yield from_mapping(rec, times, resource=resource)

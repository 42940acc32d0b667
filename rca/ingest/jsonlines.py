"""JSON lines (pino, bunyan, winston, ECS, OpenTelemetry, structlog...); aliases in
:mod:`rca.ingest.fields`. An OTLP/JSON export line (``resourceLogs``) yields all its records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rca.errors import InputError
from rca.ingest.fields import from_mapping
from rca.ingest.otlp import field_tuples, logs_from_request, request_from_json
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
            try:
                return otlp_records(obj, self._times)
            except InputError:  # not valid OTLP after all: the line stays unparsed
                return None
        return from_mapping(obj, self._times)


def otlp_records(obj: Mapping[str, Any], times: TimeParser | None = None):
    """The field tuples of every log record of an OTLP/JSON export object, mapped by
    :mod:`rca.ingest.otlp` (records with neither a body nor an exception are skipped)."""
    return field_tuples(logs_from_request(request_from_json("logs", dict(obj))))

"""Plain data handed from one stage to the next (frozen dataclasses).

Stage-internal types live in their stage; only what crosses stages is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

#: Normalised severity levels, lowest first.
LEVELS: tuple[str, ...] = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
LEVEL_RANK: dict[str, int] = {name: i for i, name in enumerate(LEVELS)}


@dataclass(frozen=True, slots=True)
class Record:
    """One log record, whatever format it came from.

    ``timestamp`` is timezone-aware UTC or None; ``level`` is one of :data:`LEVELS` or None;
    ``line`` is the 1-based number of the record's first line in ``source``; ``flags`` marks
    problems such as ``"unparsed"`` (fits no format, kept as raw text), ``"decode_error"``
    (bytes replaced) or ``"truncated"``.
    """

    message: str
    timestamp: datetime | None = None
    service: str = ""
    host: str | None = None
    level: str | None = None
    attrs: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    line: int = 0
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Event:
    """A record with its error signature (template)."""

    record: Record
    template_id: str
    template: str
    params: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """Something a person can open to check a claim: a log line or a metric peak."""

    source: str
    line: int | None = None
    text: str = ""
    timestamp: datetime | None = None
    metric: str | None = None
    value: float | None = None


@dataclass(frozen=True, slots=True)
class RootCause:
    rank: int
    service: str
    score: float
    metric: str | None = None
    template: str | None = None
    evidence: tuple[Evidence, ...] = ()
    reasons: tuple[str, ...] = ()
    anomalous: bool = True  # crossed the anomaly threshold (others are ranked, weakly)


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    title: str
    confidence: float
    service: str | None = None
    steps: tuple[str, ...] = ()
    matched: str = ""
    docs: tuple[str, ...] = ()
    source: str = "library"  # "library" or "feedback"
    commands: tuple[str, ...] = ()  # shell commands, parameters filled and shell-quoted


@dataclass(frozen=True, slots=True)
class Incident:
    start: datetime | None
    end: datetime | None
    onset: datetime | None = None
    id: str = ""
    services: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Analysis:
    """What ``rca analyze`` answers. ``incident`` is None when nothing anomalous was found."""

    incident: Incident | None
    root_causes: tuple[RootCause, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    timeline: Any = None  # pandas DataFrame of per-service error counts over time, optional
    notes: tuple[str, ...] = ()
    metrics: Any = None  # pandas DataFrame: robust deviation over time of the top series, optional

"""Severity normalisation to :data:`rca.types.LEVELS` (TRACE, DEBUG, INFO, WARN, ERROR, FATAL).

Text aliases are data (:data:`LEVEL_ALIASES`); numeric scales have one function each because
the same number means different things in pino (10..60), syslog (0..7) and OpenTelemetry (1..24).

>>> normalize_level("warning"), normalize_level("E"), normalize_level("crit")
('WARN', 'ERROR', 'FATAL')
>>> pino_level(50), syslog_level(3), otel_level(17)
('ERROR', 'ERROR', 'ERROR')
"""

from __future__ import annotations

LEVEL_ALIASES: dict[str, str] = {
    # TRACE
    "trace": "TRACE", "trc": "TRACE", "finest": "TRACE", "finer": "TRACE", "verbose": "TRACE",
    "v": "TRACE", "t": "TRACE", "all": "TRACE",
    # DEBUG
    "debug": "DEBUG", "dbg": "DEBUG", "debg": "DEBUG", "fine": "DEBUG", "d": "DEBUG",
    "config": "DEBUG",
    # INFO
    "info": "INFO", "inf": "INFO", "information": "INFO", "informational": "INFO",
    "notice": "INFO", "i": "INFO", "n": "INFO", "default": "INFO", "log": "INFO",
    # WARN
    "warn": "WARN", "warning": "WARN", "wrn": "WARN", "w": "WARN",
    # ERROR
    "error": "ERROR", "err": "ERROR", "eror": "ERROR", "e": "ERROR", "severe": "ERROR",
    "failure": "ERROR", "fail": "ERROR", "failed": "ERROR",
    # FATAL
    "fatal": "FATAL", "critical": "FATAL", "crit": "FATAL", "emerg": "FATAL",
    "emergency": "FATAL", "alert": "FATAL", "panic": "FATAL", "f": "FATAL", "c": "FATAL",
    "a": "FATAL", "assert": "FATAL", "dpanic": "FATAL",
}

_SEEN: dict[str, str] = {}  # raw text -> level, for the texts seen (bounded)
_SYSLOG = ("FATAL", "FATAL", "FATAL", "ERROR", "WARN", "INFO", "INFO", "DEBUG")


def normalize_level(value: object) -> str | None:
    """Map a level name (any case, any common alias) or a pino number to a normalised level.

    Unknown values give None (the field was not a level after all).
    """
    if value is None:
        return None
    if isinstance(value, str):
        found = _SEEN.get(value)
        if found is not None:
            return found
        found = LEVEL_ALIASES.get(value.strip().strip("[]<>:").lower())
        if found is not None:
            if len(_SEEN) < 1024:
                _SEEN[value] = found
            return found
        text = value.strip()
        if text.isdigit():
            return pino_level(int(text))
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return pino_level(int(value))
    return None


def pino_level(number: int) -> str | None:
    """pino/bunyan numeric levels: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal."""
    if number < 10:
        return None
    if number >= 60:
        return "FATAL"
    return ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")[number // 10 - 1]


def syslog_level(severity: int) -> str | None:
    """Syslog severities 0 (emerg) .. 7 (debug)."""
    if 0 <= severity <= 7:
        return _SYSLOG[severity]
    return None


def otel_level(number: int) -> str | None:
    """OpenTelemetry SeverityNumber: 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR,
    21-24 FATAL; 0 is unspecified."""
    if number <= 0:
        return None
    if number > 24:
        return "FATAL"
    return ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")[(number - 1) // 4]

"""Loghub-style format strings: ``<Date> <Time> <Level> \\[<Process>\\] <Component>: <Content>``.

A field in angle brackets becomes a named group; the message is ``<Content>``. Text between
fields is a regex fragment (Loghub writes ``\\[`` for a bracket and may use groups such as
``(\\[<PID>\\])?``), and runs of spaces match one or more whitespace characters, as in
logparser's ``generate_logformat_regex``.

:func:`compile_log_format` gives that faithful regex. :class:`LoghubParser` first tries a fast
equivalent in which a field followed by a literal character cannot contain that character
(possessive, so no backtracking on long or foreign lines) and falls back to the faithful regex.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import combinations

from rca.errors import ConfigError
from rca.ingest.levels import normalize_level
from rca.ingest.timestamps import TimeParser

_FIELD = re.compile(r"(<[^<>]+>)")
_TIME_FIELDS = ("datetime", "timestamp", "date", "time", "day", "month", "year")
_LEVEL_FIELDS = ("level", "severity", "loglevel", "levelname", "priority")
_HOST_FIELDS = ("host", "hostname", "node")
_SERVICE_FIELDS = ("service", "app", "application")
_SLOW_MAX = 4096  # the faithful (backtracking) regex only runs on lines shorter than this


def _split(log_format: str) -> tuple[list[str], list[str]]:
    parts = _FIELD.split(log_format)
    literals = [re.sub(" +", r"\\s+", p) for p in parts[0::2]]
    names = [p.strip("<>") for p in parts[1::2]]
    return literals, names


def _check(log_format: str, names: list[str]) -> None:
    if not names:
        raise ConfigError(f"log format {log_format!r} has no <Field>; write e.g. "
                          "'<Date> <Time> <Level> <Content>'")
    bad = [n for n in names if not re.fullmatch(r"[A-Za-z_]\w*", n)]
    if bad or len(set(names)) != len(names):
        raise ConfigError(f"log format {log_format!r}: field names must be unique identifiers")


@lru_cache(maxsize=64)
def compile_log_format(log_format: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """Return ``(regex, field_names)`` for a Loghub format string (logparser semantics).

    >>> rx, names = compile_log_format("<Date> <Time> <Level> <Component>: <Content>")
    >>> names
    ('Date', 'Time', 'Level', 'Component', 'Content')
    >>> rx.match("081109 203615 INFO dfs.DataNode: Receiving block").group("Content")
    'Receiving block'
    """
    literals, names = _split(log_format)
    _check(log_format, names)
    pattern = literals[0]
    for name, lit in zip(names, literals[1:]):
        pattern += f"(?P<{name}>.*?)" + lit
    try:
        return re.compile("^" + pattern + "$"), tuple(names)
    except re.error as exc:
        raise ConfigError(f"log format {log_format!r} is not valid: {exc}") from exc


@lru_cache(maxsize=64)
def compile_fast_log_format(log_format: str) -> re.Pattern[str]:
    """A linear-time regex that agrees with :func:`compile_log_format` whenever it matches.

    A field followed by whitespace becomes ``\\S*+``, one followed by a literal character ``c``
    becomes ``[^c]*+``, the last field (the message) ``.*``; other fields stay lazy.

    >>> compile_fast_log_format(r"\\[<Time>\\] <Program> - <Content>").pattern
    '^\\\\[(?P<Time>[^\\\\]]*+)\\\\]\\\\s+(?P<Program>\\\\S*+)\\\\s+-\\\\s+(?P<Content>.*)$'
    """
    literals, names = _split(log_format)
    _check(log_format, names)
    pattern = literals[0]
    for k, (name, lit) in enumerate(zip(names, literals[1:])):
        if k == len(names) - 1 and lit == "":
            group = ".*"
        elif lit.startswith(r"\s+"):
            group = r"\S*+"
        elif lit[:1] == "\\" and len(lit) > 1 and not lit[1].isalnum():
            group = "[^" + re.escape(lit[1]) + "]*+"
        elif lit[:1] and (lit[0].isalnum() or lit[0] in ",:;@=#%&'\"/!~`<>"):
            group = "[^" + re.escape(lit[0]) + "]*+"
        else:
            group = ".*?"
        pattern += f"(?P<{name}>{group})" + lit
    try:
        return re.compile("^" + pattern + "$")
    except re.error as exc:
        raise ConfigError(f"log format {log_format!r} is not valid: {exc}") from exc


class LoghubParser:
    """Parse lines with a Loghub format string into ``(timestamp, level, service, host, message,
    attrs)``; fields other than the time, level and message go to ``attrs``.

    The timestamp is assembled from Date/Time/Day/Month/Year/Timestamp fields: the first field
    combination that parses is remembered and tried first on the next lines.
    """

    name = "loghub"

    def __init__(self, log_format: str, times: TimeParser) -> None:
        self.log_format = log_format
        self._slow, names = compile_log_format(log_format)
        self._fast = compile_fast_log_format(log_format)
        self._times = times
        lower = {n.lower(): n for n in names}
        self._content = lower.get("content") or names[-1]
        time_names = [n for n in names if n.lower() in _TIME_FIELDS]
        plans: list[tuple[str, ...]] = []
        if len(time_names) > 1:
            plans.append(tuple(time_names))
        plans += [(n,) for n in sorted(time_names, key=lambda n: _TIME_FIELDS.index(n.lower()))]
        plans += [c for c in combinations(time_names, 2) if c not in plans]
        self._plans = plans
        self._level = next((lower[k] for k in _LEVEL_FIELDS if k in lower), None)
        self._host = next((lower[k] for k in _HOST_FIELDS if k in lower), None)
        self._service = next((lower[k] for k in _SERVICE_FIELDS if k in lower), None)
        skip = set(time_names) | {self._content, self._level}
        self._attr_names = tuple(n for n in names if n not in skip)
        self._levels: dict[str, str | None] = {}

    def parse(self, line: str):
        m = self._fast.match(line)
        if m is None:
            if len(line) > _SLOW_MAX:
                return None
            m = self._slow.match(line)
            if m is None:
                return None
        g = m.groupdict()
        plans = self._plans
        ts = None
        if plans:  # fast path: the plan that worked last time
            plan = plans[0]
            text = g[plan[0]] if len(plan) == 1 else " ".join([g[n] for n in plan if g[n]])
            if text:
                ts = self._times.parse(text)
            if ts is None and len(plans) > 1:
                ts = self._timestamp(g)
        level = None
        if self._level is not None:
            raw = g[self._level]
            level = self._levels.get(raw, "?")
            if level == "?":
                level = normalize_level(raw)
                if len(self._levels) < 256:
                    self._levels[raw] = level
        attrs = {n: g[n] for n in self._attr_names if g[n] is not None}
        host = g[self._host] if self._host else None
        service = g[self._service] if self._service else None
        return (ts, level, service, host, g[self._content] or "", attrs)

    def _timestamp(self, g: dict):
        plans = self._plans
        for k, plan in enumerate(plans):
            if len(plan) == 1:
                text = g[plan[0]]
            else:
                text = " ".join(g[n] for n in plan if g[n])
            if not text:
                continue
            ts = self._times.parse(text)
            if ts is not None:
                if k:
                    plans.insert(0, plans.pop(k))
                return ts
        return None

"""Common plain-text application log layouts, as data (:data:`LAYOUTS`).

Each layout is a regex with named groups ``ts``, ``level``, ``logger``, ``thread``, ``msg``.
Layouts are tried in order, most specific first (a later one would swallow an earlier one's
lines with a poorer split); the layout the first line of a file chose is then tried first.

>>> p = TextParser(TimeParser())
>>> p.parse("2024-01-01 12:00:00,123 ERROR payments.db: connection refused")[1:5]
('ERROR', None, None, 'connection refused')
>>> p = TextParser(TimeParser())  # a new file
>>> p.parse("2024-01-01 12:00:00.123 WARN [main] com.acme.Pool - pool exhausted")[4:]
('pool exhausted', {'layout': 'log4j', 'logger': 'com.acme.Pool', 'thread': 'main'})
"""

from __future__ import annotations

import re

from rca.ingest.levels import normalize_level
from rca.ingest.timestamps import TimeParser

_TS = (r"(?P<ts>\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?"
       r"(?:\s?Z|\s?[+-]\d{2}:?\d{2}|\s(?:UTC|GMT))?"
       r"|\d{2}:\d{2}:\d{2}[.,]\d{3}"
       r"|(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
       r" [ \d]\d \d{2}:\d{2}:\d{2}(?:[.,]\d+)? \d{4}"
       r"|\d{2}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}|\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}"
       r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2})")
_LVL = (r"(?P<level>(?i:trace|debug|info|notice|warn(?:ing)?|error|err|crit(?:ical)?|fatal|severe|"
        r"emerg|alert|panic|fine(?:r|st)?|verbose))")
_LOGGER = r"(?P<logger>[A-Za-z_$][\w.$:/<>-]*)"

_NOT_CAPS = r"(?![A-Z][A-Z0-9_]*(?::|\s-)\s)"  # ``ENOSPC: ...`` is message, not a logger name

#: (name, regex) in the order they are tried on a fresh file.
LAYOUTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((n, re.compile(p)) for n, p in (
    # E1201 12:00:00.123456   12345 reflector.go:138] msg (klog / glog: Kubernetes, Go)
    ("klog", r"(?P<level>[IWEF])(?P<ts>\d{4} \d{2}:\d{2}:\d{2}\.\d{6})\s+(?P<pid>\d+)\s+"
     r"(?P<logger>[\w.-]+:\d+)\]\s(?P<msg>.*)"),
    # 2024/01/01 12:00:00 [error] 1234#1234: *5 msg (nginx error log)
    ("nginx", _TS + r"\s+\[" + _LVL + r"\]\s+(?P<pid>\d+)#(?P<thread>\d+):\s(?P<msg>.*)"),
    # [Sun Dec 04 04:47:44 2005] [error] msg ; [...2024] [proxy:error] [pid 1:tid 2] msg (Apache)
    ("apache", r"\[" + _TS + r"\]\s+\[(?:(?P<logger>[\w-]+):)?" + _LVL
     + r"\](?:\s+\[pid (?P<pid>\d+)(?::tid (?P<thread>\d+))?\])?(?:\s+\[client [^\]]{0,200}\])?"
     r"\s+(?P<msg>.*)"),
    # E, [2024-01-01T12:00:00.123456 #1234] ERROR -- app: msg (Ruby Logger)
    ("ruby", r"[DIWEFUA], \[" + _TS + r"\s+#(?P<pid>\d+)\]\s+" + _LVL
     + r"\s+--\s+(?:(?P<logger>[^:\s]{1,200}):\s)?(?P<msg>.*)"),
    # 2024-01-01 12:00:00.123 ERROR [thread] com.x.Y - msg ; 12:00:00.123 [main] INFO  c.x.Y - msg
    ("log4j", r"\[?" + _TS + r"\]?\s+(?:\[(?P<thread>[^\]]{0,200})\]\s+)?\[?" + _LVL
     + r"\]?\s+(?:\[(?P<thread2>[^\]]{0,200})\]\s+)?" + _LOGGER + r"\s+-\s(?P<msg>.*)"),
    # 2024-01-01 12:00:00.123  INFO 1 --- [main] c.e.Web   : msg (Spring Boot)
    ("spring", _TS + r"\s+" + _LVL + r"\s+(?P<pid>\d+)\s+---\s+(?:\[[^\]]{0,200}\]\s+)?"
     r"\[\s*(?P<thread>[^\]]{0,200})\]\s+" + _LOGGER + r"\s*:\s(?P<msg>.*)"),
    # 2024-01-01 12:00:00.123 UTC [5890] LOG:  msg (PostgreSQL log_line_prefix '%m [%p] ')
    ("postgres", _TS + r"\s+\[(?P<pid>\d+)\](?:\s+\S+@\S+)?\s+(?P<level>LOG|ERROR|FATAL|PANIC|"
     r"WARNING|NOTICE|INFO|DEBUG\d?|DETAIL|HINT|STATEMENT|CONTEXT|QUERY|LOCATION):\s+(?P<msg>.*)"),
    # 2024-01-01 12:00:00 - name - ERROR - msg (Python logging.basicConfig with asctime)
    ("python-dash", _TS + r"\s+-\s+" + _LOGGER + r"\s+-\s+" + _LVL + r"\s+-\s(?P<msg>.*)"),
    # 2024-01-01 12:00:00,123 ERROR name: msg ; [2024-...] [ERROR] msg ; 2024-... | ERROR | msg
    ("python", r"\[?" + _TS + r"\]?\s*(?:[-|]\s*)?(?:\[\s*)?" + _LVL + r"(?:\s*\])?\s*(?:[-|:]\s*)?"
     + r"(?:\[(?P<thread>[^\]]{0,200})\]\s+)?(?:" + _NOT_CAPS + r"\[?" + _LOGGER
     + r"\]?(?::|\s-)\s)?(?P<msg>.*)"),
    # ERROR:name:msg (Python logging default)
    ("python-default", r"(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL):" + _LOGGER
     + r":(?P<msg>.*)"),
    # [ERROR] 2024-01-01 12:00:00 msg ; ERROR 2024-...: msg
    ("level-first", r"\[?" + _LVL + r"\]?\s*[:|-]?\s*\[?" + _TS + r"\]?\s*[:|-]?\s*(?P<msg>.*)"),
    # 2024/01/01 12:00:00 msg (Go log, anything starting with a date and time)
    ("timestamped", r"\[?" + _TS + r"\]?,?\s+(?P<msg>.*)"),
))


#: A service name written before the header: ``[payments] 2024-...``, ``payments: 2024-...``,
#: ``payments-1  | 2024-...`` (docker compose). Only taken when a time stamp follows.
_PREFIX = re.compile(r"(?:\[(?P<b>[\w.@/-]{1,80})\]|(?P<p>[\w.@/-]{1,80})\s*\||(?P<c>[\w.@/-]{1,80}):)"
                     r"\s+(?=\[?\d{2,4}[-/:.]\d)")


def _is_level(word: str) -> bool:
    return word.isalpha() and normalize_level(word) is not None


class TextParser:
    """Try :data:`LAYOUTS` in order; the first match wins. The layout chosen for the first
    parsed line is tried first afterwards (one regex per line on a uniform file)."""

    name = "text"

    def __init__(self, times: TimeParser, layouts=LAYOUTS) -> None:
        self._times = times
        self._layouts = tuple(layouts)
        self._first: tuple[str, re.Pattern[str]] | None = None

    def parse(self, line: str):
        if line[:1] == "[" or not line[:1].isdigit():
            m = _PREFIX.match(line)
            if m is not None and not _is_level(m["b"] or m["p"] or m["c"]):
                rec = self._parse(line[m.end():])
                if rec is not None:
                    return (*rec[:2], m["b"] or m["p"] or m["c"], *rec[3:])
        return self._parse(line)

    def _parse(self, line: str):
        first = self._first
        if first is not None:
            m = first[1].match(line)
            if m is not None:
                return self._record(first[0], m)
        for name, rx in self._layouts:
            m = rx.match(line)
            if m is not None:
                if first is None:
                    self._first = (name, rx)
                return self._record(name, m)
        return None

    def _record(self, layout: str, m: re.Match[str]):
        g = m.groupdict()
        ts = g.get("ts")
        if ts and layout == "klog":  # MMDD hh:mm:ss.ffffff
            ts = f"{ts[:2]}-{ts[2:]}"
        ts = self._times.parse(ts) if ts else None
        level = normalize_level(g["level"]) if g.get("level") else None
        attrs = {"layout": layout}
        if g.get("pid"):
            attrs["pid"] = g["pid"]
        if g.get("logger"):
            attrs["logger"] = g["logger"]
        thread = g.get("thread") or g.get("thread2")
        if thread:
            attrs["thread"] = thread
        return ts, level, None, None, g["msg"], attrs

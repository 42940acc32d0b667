"""logfmt (``time=... level=error msg="connection refused" service=orders``)."""

from __future__ import annotations

import re

from rca.ingest.fields import from_mapping
from rca.ingest.timestamps import TimeParser

_PAIR = re.compile(r'([^\s="]+)=("(?:[^"\\]|\\.)*"|[^\s]*)')
_KEY = r"[A-Za-z_@][\w.\-/@]*"
#: a whole logfmt line: pairs (or bare keys) separated by spaces, nothing else
_LINE = re.compile(r'\s*(?:' + _KEY + r'(?:=(?:"(?:[^"\\]|\\.)*"|[^\s"]*))?\s+)*'
                   + _KEY + r'(?:=(?:"(?:[^"\\]|\\.)*"|[^\s"]*))?\s*')


def parse_logfmt(line: str) -> dict[str, str]:
    r"""Key/value pairs of a logfmt line; quoted values are unescaped.

    >>> parse_logfmt('level=warn msg="disk \\"sda\\" full" pct=97')
    {'level': 'warn', 'msg': 'disk "sda" full', 'pct': '97'}
    """
    out = {}
    for key, value in _PAIR.findall(line):
        if value[:1] == '"':
            value = value[1:-1]
            if "\\" in value:
                value = value.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        out[key] = value
    return out


class LogfmtParser:
    """``parse(line)`` -> ``(timestamp, level, service, host, message, attrs)`` or None when
    the line is not made of ``key=value`` pairs only (at least two)."""

    name = "logfmt"

    def __init__(self, times: TimeParser) -> None:
        self._times = times

    def parse(self, line: str):
        s = line.lstrip()
        if not s or s[0] in "{[<" or "=" not in s:
            return None
        if _LINE.fullmatch(s) is None:
            return None
        pairs = parse_logfmt(s)
        if len(pairs) < 2:
            return None
        ts, level, service, host, message, attrs = from_mapping(pairs, self._times)
        return ts, level, service, host, message or s, attrs

"""Syslog: RFC 5424 (``<34>1 2003-10-11T22:14:15.003Z host app 123 ID47 [sd] msg``) and RFC 3164
(``<34>Oct 11 22:14:15 host app[123]: msg``, the ``<PRI>`` optional as in files written by
rsyslog). The service is the app name (TAG), the level the PRI severity when present.
"""

from __future__ import annotations

import re

from rca.ingest.levels import normalize_level, syslog_level
from rca.ingest.timestamps import TimeParser

_RFC5424 = re.compile(
    r"<(?P<pri>\d{1,3})>1 (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) (?P<msgid>\S+) "
    r"(?P<sd>-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: (?P<msg>.*))?$")
_TS3164 = (r"(?P<ts>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2} "
           r"\d{2}:\d{2}:\d{2}(?: \d{4})?|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?"
           r"(?:Z|[+-]\d{2}:?\d{2})?)")
_RFC3164 = re.compile(
    r"(?:<(?P<pri>\d{1,3})>)?" + _TS3164 + r"\s+(?:(?P<host>[^\s:\[]+)\s+)?"
    r"(?P<app>[^\s:\[]+)(?:\[(?P<procid>[^\]]*)\])?:\s?(?P<msg>.*)$")
_RFC3164_NOTAG = re.compile(r"(?:<(?P<pri>\d{1,3})>)?" + _TS3164
                            + r"\s+(?P<host>[^\s:\[]+)\s+(?P<msg>.*)$")


def _level_word(*tokens: str | None) -> bool:
    """True when a would-be host or tag is a severity word (``ERROR``, ``warn``): such a line
    is an application's ``<time> <LEVEL> <message>`` line, not syslog without a PRI."""
    return any(t is not None and len(t) >= 3 and t.isalpha() and t.lower() not in _NOT_LEVELS
               and normalize_level(t) is not None for t in tokens)


_NOT_LEVELS = frozenset({"all", "log", "default", "config", "fail", "failed", "failure"})


class SyslogParser:
    """``parse(line)`` -> ``(timestamp, level, service, host, message, attrs)`` or None;
    ``attrs`` holds ``syslog`` ("3164"/"5424"), ``facility``, ``procid``, ``msgid``, ``sd``."""

    name = "syslog"

    def __init__(self, times: TimeParser) -> None:
        self._times = times

    def parse(self, line: str):
        if line[:1] == "<":
            m = _RFC5424.match(line)
            if m is not None:
                return self._record(m, rfc="5424")
        m = _RFC3164.match(line) or _RFC3164_NOTAG.match(line)
        if m is None or (m["pri"] is None and _level_word(m["host"], m.groupdict().get("app"))):
            return None
        return self._record(m, rfc="3164")

    def _record(self, m: re.Match[str], rfc: str):
        g = m.groupdict()
        ts = self._times.parse(g["ts"]) if g["ts"] not in (None, "-") else None
        level = syslog_level(int(g["pri"]) % 8) if g["pri"] else None
        attrs: dict = {"syslog": rfc}
        if g["pri"]:
            attrs["facility"] = int(g["pri"]) // 8
        for key in ("procid", "msgid", "sd"):
            value = g.get(key)
            if value not in (None, "-"):
                attrs[key] = value
        app = g.get("app")
        host = g["host"] if g["host"] not in (None, "-") else None
        message = g["msg"] or ""
        if message.startswith("\ufeff"):
            message = message[1:]
        return ts, level, (app if app not in (None, "-") else None), host, message, attrs


class SyslogFramer:
    """Splits a syslog TCP byte stream into messages (RFC 6587): octet counting
    (``"57 <34>1 ..."``) or newline framing (``"<34>...\\n"``, NUL accepted too), told apart per
    frame by its first byte. ``feed(data)`` returns the complete messages so far (decoded as
    UTF-8, bad bytes replaced); ``close()`` returns what an unterminated last frame held.

    >>> f = SyslogFramer()
    >>> f.feed(b"11 <13>1 - a b12 <13>1 - c d\\n<14>Oct 11 22:14:15 h app: x\\n<1")
    ['<13>1 - a b', '<13>1 - c d\\n', '<14>Oct 11 22:14:15 h app: x']
    >>> f.close()
    ['<1']
    """

    def __init__(self, max_frame: int = 64 * 1024) -> None:
        self.max_frame = max_frame
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[str]:
        buf = self._buf
        buf += data
        out: list[str] = []
        while buf:
            if buf[:1].isdigit():  # octet counting: "LEN SP MSG"
                sp = buf.find(b" ", 0, 12)
                if sp > 0 and buf[:sp].isdigit():
                    n = int(buf[:sp])
                    if len(buf) < sp + 1 + n:
                        break
                    out.append(bytes(buf[sp + 1: sp + 1 + n]).decode("utf-8", "replace"))
                    del buf[: sp + 1 + n]
                    continue
                if sp < 0 and len(buf) < 12 and buf.isdigit():
                    break  # the length may still be arriving
            got = self._line(buf)
            if not got and buf:
                break
            out += got
        return [m for m in out if m.strip()]

    def _line(self, buf: bytearray) -> list[str]:
        nl, nul = buf.find(b"\n"), buf.find(b"\0")
        end = min(i for i in (nl, nul) if i >= 0) if nl >= 0 or nul >= 0 else -1
        if end < 0:
            if len(buf) < self.max_frame:
                return []
            end = min(len(buf), self.max_frame)  # an overlong line is cut, not held forever
            msg = bytes(buf[:end])
            del buf[:end]
        else:
            msg = bytes(buf[:end])
            del buf[: end + 1]
        return [msg.rstrip(b"\r").decode("utf-8", "replace")]

    def close(self) -> list[str]:
        rest = bytes(self._buf).decode("utf-8", "replace")
        self._buf.clear()
        return [rest] if rest.strip() else []

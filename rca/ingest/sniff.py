"""Pick a line format for a file from its first non-empty lines.

The candidates are tried on every sample line that does not look like a continuation; the one
that parses the most wins (ties go to the earlier in :data:`FAMILIES`). Nothing parses -> "raw".
"""

from __future__ import annotations

from rca.errors import ConfigError
from rca.ingest.jsonlines import JsonParser
from rca.ingest.logfmt import LogfmtParser
from rca.ingest.logformat import LoghubParser
from rca.ingest.multiline import is_continuation
from rca.ingest.plaintext import TextParser
from rca.ingest.syslog import SyslogParser
from rca.ingest.timestamps import TimeParser

#: Line-format families in sniffing (and tie-breaking) order.
FAMILIES = {"json": JsonParser, "syslog": SyslogParser, "text": TextParser, "logfmt": LogfmtParser}
SNIFF_LINES = 50


def make_parser(name_or_format: str, times: TimeParser):
    """A parser for a family name (``json``, ``syslog``, ``text``, ``logfmt``) or a Loghub
    format string (anything containing ``<Field>``)."""
    if name_or_format in FAMILIES:
        return FAMILIES[name_or_format](times)
    if "<" in name_or_format and ">" in name_or_format:
        return LoghubParser(name_or_format, times)
    raise ConfigError(f"unknown log format {name_or_format!r}: use auto, "
                      f"{', '.join(FAMILIES)} or a format string like '<Date> <Time> <Level> <Content>'")


def sniff(lines: list[str], times: TimeParser) -> str:
    """The family name that parses most of ``lines``, or ``"raw"``.

    >>> sniff(['{"level":30,"msg":"hi"}', '{"level":50,"msg":"boom"}'], TimeParser())
    'json'
    >>> sniff(['level=info msg=ok', 'level=error msg="bad thing"'], TimeParser())
    'logfmt'
    """
    sample = [ln for ln in lines if ln.strip() and not is_continuation(ln, False)]
    best, best_score = "raw", 0
    for name, cls in FAMILIES.items():
        parser = cls(times)
        score = sum(1 for ln in sample if parser.parse(ln) is not None)
        if score > best_score:
            best, best_score = name, score
    return best

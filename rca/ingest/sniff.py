"""Pick a line format for a file from its first non-empty lines.

The candidates are tried on every sample line that does not look like a continuation; the one
that parses the most wins (ties go to the earlier in :data:`FAMILIES`). Nothing parses -> "raw".
"""

from __future__ import annotations

from importlib import import_module

from rca.errors import ConfigError
from rca.ingest.multiline import is_continuation
from rca.ingest.timestamps import TimeParser

#: Line-format families in sniffing (and tie-breaking) order: name -> "module:ParserClass".
#: A family's module is imported when a parser of it is first made, so a run with a Loghub
#: format string never loads the JSON/OTLP, syslog or plain-text parsers (nor compiles their
#: patterns): a command-line parse of a few MB would spend a good part of its time doing that.
FAMILIES = {"json": "rca.ingest.jsonlines:JsonParser", "syslog": "rca.ingest.syslog:SyslogParser",
            "text": "rca.ingest.plaintext:TextParser", "logfmt": "rca.ingest.logfmt:LogfmtParser"}
SNIFF_LINES = 50


def parser_class(name: str) -> type:
    """The parser class of a family in :data:`FAMILIES` (its module imported on first use).

    >>> parser_class("logfmt").__name__
    'LogfmtParser'
    """
    module, cls = FAMILIES[name].split(":")
    return getattr(import_module(module), cls)


def make_parser(name_or_format: str, times: TimeParser):
    """A parser for a family name (``json``, ``syslog``, ``text``, ``logfmt``) or a Loghub
    format string (anything containing ``<Field>``)."""
    if name_or_format in FAMILIES:
        return parser_class(name_or_format)(times)
    if "<" in name_or_format and ">" in name_or_format:
        from rca.ingest.logformat import LoghubParser

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
    for name in FAMILIES:
        parser = parser_class(name)(times)
        score = sum(1 for ln in sample if parser.parse(ln) is not None)
        if score > best_score:
            best, best_score = name, score
    return best

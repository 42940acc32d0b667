"""``read_records``: files in, :class:`rca.types.Record` out, one at a time (constant memory)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Iterator

from rca.errors import ConfigError
from rca.ingest.multiline import TRACEBACK_START, is_continuation
from rca.ingest.sniff import FAMILIES, SNIFF_LINES, make_parser, sniff
from rca.ingest.source import expand_paths, first_lines, iter_lines, service_from_path
from rca.ingest.timestamps import TimeParser
from rca.types import Record

AUTO = (None, "", "auto")
MAX_LINE = 65536


@dataclass
class ReadStats:
    """Counts gathered while reading; pass one to :func:`read_records` and read it afterwards.

    ``lines`` physical lines (blank ones included), ``records`` records yielded, ``unparsed``
    records that fit no format, ``decode_errors`` undecodable byte sequences replaced,
    ``multiline_lines`` lines attached to the record above, ``truncated`` records cut at
    ``max_line``, ``formats`` the format used per file.
    """

    lines: int = 0
    records: int = 0
    unparsed: int = 0
    decode_errors: int = 0
    multiline_lines: int = 0
    truncated: int = 0
    bytes: int = 0
    files: int = 0
    formats: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """One line, for people."""
        return (f"{self.records:,} records from {self.lines:,} lines in {self.files} file(s); "
                f"{self.unparsed:,} unparsed, {self.decode_errors:,} decode errors, "
                f"{self.multiline_lines:,} continuation lines, {self.truncated:,} truncated")


def read_records(paths, log_format: str | None = None, service: str | None = None,
                 year: int | None = None, tz: str | None = "UTC",
                 stats: ReadStats | None = None, max_line: int = MAX_LINE) -> Iterator[Record]:
    """Read log files (or folders of them) into records, streaming.

    ``log_format``: None/"auto" sniffs each file; "json", "logfmt", "syslog" or "text" fixes
    the family; anything with ``<Field>`` is a Loghub format string whose ``<Content>`` is the
    message. ``service`` overrides the service (default: a field of the record, else the file
    name's stem). ``year`` and ``tz`` complete stamps that lack them. Messages (with their
    continuation lines) are cut at ``max_line`` characters and flagged ``"truncated"``.

    Missing or unreadable inputs raise :class:`rca.errors.InputError` here, before iteration.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "orders.log").write_text('{"level":50,"time":1700000000000,"msg":"db down"}\\n')
    >>> [(r.service, r.level, r.message, r.line) for r in read_records(d / "orders.log")]
    [('orders', 'ERROR', 'db down', 1)]
    """
    files = expand_paths(paths)
    if max_line < 16:
        raise ConfigError("max_line must be at least 16")
    times = TimeParser(year=year, tz=tz)  # validates tz now
    if log_format not in AUTO:
        make_parser(log_format, times)  # validates the format now
    return _records(files, log_format, service, times, stats or ReadStats(), max_line)


def _records(files: list[Path], log_format, service, times, stats: ReadStats, max_line: int):
    for path in files:
        stats.files += 1
        yield from _read_file(path, log_format, service, times, stats, max_line)


def _read_file(path: Path, log_format, service, times, stats: ReadStats, max_line: int):
    lines = iter_lines(path, stats, max_line * 4)
    yield from parse_lines(lines, str(path), service_from_path(path), log_format, service,
                           times, stats, max_line)


def parse_lines(lines, source: str, default_service: str, log_format, service, times,
                stats: ReadStats, max_line: int = MAX_LINE) -> Iterator[Record]:
    """Records of numbered lines ``(lineno, text, decode_error, cut)`` from ``source``: the
    format sniffed on the first lines (or fixed by ``log_format``), continuation lines joined
    to their record. Shared by files and in-memory bodies (:mod:`rca.ingest.body`)."""
    default_service = service or default_service
    lines = iter(lines)
    auto = log_format in AUTO
    if auto:
        head = first_lines(lines, SNIFF_LINES)
        fmt = sniff([t for _, t, _, _ in head], times)
        parser = make_parser(fmt, times) if fmt != "raw" else None
        fallbacks = [make_parser(n, times) for n in FAMILIES if n != fmt]
    else:
        head = []
        fmt = "loghub" if log_format not in FAMILIES else log_format
        parser = make_parser(log_format, times)
        fallbacks = []
    stats.formats[source] = fmt
    yield from assemble(chain(head, lines), source, parser, fallbacks, service or None,
                        default_service, stats, max_line, auto)


def assemble(lines, source: str, parser, fallbacks, service, default_service: str,
             stats: ReadStats, max_line: int, auto: bool = False):
    """Records from ``(line_number, text, decode_error, truncated)`` tuples: each line is
    parsed by ``parser`` (then ``fallbacks`` when ``auto``), continuation lines are attached to
    the record above, lines that fit nothing become records flagged ``"unparsed"``."""
    parse = parser.parse if parser is not None else None

    # the record being assembled (continuation lines may still come)
    p_line = 0
    p_fields = None
    p_parts: list[str] = []
    p_flags: list[str] = []
    p_len = 0
    in_tb = False

    def emit():
        ts, level, svc, host, message, attrs = p_fields
        if len(p_parts) > 1:
            message = "\n".join(p_parts)
        stats.records += 1
        if "unparsed" in p_flags:
            stats.unparsed += 1
        if "truncated" in p_flags:
            stats.truncated += 1
        # positional: keyword calls cost several times more per record
        return Record(message, ts, service or svc or default_service, host, level, attrs,
                      source, p_line, tuple(p_flags))

    for lineno, text, bad, cut in lines:
        if not text or text.isspace():
            continue
        if p_fields is not None and (text[0] == " " or text[0] == "\t") \
                and is_continuation(text, in_tb):
            parsed = None
        else:
            parsed = parse(text) if parse is not None else None
            if parsed is None and auto:
                for fb in fallbacks:
                    parsed = fb.parse(text)
                    if parsed is not None:
                        break
        if parsed is None and p_fields is not None and is_continuation(text, in_tb):
            # continuation line: attach to the record above
            stats.multiline_lines += 1
            if text.startswith(TRACEBACK_START):
                in_tb = True
            if p_len < max_line:
                piece = text[: max_line - p_len - 1]
                p_parts.append(piece)
                p_len += len(piece) + 1
                if len(piece) < len(text) and "truncated" not in p_flags:
                    p_flags.append("truncated")
            elif "truncated" not in p_flags:
                p_flags.append("truncated")
            if bad and "decode_error" not in p_flags:
                p_flags.append("decode_error")
            continue
        if p_fields is not None:
            yield emit()
            p_fields = None
        in_tb = False
        p_flags = []
        if bad:
            p_flags.append("decode_error")
        if cut:
            p_flags.append("truncated")
        if parsed is None:
            p_flags.append("unparsed")
            parsed = (None, None, None, None, text, {})
        elif type(parsed) is list:  # several records on one line (OTLP export)
            for fields in parsed[:-1]:
                p_line, p_fields, p_parts, p_len = lineno, fields, [fields[4]], len(fields[4])
                yield emit()
            if not parsed:
                continue
            parsed = parsed[-1]
        message = parsed[4]
        if len(message) > max_line:
            message = message[:max_line]
            parsed = parsed[:4] + (message,) + parsed[5:]
            if "truncated" not in p_flags:
                p_flags.append("truncated")
        p_line, p_fields, p_parts, p_len = lineno, parsed, [message], len(message)
    if p_fields is not None:
        yield emit()

"""Readers that turn log and metric files into :class:`rca.types.Record` streams and frames.

``read_records(paths, log_format=None, ...)`` is the entry point for logs; the line formats
(Loghub format strings, JSON lines, logfmt, syslog, plain-text app logs) each live in a module.
"""

from rca.ingest.levels import normalize_level
from rca.ingest.logformat import compile_fast_log_format, compile_log_format
from rca.ingest.reader import ReadStats, read_records
from rca.ingest.timestamps import TimeParser

__all__ = ["ReadStats", "TimeParser", "compile_fast_log_format", "compile_log_format",
           "normalize_level", "read_records"]

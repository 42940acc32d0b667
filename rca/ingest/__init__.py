"""Readers that turn log and metric files into :class:`rca.types.Record` streams and frames.

``read_records(paths, log_format=None, ...)`` is the entry point for logs; the line formats
(Loghub format strings, JSON lines, logfmt, syslog, plain-text app logs) each live in a module.
"""

_HOME = {"normalize_level": "levels", "compile_fast_log_format": "logformat",
         "compile_log_format": "logformat", "ReadStats": "reader", "read_records": "reader",
         "TimeParser": "timestamps"}

__all__ = ["ReadStats", "TimeParser", "compile_fast_log_format", "compile_log_format",
           "normalize_level", "read_records"]


def __getattr__(name: str):
    """Public names are imported from their module on first use (PEP 562): a path that needs
    one reader (``rca parse --log-format``) does not load every format's parser."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'rca.ingest' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"rca.ingest.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""Loghub-style format strings: ``<Date> <Time> <Level> \\[<Process>\\] <Component>: <Content>``.

A field in angle brackets becomes a named group; the message is ``<Content>``. Text between
fields is matched literally, runs of spaces match one or more whitespace characters (as in
logparser's ``generate_logformat_regex``).
"""

from __future__ import annotations

import re
from functools import lru_cache

_FIELD = re.compile(r"(<[^<>]+>)")


@lru_cache(maxsize=64)
def compile_log_format(log_format: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """Return ``(regex, field_names)`` for a Loghub format string.

    >>> rx, names = compile_log_format("<Date> <Time> <Level> <Component>: <Content>")
    >>> names
    ('Date', 'Time', 'Level', 'Component', 'Content')
    >>> rx.match("081109 203615 INFO dfs.DataNode: Receiving block").group("Content")
    'Receiving block'
    """
    parts = _FIELD.split(log_format)
    pattern = ""
    names: list[str] = []
    for k, part in enumerate(parts):
        if k % 2 == 0:
            pattern += re.sub(" +", r"\\s+", part)
        else:
            name = part.strip("<>")
            names.append(name)
            pattern += f"(?P<{name}>.*?)"
    return re.compile("^" + pattern + "$"), tuple(names)

"""Regexes a remediation signature is compiled to, built from data rather than written out.

What varies between runtimes for the same fault is spelled here once: an errno is a name
(``ENOSPC``), a number in one of several frames (``[Errno 28]``, ``(28: ``, ``OS errno 28``,
``errno=28``, ``os error 28``) or the C library's text; an exception is a dotted class name or
its last part; a gRPC status is ``code = ResourceExhausted``, ``RESOURCE_EXHAUSTED`` or
``StatusCode.RESOURCE_EXHAUSTED``; an HTTP status is ``503``, ``status code 503`` or its reason
phrase. Metric hints are normalised to ``"<kind> <up|down>"``.

>>> import re
>>> bool(re.search(errno_regex(["ENOSPC"]), "(OS errno 28 - No space left on device)"))
True
>>> bool(re.search(status_regex(["UNAVAILABLE"]), "rpc error: code = Unavailable desc = x"))
True
>>> bool(re.search(status_regex(["503"]), "503 Server Error: Service Unavailable for url"))
True
>>> normalize_metric_hint("carts_mem rising")
'memory up'
"""

from __future__ import annotations

import errno as _errno
import os
import re
from http import HTTPStatus

# Metric hints are normalised to "<kind> <up|down>"; kinds are those of rca.detect.kinds.
_DOWN = frozenset({"down", "dropped", "drop", "falling", "fell", "low", "zero", "silent",
                   "stopped", "decrease", "decreasing", "gone", "missing"})

#: Frames an errno number appears in (``{n}`` = the number).
ERRNO_FRAMES = (r"\[Errno {n}\]", r"\({n}: ", r"\bOS errno {n}\b", r"\berrno[ =:]{{1,3}}{n}\b",
                r"\bos error {n}\b", r"\berror {n}\b(?= connecting)")
#: gRPC status names (canonical codes).
GRPC_CODES = ("CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
              "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
              "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
              "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED")


def normalize_metric_hint(hint: str | None) -> str | None:
    """Map free text such as ``"orders_mem rising"`` or ``"memory up"`` to ``"memory up"``.

    >>> normalize_metric_hint("no logs since 09:12 (silent)")
    'logs down'
    """
    from rca.detect.kinds import kind_of
    from rca.detect.kinds import words as metric_words

    if not hint:
        return None
    text = str(hint)[:200]
    kind = kind_of(text)
    if kind is None:
        return None
    words = set(metric_words(text))
    if words & _DOWN or "no" in words:
        return f"{kind.name} down"
    return f"{kind.name} up"


def errno_regex(names: list[str]) -> str:
    """Case-insensitive alternation for errno names, their numbers and their C text."""
    parts = []
    for name in names:
        code = getattr(_errno, name, None)
        parts.append(r"\b" + re.escape(name) + r"\b")
        if code is not None:
            parts += [f.format(n=code) for f in ERRNO_FRAMES]
            parts.append(re.escape(os.strerror(code)))
    return "|".join(parts)


def exception_regex(names: list[str]) -> str:
    """``java.lang.OutOfMemoryError`` also matches a bare ``OutOfMemoryError``; a ``$Inner``
    class name matches after its outer class (``HttpServerErrorException$BadGateway``)."""
    short = sorted({re.split(r"[.$]", n)[-1] for n in names})
    return "|".join(r"(?<![\w])" + re.escape(n) + r"\b" for n in short)


def status_regex(codes: list[str]) -> str:
    """Case-sensitive alternation for gRPC code names and HTTP status numbers."""
    parts = []
    for code in codes:
        if code.isdigit():
            phrase = re.escape(HTTPStatus(int(code)).phrase)
            parts += [rf"(?<![\w.:/-]){code} (?:{phrase}|(?:Server|Client) Error)",
                      rf"(?i:\b(?:status(?: code)?|http(?:/[\d.]{{1,3}})?|code)[ :=]{{1,3}}){code}\b",
                      rf"\[{code} {phrase}\]", rf"\" {code} \d", rf"'{code} {phrase}'",
                      rf"(?i:\b{phrase}\b)"]
        else:
            camel = "".join(w.capitalize() for w in code.split("_"))
            parts += [rf"\b{code}\b", rf"code ?= ?{camel}\b", rf"\b{camel}Error\b"]
    return "|".join(parts)


def check_status_codes(codes: list[str]) -> list[str]:
    """Upper-cased codes; an unknown gRPC name or HTTP number raises ValueError."""
    out = []
    for code in codes:
        code = str(code).strip().upper()
        if code.isdigit():
            HTTPStatus(int(code))  # ValueError when unknown
        elif code not in GRPC_CODES:
            raise ValueError(f"unknown status {code!r} (an HTTP number or a gRPC code name)")
        out.append(code)
    return out


_QUANT = re.compile(r"\{\d{1,4}(?:,\d{0,4})?\}\??")
_NUMERIC_ATOMS = ("\\d", "[0-9a-f]", "[0-9a-fA-F]", "[\\d.]")


def template_tolerant(pattern: str) -> str:
    r"""Let a number in a pattern also match the ``<*>`` a template miner left in its place:
    ``\d{2,5}`` -> ``(?:\d{2,5}|<\*>)`` outside character classes; a ``\b`` right after
    it also accepts the end of ``<*>``.

    >>> print(template_tolerant(r"port (?P<port>\d{2,5})\b in [\d.]{1,12}"))
    port (?P<port>(?:\d{2,5}|<\*>))(?:\b|(?<=>)) in (?:[\d.]{1,12}|<\*>)
    """
    out: list[str] = []
    i = 0
    while i < len(pattern):
        atom = next((a for a in _NUMERIC_ATOMS if pattern.startswith(a, i)), None)
        if atom is not None and not (i and pattern[i - 1] == "\\"):
            m = _QUANT.match(pattern, i + len(atom))
            if m is not None:
                out.append(f"(?:{atom}{m.group(0)}|<\\*>)")
                i = m.end()
                j = i
                while j < len(pattern) and pattern[j] == ")":
                    j += 1
                if pattern.startswith("\\b", j):
                    out.append(pattern[i:j] + "(?:\\b|(?<=>))")
                    i = j + 2
                continue
        if pattern[i] == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if pattern[i] == "[":  # copy a whole character class untouched
            j = i + 1
            if j < len(pattern) and pattern[j] == "^":
                j += 1
            if j < len(pattern) and pattern[j] == "]":
                j += 1
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            out.append(pattern[i:j + 1])
            i = j + 1
            continue
        out.append(pattern[i])
        i += 1
    return "".join(out)

"""Error detail of a record: the error fields of each log format, and the cause chain of a
stack trace, as data.

Structured writers put the error beside the message: ECS ``error.{type,message,stack_trace}``,
pino/bunyan ``err.{type,message,stack}``, winston ``stack`` / ``error`` / ``meta.error``,
OpenTelemetry ``exception.{type,message,stacktrace}`` attributes, logfmt ``err=`` /
``error=``, structlog ``exception``. :func:`error_fields` maps them to the agreed record keys
``error.type``, ``error.message``, ``error.stack_trace`` (kept in ``Record.attrs``).

The deepest cause of a chain carries the signature: :func:`cause_chain` reads Java
``Caused by:``, Python chained tracebacks ("The above exception was the direct cause...",
"During handling of the above exception...") and Node ``[cause]:``; :func:`with_cause` is the
text ranking evidence and fix matching use.

>>> error_fields({"message": "Failed to write /x.part",
...               "error": {"type": "java.io.IOException", "message": "Disk quota exceeded"}})
{'error.type': 'java.io.IOException', 'error.message': 'Disk quota exceeded'}
>>> cause_chain("java.lang.RuntimeException: save failed\\n\\tat A.b(A.java:1)\\n"
...             "Caused by: java.io.IOException: No space left on device")[-1]
'java.io.IOException: No space left on device'
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from rca.ingest.fields import lookup

#: Canonical key -> aliases, in order (a dotted alias also matches nested objects).
ERROR_KEYS: dict[str, tuple[str, ...]] = {
    "error.type": ("error.type", "err.type", "err.name", "error.name", "exception.type",
                   "attributes.exception.type", "error.kind", "exc_type", "meta.error.name",
                   "metadata.error.name"),
    "error.message": ("error.message", "err.message", "exception.message",
                      "attributes.exception.message", "meta.error.message",
                      "metadata.error.message", "err", "error", "exc_message"),
    "error.stack_trace": ("error.stack_trace", "error.stack", "err.stack", "exception.stacktrace",
                          "attributes.exception.stacktrace", "stack", "stack_trace",
                          "stacktrace", "exception", "exc_info", "meta.stack", "metadata.stack",
                          "meta.error.stack", "metadata.error.stack"),
}

#: One link of a cause chain: ``(kind, regex)``; ``kind`` says which link is the deepest.
_JAVA_CAUSE = re.compile(r"^\s*Caused by: ([\w.$]{1,200}(?::[^\n]{0,400})?)", re.M)
_NODE_CAUSE = re.compile(r"^\s*\[cause\]: ([\w.$]{1,200}(?::[^\n]{0,400})?)", re.M)
_PY_EXC = re.compile(r"^((?:[A-Za-z_][\w.]{0,200})?(?:Error|Exception|Exit|Interrupt|Warning|Fault)"
                     r"\w{0,40}(?::[^\n]{0,400})?)$", re.M)
_PY_CHAINED = ("The above exception was the direct cause", "During handling of the above exc")


def error_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    """The ``error.*`` keys found in a structured record (strings only; empty if none)."""
    out: dict[str, str] = {}
    for canonical, aliases in ERROR_KEYS.items():
        for key in aliases:
            value = lookup(obj, key)
            if isinstance(value, Mapping):
                value = value.get("stringValue")  # OTel AnyValue
            if isinstance(value, (str, int)) and str(value).strip():
                out[canonical] = str(value).strip()
                break
    return out


def cause_chain(text: str) -> list[str]:
    """``"Type: message"`` links of the stack trace in ``text``, outermost first, deepest
    cause last (empty when ``text`` holds no recognisable exception)."""
    if not text or "\n" not in text and ":" not in text:
        return []
    java = _JAVA_CAUSE.findall(text) or _NODE_CAUSE.findall(text)
    if java:
        first = text.split("\n", 1)[0].strip()
        return [first] + [c.strip() for c in java]
    links = [m.strip() for m in _PY_EXC.findall(text)]
    if len(links) > 1 and any(marker in text for marker in _PY_CHAINED):
        return links[::-1]  # Python prints the original cause first
    return links


def with_cause(message: str, attrs: Mapping[str, Any] | None = None) -> str:
    """``message`` with the error detail the matcher and the evidence need added to its first
    line: the record's ``error.*`` fields and the deepest cause of any stack trace, each only
    when the message does not already say it (a stack trace stays below, unchanged).

    >>> with_cause("Failed to write /x.part", {"error.type": "java.io.IOException",
    ...                                       "error.message": "Disk quota exceeded"})
    'Failed to write /x.part | java.io.IOException: Disk quota exceeded'
    """
    message = message or ""
    attrs = attrs or {}
    if "\n" not in message and not any(k in attrs for k in ERROR_KEYS):
        return message
    head, nl, rest = message.partition("\n")
    parts = [head]
    etype, emsg = attrs.get("error.type"), attrs.get("error.message")
    if emsg or etype:
        detail = f"{etype}: {emsg}" if etype and emsg else str(emsg or etype)
        if str(emsg or etype) not in message:
            parts.append(detail)
    chain = cause_chain(str(attrs.get("error.stack_trace") or "")) or (
        cause_chain(message) if nl else [])
    said = " | ".join(parts)
    if chain and chain[-1] not in said and chain[-1].split(":", 1)[-1].strip() not in said:
        parts.append("caused by " + chain[-1])
    return " | ".join(p for p in parts if p) + nl + rest


def headline(message: str, limit: int = 500) -> str:
    """The first line of a (possibly multi-line) message, what evidence quotes.

    >>> headline("RuntimeException: save failed | caused by java.io.IOException: EDQUOT\\n\\tat x")
    'RuntimeException: save failed | caused by java.io.IOException: EDQUOT'
    """
    return (message or "").split("\n", 1)[0][:limit]


def with_cause_record(record):
    """``record`` with :func:`with_cause` applied to its message (the same object when
    nothing is added)."""
    from dataclasses import replace

    text = with_cause(record.message, record.attrs)
    return record if text == record.message else replace(record, message=text)

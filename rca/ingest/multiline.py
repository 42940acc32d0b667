"""Which lines continue the record above them: stack traces of Java, Python and Node, as data.

>>> is_continuation("\\tat com.acme.Svc.run(Svc.java:10)", in_traceback=False)
True
>>> is_continuation("Caused by: java.io.IOException: broken pipe", in_traceback=False)
True
>>> is_continuation("ValueError: bad value", in_traceback=True)
True
>>> is_continuation("user logged in", in_traceback=False)
False
"""

from __future__ import annotations

import re

#: Lines that start a continuation whatever came before (indented lines always continue).
CONTINUATION_PATTERNS: tuple[str, ...] = (
    r"\s+at\s",                                          # Java and Node frames
    r"\s*\.\.\. ?\d+ (?:more|common frames omitted)",   # Java elided frames
    r"\s*(?:Caused by|Suppressed):",                     # Java chained exceptions
    r"Traceback \(most recent call last\):",             # Python
    r"During handling of the above exception",           # Python chained
    r"The above exception was the direct cause",
    r"(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable|Fault)\b",  # java.x.FooException
    r"(?:[A-Z]\w*)?(?:Error|Exception)(?::|$)",          # Node "TypeError: x", Python "KeyError: 'k'"
)
_CONT = re.compile("|".join(f"(?:{p})" for p in CONTINUATION_PATTERNS))
TRACEBACK_START = "Traceback (most recent call last):"


def is_continuation(line: str, in_traceback: bool) -> bool:
    """True if ``line`` belongs to the record above it.

    Indented lines always do; inside a Python traceback every line does (up to the exception
    line); otherwise the line must match :data:`CONTINUATION_PATTERNS`.
    """
    if not line:
        return False
    c = line[0]
    if c == " " or c == "\t":
        return line.lstrip()[:1] != "{"
    return in_traceback or _CONT.match(line) is not None

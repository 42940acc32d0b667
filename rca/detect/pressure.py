"""Resource pressure written in log lines: "memory usage at 96% of limit", "disk /var 97%
full", "CPU at 99%". A line whose resource share is over its kind's threshold
(:data:`rca.detect.kinds.DEFAULT_THRESHOLDS`: memory 0.8, CPU 0.7, disk 0.9) is evidence
of a resource fault even when it is logged as a warning.

The words that name each resource are those of the kinds table (:data:`rca.detect.kinds.KINDS`,
the fraction kinds memory, cpu and disk); the match is vectorised over a column of messages.

>>> import pandas as pd
>>> over_threshold(pd.Series(["memory usage at 96% of limit", "heap at 50%", "cpu 99 %",
...                           "disk /var 95% full", "took 96% of the time"])).tolist()
[True, False, True, True, False]
"""

from __future__ import annotations

import pandas as pd

from rca.detect.kinds import KINDS, thresholds as threshold_table

#: Resource kind -> words that name it in a message.
RESOURCE_WORDS: dict[str, tuple[str, ...]] = {
    k.name: tuple(sorted(k.words)) for k in KINDS if k.name in ("memory", "cpu", "disk")}

_WORD = {w: kind for kind, words in RESOURCE_WORDS.items() for w in words}
_PATTERN = (r"(?i)\b(?P<word>" + "|".join(sorted(_WORD, key=len, reverse=True)) + r")\b"
            r"[^%\n]{0,40}?(?<![\d.])(?P<pct>\d{1,3}(?:\.\d+)?)\s?%")


def pressure(messages: pd.Series) -> pd.DataFrame:
    """Per message: ``kind`` (memory/cpu/disk or NaN) and ``share`` (0..1 or NaN)."""
    found = messages.astype(str).str.extract(_PATTERN)
    kind = found["word"].dropna().str.lower().map(_WORD)
    return pd.DataFrame({"kind": kind.reindex(messages.index),
                         "share": pd.to_numeric(found["pct"], errors="coerce") / 100.0},
                        index=messages.index)


def over_threshold(messages: pd.Series, thresholds: dict[str, float] | None = None) -> pd.Series:
    """True where a message reports a resource share at or over its kind's threshold."""
    table = threshold_table(thresholds)
    text = messages.astype(str)
    out = pd.Series(False, index=messages.index)
    has = text.str.contains("%", regex=False)
    if has.any():
        p = pressure(text[has])
        out[has] = (p["share"] >= p["kind"].map(table)).fillna(False).astype(bool)
    return out

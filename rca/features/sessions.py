"""Group parsed events into sessions keyed by an identifier found in the message.

A *sessions frame* is the hand-off format of this stage: one row per session (or window) with
columns ``session_id`` (str), ``events`` (tuple of event keys, in order) and, when known,
``start``/``end`` (UTC timestamps), ``levels`` (tuple of levels), ``services`` and ``label``.

>>> import pandas as pd
>>> events = pd.DataFrame({
...     "message": ["open blk_1", "open blk_2", "close blk_1"],
...     "template_id": ["a", "a", "b"],
... })
>>> frame = sessions_from_events(events, r"blk_-?\\d+")
>>> frame[["session_id", "events"]].to_dict("records")
[{'session_id': 'blk_1', 'events': ('a', 'b')}, {'session_id': 'blk_2', 'events': ('a',)}]
"""

from __future__ import annotations

import re

import pandas as pd

from rca.errors import InputError

SESSION_COLUMNS = ("session_id", "events", "start", "end", "levels", "label")


def sessions_from_events(
    events: pd.DataFrame,
    id_pattern: str,
    *,
    key: str = "template_id",
    message: str = "message",
) -> pd.DataFrame:
    """One row per identifier matched by ``id_pattern`` in ``events[message]``.

    An event whose message names several identifiers (``blk_1 ... blk_2``) counts for each of
    them; events naming none are dropped. Order inside a session is the frame's row order.
    """
    if events.empty:
        raise InputError("no events to group into sessions (the input is empty)")
    for col in (key, message):
        if col not in events.columns:
            raise InputError(f"events frame has no column {col!r}")
    try:
        rx = re.compile(id_pattern)
    except re.error as exc:
        raise InputError(f"invalid session id pattern {id_pattern!r}: {exc}") from None
    ids = events[message].astype(str).map(lambda m: tuple(dict.fromkeys(rx.findall(m))))
    ids = ids.map(lambda found: tuple(f if isinstance(f, str) else f[0] for f in found))
    exploded = events.assign(session_id=ids).explode("session_id").dropna(subset=["session_id"])
    if exploded.empty:
        raise InputError(f"no message matched the session id pattern {id_pattern!r}")
    return _collapse(exploded, key)


def _collapse(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """Aggregate event rows (already tagged with ``session_id``) into a sessions frame."""
    groups = rows.groupby("session_id", sort=False)
    out = pd.DataFrame({"events": groups[key].agg(lambda s: tuple(map(str, s)))})
    if "timestamp" in rows.columns and rows["timestamp"].notna().any():
        out["start"] = groups["timestamp"].min()
        out["end"] = groups["timestamp"].max()
    if "level" in rows.columns:
        out["levels"] = groups["level"].agg(lambda s: tuple("" if pd.isna(v) else str(v) for v in s))
    out = out.reset_index()
    out["session_id"] = out["session_id"].astype(str)
    return out

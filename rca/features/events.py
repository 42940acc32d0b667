"""The events frame: the one table of parsed log lines that every later step reads.

One row per record, columns :data:`EVENT_COLUMNS` (``timestamp`` as UTC ``datetime64``, ``line``
as int64, ``flags`` comma-joined). The ``rca parse --out`` CSV, ``rca.api.events_frame``,
``rca analyze`` and training all use it; sessions and windows (:mod:`rca.features.sessions`,
:mod:`rca.features.windows`) and the log ranking (:mod:`rca.rank.logs`) read it.

>>> from datetime import datetime, timezone
>>> from rca.templates import TemplateMiner
>>> from rca.types import Record
>>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> recs = [Record("disk 91% full", t, "db", level="WARN"), Record("disk 95% full", t, "db")]
>>> miner = TemplateMiner()
>>> frame = events_frame(events_from_records(recs, miner), miner=miner)
>>> list(frame.columns) == list(EVENT_COLUMNS), frame["template"].tolist()
(True, ['disk <*> full', 'disk <*> full'])
"""

from __future__ import annotations

from typing import Iterable, Iterator

import pandas as pd

# EVENT_COLUMNS, the columns of an events frame in order, has its home in the earliest stage
# that needs it: the parse writer (rca.templates.table). Re-exported here.
from rca.templates.table import EVENT_COLUMNS
from rca.types import Event, Record

__all__ = ["EVENT_COLUMNS", "events_frame", "events_from_records"]


def events_from_records(records: Iterable[Record], miner) -> Iterator[Event]:
    """Give each record its template from ``miner`` (a ``rca.templates.TemplateMiner`` that
    learns as it goes): an iterator of :class:`rca.types.Event`."""
    add = miner.add
    for rec in records:
        m = add(rec.message)
        yield Event(rec, m.template_id, m.template, tuple(m.params))


def events_frame(items: Iterable[Event | Record], miner=None) -> pd.DataFrame:
    """Events (or plain records, whose template columns stay empty) as an events frame.

    With ``miner``, template ids handed out before a template generalised are resolved to the
    current one and every row gets its template's final text (:func:`resolve_templates`).
    """
    rows = []
    for item in items:
        if isinstance(item, Event):
            r, tid, text = item.record, item.template_id, item.template
        else:
            r, tid, text = item, "", ""
        rows.append((r.source, r.line, r.timestamp, r.service, r.host, r.level, tid, text,
                     r.message, ",".join(r.flags)))
    frame = pd.DataFrame.from_records(rows, columns=list(EVENT_COLUMNS))
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["line"] = frame["line"].astype("int64")
    if miner is not None and not frame.empty:
        resolve_templates(frame, miner)
    return frame


def resolve_templates(frame: pd.DataFrame, miner, rows=None) -> None:
    """In place: the ``template_id`` of ``rows`` (a boolean mask; all rows by default) mapped
    to the miner's current id, and ``template`` to its final text (the message when the miner
    does not know the id)."""
    sel = slice(None) if rows is None else rows
    ids = frame.loc[sel, "template_id"]
    current = {tid: miner.resolve(tid) for tid in ids.unique()}
    ids = ids.map(current)
    frame.loc[sel, "template_id"] = ids.to_numpy()
    frame.loc[sel, "template"] = (ids.map(miner.templates).fillna(frame.loc[sel, "message"])
                                  .astype(str).to_numpy())

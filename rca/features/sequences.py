"""Read sessions that are already parsed: one row per session with its event sequence.

Two sequence encodings are understood, per cell: a JSON list of templates
(``["Receiving block <*>", ...]``, as in the HDFS block-sessions CSV) or space-separated event
ids (``"1 17 10 16"``, as in the OpenStack sequence files). Templates are turned into stable ids
(8 hex digits of the SHA-1 of the text, like :mod:`rca.templates`), and the id -> template map
is kept in ``frame.attrs["templates"]``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd

from rca.errors import InputError


def template_key(template: str) -> str:
    """Stable short id of a template text (8 hex digits of its SHA-1).

    >>> template_key("Receiving block <*>")
    '81c506e2'
    """
    return hashlib.sha1(template.encode("utf-8")).hexdigest()[:8]


def parse_sequence(cell: object, templates: dict[str, str]) -> tuple[str, ...]:
    """Decode one sequence cell (JSON list or space-separated ids) into event keys."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return ()
    text = str(cell).strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"sequence cell is not valid JSON: {exc.msg}") from None
        keys = []
        for item in items:
            key = template_key(str(item))
            templates.setdefault(key, str(item))
            keys.append(key)
        return tuple(keys)
    return tuple(text.replace(",", " ").split())


def read_sessions_csv(
    path: str | Path,
    *,
    id_column: str | None = None,
    sequence_column: str | None = None,
    label_column: str | None = None,
    split_column: str | None = None,
    header: bool = True,
) -> pd.DataFrame:
    """Read a sessions CSV into a sessions frame (``session_id``, ``events``, ``label``, ``split``).

    With ``header=False`` the file is ``id,events`` without a header line (OpenStack shape), or
    one sequence per line with no id (DeepLog's HDFS shape: the id is the line number, from 1).
    A header line there anyway (its sequence cell one word that is no event of the file) is
    skipped and named in ``frame.attrs["header_skipped"]``, so every scored row is a session.
    Column names default to the first column (id) and the last column (sequence).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"sessions file not found: {path}")
    try:
        if header:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        else:
            raw = pd.read_csv(path, dtype=str, header=None, keep_default_na=False)
            if raw.shape[1] == 1:  # sequences only: ids are line numbers
                raw.insert(0, "id", [str(i) for i in range(1, len(raw) + 1)])
            raw.columns = ["id", "events"] + [f"c{i}" for i in range(2, raw.shape[1])]
    except pd.errors.EmptyDataError:
        raise InputError(f"sessions file is empty: {path}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read sessions CSV {path}: {str(exc).splitlines()[0]}") from None
    if raw.empty:
        raise InputError(f"sessions file holds no sessions: {path}")
    id_column = id_column or raw.columns[0]
    sequence_column = sequence_column or raw.columns[-1]
    for col in (id_column, sequence_column, label_column, split_column):
        if col is not None and col not in raw.columns:
            raise InputError(f"{path.name} has no column {col!r} (columns: {', '.join(raw.columns)})")
    skipped = []
    if not header and _looks_like_header(raw[sequence_column]):
        raw, skipped = raw.iloc[1:], [path.name]
    templates: dict[str, str] = {}
    frame = pd.DataFrame(
        {
            "session_id": raw[id_column].astype(str).to_numpy(),
            "events": [parse_sequence(c, templates) for c in raw[sequence_column]],
        }
    )
    if label_column is not None:
        frame["label"] = raw[label_column].to_numpy()
    if split_column is not None:
        frame["split"] = raw[split_column].str.strip().str.lower().to_numpy()
    frame.attrs["templates"] = templates
    frame.attrs["header_skipped"] = skipped
    return frame


def _looks_like_header(sequences: pd.Series) -> bool:
    """First cell one word (``events``, ``EventSequence``) that no later sequence contains."""
    first = str(sequences.iloc[0]).strip()
    if len(sequences) < 2 or not re.fullmatch(r"[A-Za-z_][A-Za-z_]*", first):
        return False
    return not sequences.iloc[1:].str.contains(rf"\b{re.escape(first)}\b", regex=True).any()

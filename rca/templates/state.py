"""Plain-JSON state files, written atomically (never pickle).

>>> import tempfile, pathlib
>>> p = write_json_atomic(pathlib.Path(tempfile.mkdtemp()) / "s.json", {"a": 1})
>>> read_json(p)
{'a': 1}
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from rca.errors import InputError, ModelError


def write_json_atomic(path: str | os.PathLike, data: Any) -> Path:
    """Write ``data`` as JSON to a temporary file beside ``path``, fsync it, then rename it
    over ``path`` (``os.replace``): readers see the old file or the new one, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_json(path: str | os.PathLike, what: str = "state") -> Any:
    """Read a JSON file; a missing file is an :class:`InputError`, bad JSON a
    :class:`ModelError`, both with a one-line message naming the file."""
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ModelError(f"{what} {path} is not valid JSON: not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(f"{what} {path} is not valid JSON: {exc.msg}") from None

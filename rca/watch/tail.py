"""Following a growing log file: rotation (the path now names another file), truncation (the
file shrank), partial last lines, and offsets saved in a JSON file so a restart resumes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rca.errors import InputError
from rca.paths import atomic_output


class Offsets:
    """Saved read positions, one per path: ``{path: {"dev", "ino", "offset"}}`` (atomic JSON)."""

    def __init__(self, path: Path | None):
        self.path = Path(path) if path else None
        self.data: dict[str, dict] = {}
        if self.path is not None and self.path.exists():
            try:
                self.data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):  # never silently replace a file we did not write
                raise InputError(f"watch state {self.path} is not a JSON offsets file; "
                                 "remove it or choose another --state") from None
            if not isinstance(self.data, dict):
                raise InputError(f"watch state {self.path} is not a JSON offsets file")

    def get(self, key: str) -> dict | None:
        return self.data.get(key)

    def set(self, key: str, value: dict) -> None:
        self.data[key] = value

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(self.path, mode=0o600) as tmp:  # offsets reveal file names: private
            tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True), encoding="utf-8")


class FileTail:
    """New complete lines of one file since the last :meth:`commit`.

    ``read()`` returns up to ``max_lines`` lines; the position advances only when ``commit()``
    is called (after the lines were delivered), so nothing is skipped if delivery fails.
    A line longer than ``max_line_bytes`` is cut there and the rest of it dropped.
    """

    def __init__(self, path: str | os.PathLike, offsets: Offsets, *,
                 max_line_bytes: int = 64 * 1024, start_at_end: bool = False):
        self.path = Path(path)
        self.key = str(self.path.resolve())
        self.offsets = offsets
        self.max_line = max_line_bytes
        saved = offsets.get(self.key)
        self.dev = saved.get("dev") if saved else None
        self.ino = saved.get("ino") if saved else None
        self.pos = int(saved.get("offset", 0)) if saved else None
        self.start_at_end = start_at_end
        self._pending: tuple[int, int, int] | None = None  # (dev, ino, pos) after read()
        self._old: tuple[int, int, int] | None = None  # rotated-away file still to finish

    def _stat(self) -> os.stat_result | None:
        try:
            return os.stat(self.path)
        except FileNotFoundError:
            return None

    def read(self, max_lines: int = 5000) -> list[str]:
        st = self._stat()
        if st is None:
            return []
        if self.pos is None:  # first time we see this file
            self.dev, self.ino = st.st_dev, st.st_ino
            self.pos = st.st_size if self.start_at_end else 0
        if (st.st_dev, st.st_ino) != (self.dev, self.ino):
            # rotated: finish the old file if it is still reachable by inode, then start anew
            lines = self._finish_rotated(max_lines)
            if lines:
                return lines
            self.dev, self.ino, self.pos = st.st_dev, st.st_ino, 0
        elif st.st_size < self.pos:  # truncated in place
            self.pos = 0
        return self._read_from(self.path, self.pos, max_lines, (st.st_dev, st.st_ino))

    def _finish_rotated(self, max_lines: int) -> list[str]:
        for cand in sorted(self.path.parent.glob(self.path.name + "*")):
            try:
                st = os.stat(cand)
            except FileNotFoundError:
                continue
            if (st.st_dev, st.st_ino) == (self.dev, self.ino) and st.st_size > self.pos:
                return self._read_from(cand, self.pos, max_lines, (st.st_dev, st.st_ino))
        return []

    def _read_from(self, path: Path, pos: int, max_lines: int, ident) -> list[str]:
        lines: list[str] = []
        with open(path, "rb") as fh:
            fh.seek(pos)
            while len(lines) < max_lines:
                raw = fh.readline(self.max_line + 1)
                if not raw:
                    break
                if not raw.endswith(b"\n"):
                    if len(raw) > self.max_line:  # overlong: keep the head, skip to its end
                        rest = fh.readline()
                        while rest and not rest.endswith(b"\n"):
                            rest = fh.readline()
                        if not rest:
                            break  # the line is not finished yet; retry later
                        lines.append(raw[: self.max_line].decode("utf-8", "replace"))
                        pos = fh.tell()
                        continue
                    break  # partial last line: wait until it is complete
                pos = fh.tell()
                text = raw.rstrip(b"\r\n").decode("utf-8", "replace")
                if text.strip():
                    lines.append(text)
        self._pending = (ident[0], ident[1], pos)
        return lines

    def commit(self) -> None:
        """Mark what the last ``read()`` returned as delivered (saved by ``Offsets.save``)."""
        if self._pending is None:
            return
        self.dev, self.ino, self.pos = self._pending
        self._pending = None
        self.offsets.set(self.key, {"dev": self.dev, "ino": self.ino, "offset": self.pos})

"""Cut the input into partitions: whole files, and byte ranges of large plain files.

A range ``[start, end)`` is nominal: the worker that reads it moves both ends forward to the
next line that surely *starts* a record (not indented, parsed by the file's line format), so
a stack trace is never cut from the record above it and neighbouring ranges agree on their
common boundary without talking to each other. Compressed files cannot be entered in the
middle and are always read whole.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.log"
>>> _ = p.write_bytes(b"x" * 250)
>>> [(q.start, q.end) for q in plan_partitions([p], partition_bytes=100)]
[(0, 100), (100, 200), (200, None)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rca.errors import ConfigError
from rca.ingest.multiline import is_continuation
from rca.ingest.sniff import SNIFF_LINES, make_parser, sniff
from rca.ingest.source import expand_paths
from rca.ingest.timestamps import TimeParser

#: Default nominal size of one partition of a large plain file.
PARTITION_BYTES = 16 << 20  # ~100k lines: even load on the workers, a short tail
_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")  # gzip, bzip2, xz, zstd
_MAX_LINE = 1 << 20
_MAX_SCAN = 8 << 20  # give up looking for a record start after this many bytes


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]i?B?|B)?\s*$", re.IGNORECASE)


def parse_size(text: str | int) -> int:
    """Bytes from ``"32MB"``, ``"512K"``, ``"1GiB"`` or a plain number (powers of 1024).

    >>> parse_size("32MB"), parse_size("64k"), parse_size(4096)
    (33554432, 65536, 4096)
    """
    if isinstance(text, int):
        value = text
    else:
        m = _SIZE.match(str(text))
        if not m:
            raise ConfigError(f"size {text!r} is not like 32MB, 512KB or 1GB")
        unit = (m.group(2) or "B")[0].upper()
        value = int(float(m.group(1)) * {"B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[unit])
    if value < 1024:
        raise ConfigError(f"partition size must be at least 1KB, not {text!r}")
    return value


@dataclass(frozen=True)
class Partition:
    """Partition ``index`` of the job: ``path`` from byte ``start`` to ``end`` (None: to the
    end of the file); ``part`` counts the partitions of one file from 0."""

    index: int
    path: str
    start: int = 0
    end: int | None = None
    part: int = 0


def is_compressed(path: Path) -> bool:
    """True for gzip, bzip2, xz and zstd files (by their magic bytes)."""
    with open(path, "rb") as fh:
        head = fh.read(6)
    return any(head.startswith(m) for m in _MAGIC)


def plan_partitions(paths, partition_bytes: int = PARTITION_BYTES) -> list[Partition]:
    """Partitions of ``paths`` (files or folders, expanded as :func:`rca.ingest.read_records`
    does), in reading order."""
    out: list[Partition] = []
    for path in expand_paths(paths):
        size = path.stat().st_size
        if size <= partition_bytes or is_compressed(path):
            out.append(Partition(len(out), str(path)))
            continue
        starts = list(range(0, size, partition_bytes))
        for k, start in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else None
            out.append(Partition(len(out), str(path), start, end, k))
    return out


def read_head(path: str | Path) -> tuple[bytes, int]:
    """The file's first lines up to :data:`~rca.ingest.sniff.SNIFF_LINES` non-empty ones (the
    lines the reader sniffs the format from), newline-terminated, and how many lines that is."""
    chunks, n, seen = [], 0, 0
    with open(path, "rb") as fh:
        while seen < SNIFF_LINES:
            raw = fh.readline(_MAX_LINE)
            if not raw:
                break
            n += 1
            chunks.append(raw)
            seen += bool(raw.strip())
    head = b"".join(chunks)
    return (head if head.endswith(b"\n") or not head else head + b"\n"), n


def line_parser(head: bytes, log_format: str | None, times: TimeParser):
    """The parser the reader would use for the file whose head is ``head`` (None: raw)."""
    if log_format not in (None, "", "auto"):
        return make_parser(log_format, times)
    lines = head.decode("utf-8", "replace").splitlines()
    name = sniff(lines, times)
    return None if name == "raw" else make_parser(name, times)


def _starts_record(raw: bytes, parser) -> bool:
    text = raw.decode("utf-8", "replace").rstrip("\r\n")
    if not text.strip() or text[0] in " \t":
        return False
    if parser is None:
        return not is_continuation(text, False)
    return parser.parse(text) is not None


def align(fh, offset: int, size: int, parser) -> int:
    """The first record start at or after ``offset`` in the open binary file ``fh``."""
    if offset <= 0:
        return 0
    if offset >= size:
        return size
    fh.seek(offset - 1)
    fh.readline(_MAX_SCAN)  # the rest of the line holding byte offset-1
    first = pos = fh.tell()
    while pos < size and pos - first < _MAX_SCAN:
        raw = fh.readline(_MAX_LINE)
        if not raw or _starts_record(raw, parser):
            return pos
        pos = fh.tell()
    return min(pos, size)

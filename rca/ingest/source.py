"""Files to lines: folders expanded, gzip/bz2/xz opened transparently (by magic bytes),
bytes decoded as UTF-8 with undecodable bytes (and NUL bytes) replaced by U+FFFD and counted,
over-long lines cut (and the rest skipped without being held in memory). Only regular files are
read: a character device (``/dev/zero``), a FIFO or a socket is refused, never read forever."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from rca.errors import InputError

#: Extensions skipped when a folder is expanded (explicitly named files are always read).
SKIP_IN_FOLDERS = frozenset({".csv", ".tsv", ".yaml", ".yml", ".json", ".md", ".png", ".jpg",
                             ".jpeg", ".gif", ".svg", ".html", ".zip", ".tar", ".parquet",
                             ".pkl", ".pdf", ".py", ".ipynb"})
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst")
_LOG_EXT = (".log", ".txt", ".jsonl", ".ndjson", ".json", ".out", ".err", ".logs")
_ROTATION = re.compile(r"\.\d+$")


def check_regular_file(path: Path) -> Path:
    """``path`` if it is an existing regular file (symlinks followed), else an
    :class:`InputError` naming what it is (a device, a FIFO, a folder...)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        kind = ("a character device" if stat.S_ISCHR(mode) else "a block device"
                if stat.S_ISBLK(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a socket"
                if stat.S_ISSOCK(mode) else "a folder" if stat.S_ISDIR(mode) else "not a file")
        raise InputError(f"{path}: {kind}, not a regular file; refusing to read it")
    return path


def expand_paths(paths) -> list[Path]:
    """The files to read, in order: each folder replaced by its files (recursive, sorted,
    hidden ones and :data:`SKIP_IN_FOLDERS` skipped). Raises :class:`InputError` naming a
    missing or unreadable path."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and p.suffix.lower() not in SKIP_IN_FOLDERS)
            if not files:
                raise InputError(f"{path}: folder holds no log files")
            out.extend(files)
        else:
            check_regular_file(path)
            if not os.access(path, os.R_OK):
                raise InputError(f"{path}: permission denied")
            out.append(path)
    if not out:
        raise InputError("no input files given")
    return out


def service_from_path(path: Path) -> str:
    """``orders.log`` -> ``orders``; ``orders.log.gz`` and ``orders.log.1`` too.

    >>> service_from_path(Path("/var/log/orders.log.1.gz"))
    'orders'
    """
    name = path.name
    lower = name.lower()
    for suffix in _COMPRESSED:
        if lower.endswith(suffix):
            name, lower = name[: -len(suffix)], lower[: -len(suffix)]
    name = _ROTATION.sub("", name)
    lower = name.lower()
    for ext in _LOG_EXT:
        if lower.endswith(ext) and len(name) > len(ext):
            return name[: -len(ext)]
    return name


def open_binary(path: Path) -> BinaryIO:
    """Open for reading bytes, decompressing gzip, bz2 or xz (detected by magic bytes)."""
    try:
        f = open(path, "rb")
        head = f.peek(6)[:6] if hasattr(f, "peek") else b""
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=f, mode="rb")  # type: ignore[return-value]
    if head[:3] == b"BZh":
        return bz2.BZ2File(f)  # type: ignore[return-value]
    if head[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(f)  # type: ignore[return-value]
    return f


def iter_lines(path: Path, stats, max_bytes: int) -> Iterator[tuple[int, str, bool, bool]]:
    """Yield ``(line_number, text, decode_error, truncated)`` for each line of ``path``.

    ``text`` has no line ending; ``stats`` (a :class:`~rca.ingest.reader.ReadStats`) gets
    ``lines``, ``decode_errors`` (replaced byte sequences) and ``bytes``.
    """
    f = open_binary(path)
    readline = f.readline
    n = nbytes = 0
    try:
        while True:
            try:
                raw = readline(max_bytes)
            except (OSError, EOFError, lzma.LZMAError) as exc:
                raise InputError(f"{path}: cannot read line {n + 1} ({exc})") from exc
            if not raw:
                break
            n += 1
            nbytes += len(raw)
            if not n & 1023:
                stats.bytes += nbytes
                nbytes = 0
            truncated = False
            if len(raw) >= max_bytes and raw[-1:] != b"\n":
                truncated = True
                while True:  # skip the rest of the line, chunk by chunk
                    more = readline(max_bytes)
                    stats.bytes += len(more)
                    if not more or more[-1:] == b"\n":
                        break
            bad = False
            if b"\x00" in raw:  # NUL bytes never reach a record (nor a CSV written from it)
                stats.decode_errors += raw.count(b"\x00")
                raw = raw.replace(b"\x00", b"\xef\xbf\xbd")
                bad = True
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("utf-8", "replace")
                if truncated:
                    text = text.rstrip("\ufffd")
                errors = text.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
                if errors > 0:
                    stats.decode_errors += errors
                    bad = True
            if n == 1 and text.startswith("\ufeff"):
                text = text[1:]
            yield n, text.rstrip("\r\n"), bad, truncated
    finally:
        stats.lines += n
        stats.bytes += nbytes
        f.close()


def first_lines(lines: Iterable[tuple[int, str, bool, bool]], n: int):
    """Pull up to ``n`` non-empty lines (and the empty ones among them) for sniffing."""
    head = []
    seen = 0
    for item in lines:
        head.append(item)
        if item[1].strip():
            seen += 1
            if seen >= n:
                break
    return head

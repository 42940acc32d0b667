"""Where rca keeps its files. Nothing is read implicitly from the current directory."""

from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Optional


def data_dir() -> Path:
    """The user's rca data directory: ``$RCA_HOME``, else ``$XDG_DATA_HOME/rca``,
    else ``~/.local/share/rca``. Not created here; writers create it."""
    if os.environ.get("RCA_HOME"):
        return Path(os.environ["RCA_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser() / "rca"


def bench_data_dir() -> Path:
    """Real benchmark data: ``$RCA_BENCH_DATA``, default ``../shared/data`` from the repo root."""
    env = os.environ.get("RCA_BENCH_DATA")
    if env:
        return Path(env).expanduser()
    beside_repo = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    if beside_repo.is_dir():
        return beside_repo
    return Path.cwd().parent / "shared" / "data"


def create_private(path) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists (state files and databases that
    can hold log messages are private from the start, whatever the umask)."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    return path


# --- outputs: never overwrite an input, never replace a file of another kind, write atomically --

#: What an existing file must look like to be replaced without ``force``, per output kind.
_SQLITE_MAGIC = b"SQLite format 3\x00"
_KIND_SUFFIXES = {"csv": (".csv", ".tsv"), "html": (".html", ".htm")}


def _is_kind(path: Path, kind: str) -> bool:
    """Whether the existing file ``path`` looks like an output of ``kind`` (so it may be
    replaced): csv/html by suffix, json by parsing, sqlite by its header, folder when empty."""
    if kind == "folder":
        return path.is_dir() and not any(path.iterdir())
    if not path.is_file():
        return False
    if kind in _KIND_SUFFIXES:
        return path.suffix.lower() in _KIND_SUFFIXES[kind]
    if kind == "sqlite":
        with open(path, "rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
        return head in (b"", _SQLITE_MAGIC)
    if kind == "json":
        import json

        try:
            json.loads(path.read_bytes().decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return False
        return True
    raise ValueError(f"unknown output kind {kind!r}")


def _same_or_inside(out: Path, source: Path) -> bool:
    try:
        if os.path.samefile(out, source):
            return True
    except OSError:
        return False
    return source.is_dir() and out.resolve().is_relative_to(source.resolve())


def check_output(path, inputs=(), kind: str = "csv", force: bool = False,
                 option: str = "--out") -> Path:
    """Check an output path before anything is written; return it as a ``Path``.

    Refuses (:class:`~rca.errors.InputError`, one line) a path that is one of ``inputs`` (the
    same file by ``os.path.samefile``, or an existing file inside an input folder), a folder
    where a file is expected, and an existing file that does not look like ``kind`` (see
    :func:`_is_kind`) unless ``force``. ``kind="folder"``: an existing non-empty folder is
    refused unless ``force``. State kinds (``json``, ``sqlite``) are read before they are
    written, so a file of another kind is refused even with ``force``.
    """
    from rca.errors import InputError

    out = Path(path)
    if out.exists():
        for source in inputs:
            if source is not None and _same_or_inside(out, Path(source)):
                raise InputError(f"{option} {out} is also an input ({source}); refusing to "
                                 "overwrite it: choose another path")
        if kind != "folder" and out.is_dir():
            raise InputError(f"{option} {out} is a folder, not a file")
        if kind == "folder" and not out.is_dir():
            raise InputError(f"{option} {out} exists and is not a folder")
        if not (force and kind in ("csv", "html", "folder")) and not _is_kind(out, kind):
            what = {"folder": "a non-empty folder", "json": "not a JSON file",
                    "sqlite": "not an SQLite database", "csv": "not a .csv/.tsv file",
                    "html": "not an .html file"}[kind]
            hint = ("use --force to replace it" if kind in ("csv", "html", "folder")
                    else "remove it or choose another path")
            raise InputError(f"{option} {out} exists and is {what}; refusing to replace "
                             f"it ({hint})")
    return out


@contextmanager
def atomic_output(path, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends without an error, rename it
    over ``path`` (readers see the old file or the new one, never half of it), else delete it.
    ``mode``: the file's permissions (default: 0666 minus the umask, like ``open``)."""
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix,
                                dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def outputs(specs: Iterable[tuple[Optional[Path], str, str]], inputs: Iterable = (),
            force: bool = False) -> Iterator[list[Optional[Path]]]:
    """Check every output ``(path, kind, option)`` with :func:`check_output` before
    any work, then yield temporary paths to write to: each is renamed over its output when the
    block succeeds, deleted when it fails. A ``None`` path stays ``None``."""
    specs, inputs = list(specs), [i for i in inputs if i is not None]
    for path, kind, option in specs:
        if path is not None:
            check_output(path, inputs, kind=kind, force=force, option=option)
    with ExitStack() as stack:
        yield [None if path is None else stack.enter_context(atomic_output(path))
               for path, _, _ in specs]

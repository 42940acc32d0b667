"""Helpers shared by the CLI command modules: exit codes, error handling, consoles."""

from __future__ import annotations

import functools
import sys
from contextlib import ExitStack, contextmanager
from enum import IntEnum
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, TypeVar

import typer
from rich.console import Console

from rca.errors import RcaError
from rca.paths import atomic_output, check_output

F = TypeVar("F", bound=Callable)


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    INPUT = 2
    CONFIG = 3
    MODEL = 4
    INTERRUPTED = 130


err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


def fail(message: str, code: int = ExitCode.ERROR) -> None:
    """Print ``rca: error: message`` on stderr and leave with ``code`` (no traceback)."""
    err_console.print(f"[bold red]rca: error:[/] {message}", markup=True, soft_wrap=True)
    raise typer.Exit(int(code))


def handle_errors(func: F) -> F:
    """Turn :class:`RcaError` (and Ctrl-C) into a one-line message and an exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except RcaError as exc:
            fail(str(exc), exc.exit_code)
        except OSError as exc:  # an output path that cannot be written, a full disk...
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            fail(f"{where}{exc.strerror or exc}", ExitCode.INPUT)
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED))

    return wrapper  # type: ignore[return-value]


def show_progress() -> bool:
    """Progress bars only on an interactive terminal."""
    return sys.stderr.isatty()


#: The ``--force`` option of every command that writes files.
FORCE_HELP = "Replace an existing output file of another kind (never one of the inputs)."


@contextmanager
def outputs(specs: Iterable[tuple[Optional[Path], str, str]], inputs: Iterable = (),
            force: bool = False) -> Iterator[list[Optional[Path]]]:
    """Check every output ``(path, kind, option)`` with :func:`rca.paths.check_output` before
    any work, then yield temporary paths to write to: each is renamed over its output when the
    block succeeds, deleted when it fails. A ``None`` path stays ``None``."""
    specs, inputs = list(specs), [i for i in inputs if i is not None]
    for path, kind, option in specs:
        if path is not None:
            check_output(path, inputs, kind=kind, force=force, option=option)
    with ExitStack() as stack:
        yield [None if path is None else stack.enter_context(atomic_output(path))
               for path, _, _ in specs]

"""Helpers shared by the CLI command modules: exit codes, error handling, consoles."""

from __future__ import annotations

import functools
import sys
from enum import IntEnum
from typing import Callable, TypeVar

import typer
from rich.console import Console

from rca.errors import RcaError
from rca.paths import outputs  # noqa: F401 - the output helper every command uses

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

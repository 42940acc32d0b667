"""Entry point of the ``rca`` console script."""

from __future__ import annotations

import typer

from rca import __version__
from rca.cli import (
    analyze_cmd,
    fixes_cmd,
    forecast_cmd,
    parse_cmd,
    score_cmd,
    serve_cmd,
    simulate_cmd,
    train_cmd,
)

app = typer.Typer(
    name="rca",
    help=(
        "Failure prediction and root-cause analysis from the logs and metrics your monitors "
        "already write.\n\nStart with `rca analyze LOGS...` on an incident, or `rca parse LOG` "
        "to see the error signatures (templates) in a file."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rca {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """rca command line."""


for _module in (parse_cmd, train_cmd, score_cmd, forecast_cmd, analyze_cmd, fixes_cmd, simulate_cmd, serve_cmd):
    _module.register(app)


def _click_error_types() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(usage errors, aborts): from click and, on typer >= 0.24, from typer's vendored click."""
    types: list[type] = []
    aborts: list[type] = [typer.Abort]
    try:
        import click

        types.append(click.exceptions.ClickException)
        aborts.append(click.exceptions.Abort)
    except ImportError:  # pragma: no cover - typer without click
        pass
    try:
        from typer._click import exceptions as vendored  # type: ignore[import-not-found]

        types.append(vendored.ClickException)
    except ImportError:
        pass
    return tuple(types), tuple(aborts)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return the exit code (never calls ``sys.exit``)."""
    try:
        rv = app(args=argv, prog_name="rca", standalone_mode=False)
        if isinstance(rv, int):  # click returns typer.Exit codes when not standalone
            return rv
    except typer.Exit as exc:  # raised by commands
        return int(exc.exit_code)
    except SystemExit as exc:  # a command that called sys.exit
        return int(exc.code or 0)
    except Exception as exc:  # not standalone: click raises usage errors and aborts to us
        usage_errors, aborts = _click_error_types()
        if isinstance(exc, usage_errors):
            exc.show()  # type: ignore[attr-defined]
            return int(exc.exit_code)  # type: ignore[attr-defined]
        if isinstance(exc, aborts):
            return 130
        raise
    return 0


def run() -> None:
    """Console-script entry point: the only place that calls ``sys.exit``."""
    import sys

    sys.exit(main())

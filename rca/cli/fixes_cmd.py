"""`rca fixes list|show|match` and `rca feedback`. Registered by :func:`register`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from rca.cli._common import handle_errors, out_console

_FIXES_DIR_HELP = ("Extra folder of remediation entries (*.yaml); repeatable. Entries with the "
                   "same id replace the shipped ones. Also read from $RCA_FIXES_PATH.")
_DIRS = typer.Option(None, "--fixes-dir", help=_FIXES_DIR_HELP)


def register(app: typer.Typer) -> None:
    """Add ``rca fixes list``, ``rca fixes show``, ``rca fixes match`` and ``rca feedback``."""
    fixes = typer.Typer(help="The remediation library: list entries, show one, test a line.",
                        no_args_is_help=True)
    app.add_typer(fixes, name="fixes")
    fixes.command("list")(list_cmd)
    fixes.command("show")(show_cmd)
    fixes.command("match")(match_cmd)
    app.command("feedback")(feedback_cmd)


def _json(data) -> None:
    out_console.file.write(json.dumps(data, indent=2) + "\n")


@handle_errors
def list_cmd(
    fixes_dir: Optional[List[Path]] = _DIRS,
    as_json: bool = typer.Option(False, "--json", help="Print the entries as JSON."),
) -> None:
    """List the remediation entries (id, title, what they match)."""
    from rca import api
    from rca.report.fixes import render_fix_list

    entries = api.list_fixes(fixes_dir or ())
    if as_json:
        return _json([e.to_dict() for e in entries])
    render_fix_list(entries, out_console)


@handle_errors
def show_cmd(
    fix_id: str = typer.Argument(..., help="Entry id, e.g. disk-full."),
    fixes_dir: Optional[List[Path]] = _DIRS,
    as_json: bool = typer.Option(False, "--json", help="Print the entry as JSON."),
) -> None:
    """Show one remediation entry in full."""
    from rca import api
    from rca.report.fixes import render_fix

    entry = api.get_fix(fix_id, fixes_dir or ())
    if as_json:
        return _json(entry.to_dict())
    render_fix(entry, out_console)


@handle_errors
def match_cmd(
    texts: List[str] = typer.Argument(..., help="Log lines or templates, most important first."),
    service: Optional[str] = typer.Option(None, "--service", help="Service that logged them."),
    fixes_dir: Optional[List[Path]] = _DIRS,
    as_json: bool = typer.Option(False, "--json", help="Print the suggestions as JSON."),
) -> None:
    """Show which entries a line matches, with their filled-in steps (to test entries)."""
    from dataclasses import asdict

    from rca import api
    from rca.report.fixes import render_suggestions

    suggestions = api.suggest_fixes([(service, t) for t in texts], fixes_dirs=fixes_dir or (),
                                    feedback=False)
    if as_json:
        return _json([asdict(s) for s in suggestions])
    render_suggestions(suggestions, out_console)


@handle_errors
def feedback_cmd(
    incident_id: str = typer.Argument(..., help="Incident id shown by `rca analyze`."),
    fix: str = typer.Option(..., "--fix", help="Id of the fix that resolved it."),
    signature: Optional[str] = typer.Option(
        None, "--signature", help="Error text of the incident (needed when `rca analyze` "
        "did not see it)."),
    fixes_dir: Optional[List[Path]] = _DIRS,
) -> None:
    """Record what fixed an incident; similar incidents will get it suggested."""
    from rca import api

    info = api.record_feedback(incident_id, fix, signature=signature, fixes_dirs=fixes_dir or ())
    out_console.print(f"recorded: incident {info['id']} resolved by {fix} "
                      f"({len(info.get('signatures', []))} signature(s) on file)", markup=False)
    if not info["in_library"]:
        out_console.print(f"note: {fix!r} is not a library id; it will be suggested by name",
                          markup=False)

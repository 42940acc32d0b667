"""`rca fixes list|show|match` and `rca feedback`. Registered by :func:`register`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from rca.cli._common import handle_errors, out_console

_FIXES_DIR_HELP = ("Extra folder of remediation entries (*.yaml); repeatable. Entries with the "
                   "same id replace the shipped ones. Also read from $RCA_FIXES_PATH.")


def register(app: typer.Typer) -> None:
    """Add ``rca fixes list``, ``rca fixes show`` and ``rca feedback`` to the app."""
    fixes = typer.Typer(help="The remediation library: list entries, show one, test a line.",
                        no_args_is_help=True)
    app.add_typer(fixes, name="fixes")

    @fixes.command("list")
    @handle_errors
    def list_cmd(
        fixes_dir: Optional[List[Path]] = typer.Option(None, "--fixes-dir", help=_FIXES_DIR_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the entries as JSON."),
    ) -> None:
        """List the remediation entries (id, title, what they match)."""
        from rich.table import Table

        from rca import api

        entries = api.list_fixes(fixes_dir or ())
        if as_json:
            out_console.file.write(json.dumps([e.to_dict() for e in entries], indent=2) + "\n")
            return
        table = Table(title=f"{len(entries)} remediation entries", show_lines=False)
        for col in ("id", "title", "signature", "from"):
            table.add_column(col, overflow="fold")
        for e in entries:
            parts = [f"{len(e.patterns)} patterns"] if e.patterns else []
            parts += [", ".join(e.errno)] if e.errno else []
            parts += [", ".join(e.metrics)] if e.metrics else []
            origin = "shipped" if "/rca/fixes/library/" in e.origin.replace("\\", "/") else e.origin
            table.add_row(e.id, e.title, "; ".join(parts), origin)
        out_console.print(table)

    @fixes.command("show")
    @handle_errors
    def show_cmd(
        fix_id: str = typer.Argument(..., help="Entry id, e.g. disk-full."),
        fixes_dir: Optional[List[Path]] = typer.Option(None, "--fixes-dir", help=_FIXES_DIR_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the entry as JSON."),
    ) -> None:
        """Show one remediation entry in full."""
        from rca import api

        entry = api.get_fix(fix_id, fixes_dir or ())
        data = entry.to_dict()
        if as_json:
            out_console.file.write(json.dumps(data, indent=2) + "\n")
            return
        out = out_console
        out.print(f"[bold]{entry.id}[/]: {entry.title}")
        if entry.summary:
            out.print(entry.summary, soft_wrap=True)
        sig = data["signature"]
        for key in ("patterns", "exceptions", "errno", "levels", "metrics"):
            if sig[key]:
                out.print(f"\n[bold]{key}[/]")
                for value in sig[key]:
                    out.print(f"  {value}", markup=False, soft_wrap=True)
        if entry.params:
            out.print("\n[bold]parameters[/] (defaults)")
            for key, value in entry.params.items():
                out.print(f"  {key}: {value}", markup=False)
        out.print("\n[bold]steps[/]")
        for i, step in enumerate(entry.steps, 1):
            out.print(f"  {i}. {step}", markup=False, soft_wrap=True)
        for title, items in (("commands", entry.commands), ("docs", entry.docs)):
            if items:
                out.print(f"\n[bold]{title}[/]")
                for item in items:
                    out.print(f"  {item}", markup=False, soft_wrap=True)
        out.print(f"\nfrom {entry.origin}", markup=False, soft_wrap=True)

    @fixes.command("match")
    @handle_errors
    def match_cmd(
        texts: List[str] = typer.Argument(..., help="Log lines or templates, most important first."),
        service: Optional[str] = typer.Option(None, "--service", help="Service that logged them."),
        fixes_dir: Optional[List[Path]] = typer.Option(None, "--fixes-dir", help=_FIXES_DIR_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the suggestions as JSON."),
    ) -> None:
        """Show which entries a line matches, with their filled-in steps (to test entries)."""
        from dataclasses import asdict

        from rca import api

        suggestions = api.suggest_fixes([(service, t) for t in texts], fixes_dirs=fixes_dir or (),
                                        feedback=False)
        if as_json:
            out_console.file.write(json.dumps([asdict(s) for s in suggestions], indent=2) + "\n")
            return
        if not suggestions:
            out_console.print("no entry matches", markup=False)
        for s in suggestions:
            out_console.print(f"[bold]{s.id}[/] ({s.confidence:.2f}) {s.title}")
            out_console.print(f"  matched: {s.matched}", markup=False, soft_wrap=True)
            for step in s.steps:
                out_console.print(f"  - {step}", markup=False, soft_wrap=True)
            for cmd in s.commands:
                out_console.print(f"  $ {cmd}", markup=False, soft_wrap=True)

    @app.command("feedback")
    @handle_errors
    def feedback_cmd(
        incident_id: str = typer.Argument(..., help="Incident id shown by `rca analyze`."),
        fix: str = typer.Option(..., "--fix", help="Id of the fix that resolved it."),
        signature: Optional[str] = typer.Option(
            None, "--signature", help="Error text of the incident (needed when `rca analyze` "
            "did not see it)."),
        fixes_dir: Optional[List[Path]] = typer.Option(None, "--fixes-dir", help=_FIXES_DIR_HELP),
    ) -> None:
        """Record what fixed an incident; similar incidents will get it suggested."""
        from rca import api

        info = api.record_feedback(incident_id, fix, signature=signature,
                                   fixes_dirs=fixes_dir or ())
        out_console.print(f"recorded: incident {info['id']} resolved by {fix} "
                          f"({len(info.get('signatures', []))} signature(s) on file)", markup=False)
        if not info["in_library"]:
            out_console.print(f"note: {fix!r} is not a library id; it will be suggested by name",
                              markup=False)

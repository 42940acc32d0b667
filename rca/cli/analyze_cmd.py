"""`rca analyze` command(s). Registered by :func:`register`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from rca.cli._common import FORCE_HELP, err_console, handle_errors, out_console, outputs


def register(app: typer.Typer) -> None:
    """Add ``rca analyze`` to the app."""

    @app.command("analyze")
    @handle_errors
    def analyze(
        inputs: Optional[List[Path]] = typer.Argument(
            None, help="Log files or folders (read whole), any supported format."),
        metrics: Optional[List[Path]] = typer.Option(
            None, "--metrics", "-m",
            help="Metrics CSV: wide (`time` + `<service>_<metric>` columns) or long form."),
        deps: Optional[Path] = typer.Option(
            None, "--deps", help="Dependency graph (YAML/JSON list of {caller, callee})."),
        fault_time: Optional[str] = typer.Option(
            None, "--fault-time", help="When the fault began (epoch s or ISO 8601); "
            "detected when omitted."),
        as_json: bool = typer.Option(False, "--json", help="Print the analysis as JSON."),
        html: Optional[Path] = typer.Option(
            None, "--html", help="Also write a self-contained HTML report to this file."),
        force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    ) -> None:
        """Rank the root causes of an incident from its logs and/or metrics, with evidence
        and suggested fixes."""
        from rca import api

        with outputs([(html, "html", "--html")], [*(inputs or []), *(metrics or []), deps],
                     force) as (html_tmp,):
            result = api.analyze(inputs or [], metrics or [], deps=deps, fault_time=fault_time)
            if html_tmp is not None:
                html_tmp.write_text(api.analysis_to_html(result), encoding="utf-8")
        if html is not None:
            err_console.print(f"report written to {html}")
        if as_json:
            out_console.file.write(json.dumps(api.analysis_to_dict(result), indent=2) + "\n")
        else:
            from rca.report.terminal import render_terminal

            render_terminal(result, out_console)

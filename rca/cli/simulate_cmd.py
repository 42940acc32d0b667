"""`rca simulate`. Registered by :func:`register`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rca.cli._common import FORCE_HELP, ExitCode, fail, handle_errors, out_console
from rca.paths import check_output


def register(app: typer.Typer) -> None:
    """Add ``rca simulate`` to the app."""

    @app.command("simulate")
    @handle_errors
    def simulate_cmd(
        scenario: Optional[str] = typer.Option(
            None, "--scenario", "-s", help="Fault kind to inject (see --list)."),
        out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder to write into."),
        seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same files)."),
        services: int = typer.Option(6, "--services", min=3, max=12, help="Number of services."),
        lines: int = typer.Option(400, "--lines", min=20, max=100_000, help="Log records per service (about)."),
        duration: int = typer.Option(1200, "--duration", min=120, max=7 * 86400, help="Seconds simulated."),
        noise: float = typer.Option(1.0, "--noise", min=0.0, max=10.0, help="Noise level (0 = none)."),
        step: int = typer.Option(5, "--step", min=1, max=3600, help="Metric interval in seconds."),
        vary: bool = typer.Option(False, "--vary", help="Vary what is emitted: other service "
                                  "names, ECS/OTel JSON with error fields, deploys, GC storms "
                                  "and cron failures in unrelated services."),
        list_: bool = typer.Option(False, "--list", help="List the scenarios and exit."),
        force: bool = typer.Option(False, "--force", help="Write into a non-empty folder."),
    ) -> None:
        """Write a simulated multi-service incident: logs/<service>.log (mixed formats),
        metrics.csv, deps.yaml and truth.json (the injected root cause)."""
        from rca import api

        if list_:
            for name, fix_id, description in api.list_scenarios():
                out_console.print(f"{name:<22} fix={fix_id:<22} {description}", markup=False,
                                  soft_wrap=True)
            return
        if not scenario or out is None:
            fail("give --scenario NAME and --out DIR (or --list)", ExitCode.INPUT)
        check_output(out, kind="folder", force=force)
        folder = api.simulate(scenario, out, seed=seed, n_services=services, duration=duration,
                              lines=lines, noise=noise, step=step, vary=vary)
        out_console.print(f"wrote {folder} (logs/, metrics.csv, deps.yaml, truth.json)",
                          markup=False)

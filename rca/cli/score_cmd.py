"""`rca score` command(s). Registered by :func:`register`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rca.cli._common import err_console, handle_errors


def register(app: typer.Typer) -> None:
    """Add ``rca score`` to the app."""

    @app.command("score")
    @handle_errors
    def score(
        metrics: Path = typer.Argument(..., help="Metrics CSV: a time column and one numeric column per series."),
        out: Path = typer.Option(..., "--out", "-o", help="Where to write the scored CSV."),
        time_col: Optional[str] = typer.Option(None, "--time-col", help="Time column (default: 'time' or 'timestamp')."),
        detector: Optional[str] = typer.Option(None, "--detector", help="novelty (default), hst, sad or loda."),
        threshold: Optional[float] = typer.Option(None, "--threshold", help="Alarm threshold on the 0..1 score."),
        state: Optional[Path] = typer.Option(None, "--state", help="Detector state JSON: loaded if present, saved after."),
    ) -> None:
        """Score every row prequentially (score first, then learn); write the input rows with
        `anomaly_score` (0..1) and `alarm` (0/1) appended."""
        from rca import api

        frame, info = api.score_metrics(metrics, time_col=time_col, detector=detector,
                                        threshold=threshold, state=state)
        from rca.ingest.csvio import write_csv

        out.parent.mkdir(parents=True, exist_ok=True)
        write_csv(frame, out)
        err_console.print(
            f"scored {info['rows']} rows, {len(info['series'])} series with {info['detector']} "
            f"(threshold {info['threshold']:g}): {info['alarms']} alarms -> {out}")

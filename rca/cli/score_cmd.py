"""`rca score` command(s). Registered by :func:`register`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rca.cli._common import FORCE_HELP, ExitCode, err_console, fail, handle_errors, outputs
from rca.paths import check_output


def register(app: typer.Typer) -> None:
    """Add ``rca score`` to the app."""

    @app.command("score")
    @handle_errors
    def score(
        metrics: Optional[Path] = typer.Argument(None, help="Metrics CSV: a time column and one numeric column per series (or use --prometheus)."),
        out: Path = typer.Option(..., "--out", "-o", help="Where to write the scored CSV."),
        prometheus: Optional[str] = typer.Option(None, "--prometheus", help="Prometheus server URL to read --query from (instead of METRICS)."),
        query: Optional[str] = typer.Option(None, "--query", help="PromQL, e.g. 'rate(node_cpu_seconds_total[1m])'."),
        since: str = typer.Option("1h", "--since", help="How far back to query (30m, 1h, 1d)."),
        step: str = typer.Option("15s", "--step", help="Resolution of the query (15s, 1m)."),
        header: list[str] = typer.Option([], "--header", help="HTTP header for Prometheus, 'Name: value' (repeat), e.g. 'Authorization: Bearer TOKEN'."),
        ca_file: Optional[Path] = typer.Option(None, "--ca-file", help="CA bundle to verify an https Prometheus."),
        insecure: bool = typer.Option(False, "--insecure", help="Do not verify the Prometheus TLS certificate."),
        time_col: Optional[str] = typer.Option(None, "--time-col", help="Time column (default: 'time' or 'timestamp')."),
        detector: Optional[str] = typer.Option(None, "--detector", help="novelty (default), hst, sad or loda."),
        threshold: Optional[float] = typer.Option(None, "--threshold", help="Alarm threshold on the 0..1 score."),
        state: Optional[Path] = typer.Option(None, "--state", help="Detector state JSON: loaded if present, saved after."),
        force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    ) -> None:
        """Score every row prequentially (score first, then learn); write the input rows with
        `anomaly_score` (0..1) and `alarm` (0/1) appended."""
        from rca import api

        table = None
        if prometheus or query:
            table = _prometheus_table(prometheus, query, since, step, header, ca_file, insecure)
        elif metrics is None:
            fail("give a METRICS file or --prometheus URL --query PROMQL", ExitCode.INPUT)
        from rca.ingest.csvio import write_csv

        if state is not None:
            check_output(state, [m for m in [metrics] if m], kind="json", option="--state")
        with outputs([(out, "csv", "--out")], [metrics, state], force) as (tmp,):
            frame, info = api.score_metrics(metrics, time_col=time_col, detector=detector,
                                            threshold=threshold, state=state, table=table)
            write_csv(frame, tmp)
        err_console.print(
            f"scored {info['rows']} rows, {len(info['series'])} series with {info['detector']} "
            f"(threshold {info['threshold']:g}): {info['alarms']} alarms -> {out}")
        if info["problems"]:
            err_console.print(f"warning: {info['problems']}", markup=False, soft_wrap=True)


def _prometheus_table(url, query, since, step, header, ca_file, insecure):
    """Check the --prometheus options, then fetch the query's series."""
    from rca import api
    from rca.features.windows import duration_seconds

    if not url or not query:
        fail("--prometheus URL and --query PROMQL go together", ExitCode.INPUT)
    if not url.startswith(("http://", "https://")):
        fail(f"--prometheus must be an http(s) URL, got {url!r}", ExitCode.INPUT)
    headers = {}
    for h in header:
        name, sep, value = h.partition(":")
        if not sep or not name.strip():
            fail(f"--header must look like 'Name: value', got {h!r}", ExitCode.INPUT)
        headers[name.strip()] = value.strip()
    err_console.print(f"querying {url} for {query!r} over the last {since} every {step}")
    return api.prometheus_table(url, query, duration_seconds(since, "--since"),
                                duration_seconds(step, "--step"), headers=headers,
                                ca_file=str(ca_file) if ca_file else None, insecure=insecure)

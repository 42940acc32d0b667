"""`rca forecast`: when will each resource series cross its threshold. Registered by
:func:`register`."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

import typer

from rca.cli._common import ExitCode, fail, handle_errors, out_console


def _thresholds(items: list[str] | None, config: Path | None) -> dict[str, str | float]:
    """Overrides by kind: the service config's ``thresholds`` (YAML/JSON, read by the service's
    own loader), then ``--threshold KIND=VALUE``; values are checked by the kinds table."""
    from rca import api

    table: dict[str, str | float] = dict(api.service_config(config).thresholds) if config else {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"--threshold {item!r}: use KIND=VALUE, e.g. memory=0.9", ExitCode.CONFIG)
        table[key.strip()] = value
    return table


def _iso(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _row(f) -> dict:
    d = asdict(f)
    last = f.last_time
    d["last_sample"] = _iso(last)
    d["eta"] = _iso(last + f.eta_seconds) if last is not None and f.eta_seconds is not None else None
    return d


def register(app: typer.Typer) -> None:
    """Add ``rca forecast`` to the app."""

    @app.command("forecast")
    @handle_errors
    def forecast(
        metrics: Path = typer.Argument(..., help="Metrics CSV (wide `time` + `<service>_<metric>` columns, or long form) or Prometheus text."),
        threshold: Optional[List[str]] = typer.Option(None, "--threshold", "-t", help="KIND=VALUE, overrides a default threshold (repeatable): memory=0.9, cpu=0.8, latency=500."),
        config: Optional[Path] = typer.Option(None, "--config", help="Service config (YAML/JSON, as for `rca serve`): its `thresholds` are used."),
        time_col: Optional[str] = typer.Option(None, "--time-col", help="Time column (default: 'time' or 'timestamp')."),
        window: int = typer.Option(30, "--window", min=3, help="Fit the trend on the last N samples of each series."),
        horizon: str = typer.Option("24h", "--horizon", help="Ignore crossings further out than this."),
        stale_after: Optional[str] = typer.Option(None, "--stale-after", help="Flag a series with no sample for this long before the file's last sample (default: 5 sampling intervals)."),
        risk_horizon: str = typer.Option("1h", "--risk-horizon", help="`risk` is the chance of crossing within this long of the last sample."),
        every: bool = typer.Option(False, "--all", help="Also list series that are not heading for their threshold."),
        as_json: bool = typer.Option(False, "--json", help="Print the forecasts as JSON."),
    ) -> None:
        """Forecast when resource series (memory, CPU, disk, latency, error rate) cross their
        thresholds, from the linear trend of their last samples.

        Thresholds by kind, matched on the end of the series name: memory 0.8, cpu 0.7,
        disk 0.9, error_rate 0.01, latency/response_time 1000 (ms). Percent series
        (`*_percent`, or values above 1.5 for a share kind) are read as fractions. ETAs count
        from each series' own last sample, with a 95% band from the trend's uncertainty;
        `risk` is the chance the series crosses within --risk-horizon. Series whose samples
        stopped arriving are flagged stale and listed first.

        Example: rca forecast metrics.csv -t memory=0.9 --horizon 6h
        """
        from rca import api

        found = api.forecast_metrics(metrics, time_col=time_col,
                                     thresholds=_thresholds(threshold, config), window=window,
                                     horizon=horizon, stale_after=stale_after,
                                     risk_horizon=risk_horizon, every=every)
        if as_json:
            out_console.file.write(json.dumps([_row(f) for f in found], indent=2) + "\n")
            return
        from rca.report.forecasts import render_forecasts

        render_forecasts([_row(f) for f in found], out_console)

"""`rca parse`: logs in, one CSV row per record with its template out. Registered by
:func:`register`; the work is :func:`rca.api.parse_to_files`."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rca.cli._common import (FORCE_HELP, err_console, handle_errors, out_console, outputs,
                             show_progress)
from rca.paths import check_output


HELP = r"""
Parse log files into records and templates (error signatures).

LOG can be files or folders (read whole); gzip, bz2 and xz files are read transparently. Each file's format is sniffed from its first lines unless --format or --log-format is given:

[bold]json[/]: JSON lines of pino/bunyan, winston, Elastic (ECS), OpenTelemetry or structlog, e.g. {"level":50,"time":1700000000000,"msg":"db down","name":"orders"}

[bold]logfmt[/]: time=2024-01-01T12:00:00Z level=error msg="db down" service=orders

[bold]syslog[/]: RFC 3164 or RFC 5424, e.g. <34>Oct 11 22:14:15 web1 nginx\[812]: upstream timed out

[bold]text[/]: common app layouts, e.g. 2024-01-01 12:00:00,123 ERROR orders.db: db down (Python logging) or 2024-01-01 12:00:00.123 ERROR \[main] com.acme.Db - db down (log4j)

[bold]--log-format[/] takes a Loghub format string instead: fields in <angle brackets>, the message is <Content>, e.g. --log-format '<Date> <Time> <Pid> <Level> <Component>: <Content>'.

Stack traces (Java, Python, Node) are attached to the record above them. Lines that fit no format are kept as records flagged "unparsed"; undecodable bytes are replaced and counted. Stamps without a year get --year (default: inferred), without a zone --tz (default UTC). The service is --service, else a field of the record, else the file name (orders.log -> orders).

With --log-format the file is split column-wise (Arrow), which is the fast path for big files; --out x.parquet writes Parquet (timestamps typed) instead of CSV.

[bold]--workers N[/] or [bold]--scheduler ADDRESS[/] run the parse on Dask: files (and byte ranges of large plain files) are read and masked in parallel, then merged into the same templates one process finds. --out is then a folder of Parquet files, or one CSV if it ends in .csv; on an existing cluster every worker must reach the input and --out paths (shared storage) and have rca installed.

Examples: [bold]rca parse app.log[/] shows the top templates; [bold]rca parse logs/ --out events.csv --templates templates.csv --state miner.json[/] writes them; [bold]rca parse hdfs.log.gz --log-format '<Date> <Time> <Pid> <Level> <Component>: <Content>' --out events.parquet[/].
"""


def register(app: typer.Typer) -> None:
    """Add ``rca parse`` to the app."""
    app.command("parse", help=HELP)(parse)


@handle_errors
def parse(
    logs: List[Path] = typer.Argument(..., metavar="LOG...", help="Log files or folders."),
    log_format: Optional[str] = typer.Option(
        None, "--log-format", help="Loghub format string, e.g. '<Date> <Time> <Level> <Content>'."),
    fmt: str = typer.Option("auto", "--format", help="auto, json, logfmt, syslog or text."),
    out: Optional[Path] = typer.Option(
        None, "--out", help="Write one row per record here: CSV, or Parquet if it ends in .parquet."),
    templates: Optional[Path] = typer.Option(
        None, "--templates", help="Write the templates (id, template, count) as CSV here."),
    state: Optional[Path] = typer.Option(
        None, "--state", help="Template miner state (JSON): loaded if present, saved after."),
    service: Optional[str] = typer.Option(None, "--service", help="Service name for all records."),
    year: Optional[int] = typer.Option(None, "--year", help="Year of stamps that have none."),
    tz: str = typer.Option("UTC", "--tz", help="Zone of stamps that have none (e.g. Europe/Paris)."),
    top: int = typer.Option(20, "--top", help="Templates shown when --out is not given."),
    workers: Optional[int] = typer.Option(
        None, "--workers", min=1, help="Parse on a local Dask cluster of N worker processes."),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", metavar="ADDRESS",
        help="Parse on an existing Dask cluster, e.g. tcp://10.0.0.5:8786."),
    partition_size: str = typer.Option(
        "16MB", "--partition-size", help="With Dask: large plain files are cut into byte "
        "ranges of about this size (compressed files are read whole)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    from rca import api
    from rca.errors import ConfigError

    choices = api.log_formats()
    if fmt not in choices:
        raise ConfigError(f"--format must be one of {', '.join(choices)}, not {fmt!r}")
    if log_format and fmt != "auto":
        raise ConfigError("give either --log-format or --format, not both")
    chosen = log_format or (None if fmt == "auto" else fmt)

    progress = None
    on_record = None
    if show_progress():
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        sizes = [p.stat().st_size for p in logs if p.is_file()]
        total = sum(sizes) if len(sizes) == len(logs) and not any(
            p.suffix in (".gz", ".bz2", ".xz") for p in logs) else None
        progress = Progress(TextColumn("parsing"), BarColumn(), TextColumn("{task.fields[n]}"),
                            TimeElapsedColumn(), console=err_console, transient=True)
        task = progress.add_task("parse", total=total, n="")

        def on_record(stats):
            progress.update(task, completed=stats.bytes, n=f"{stats.records:,} records")

        progress.start()
    if state is not None:
        check_output(state, logs, kind="json", option="--state")
    try:
        distributed = bool(workers or scheduler)  # the engine may write a folder of parts
        if distributed and out is not None:  # checked here, written by the engine itself
            if out.suffix.lower() == ".csv":  # a folder of parts: the engine checks it
                check_output(out, logs, kind="csv", force=force)
        with outputs([(None if distributed else out, "csv", "--out"),
                      (templates, "csv", "--templates")], logs, force) as tmps:
            out_tmp = out if distributed else tmps[0]
            result = api.parse_to_files(logs, out=out_tmp, templates_out=tmps[1], state=state,
                                        log_format=chosen, service=service, year=year, tz=tz,
                                        on_record=on_record, workers=workers,
                                        scheduler=scheduler, partition_bytes=partition_size
                                        if distributed else None)
    finally:
        if progress is not None:
            progress.stop()

    if out is None:
        _print_top(result, top)
    err_console.print(result.stats.summary(), highlight=False, markup=False, soft_wrap=True)


def _print_top(result, top: int) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Top templates ({len(result.counts)} in all)", title_justify="left")
    table.add_column("count", justify="right")
    table.add_column("id")
    table.add_column("template", overflow="fold")
    for tid, count in result.top(top):
        table.add_row(f"{count:,}", tid, Text(result.templates.get(tid, "")))
    out_console.print(table)

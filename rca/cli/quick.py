"""The console entry point (``rca``, ``python -m rca``).

``rca parse LOG... --out FILE [options]`` run as a batch job (stderr not a terminal, so no
progress bar) is the one command whose whole run can take less time than loading the full
command-line app (typer, pydantic, rich and every command: about half a second of start-up,
longer than parsing 100,000 lines). That case is run here with a plain argument parser over
the same options and the same call, :func:`rca.api.parse_to_files`. Anything else - another
command, ``--help``, a terminal, an option or value it does not take, any error - goes to
:func:`rca.cli.main.run`, which handles it as always (and prints the one-line error).

>>> _batch_parse(["parse", "--help"]) is None
True
"""

from __future__ import annotations

import sys

#: The ``rca parse`` options the fast path takes: (flag, type, default). A test checks that
#: they are exactly those of :func:`rca.cli.parse_cmd.parse`.
OPTIONS = (("--log-format", str, None), ("--format", str, "auto"), ("--out", str, None),
           ("--templates", str, None), ("--state", str, None), ("--service", str, None),
           ("--year", int, None), ("--tz", str, "UTC"), ("--top", int, 20),
           ("--workers", int, None), ("--scheduler", str, None), ("--partition-size", str, "16MB"),
           ("--force", bool, False))


def run() -> None:
    """Entry point: the batch ``rca parse`` fast path, else the full app."""
    code = _batch_parse(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from rca.cli.main import run as full

    full()


def _batch_parse(argv: list[str]) -> int | None:
    """Run a batch ``rca parse`` and return its exit code, or None to leave it to the app."""
    if argv[:1] != ["parse"] or sys.stderr.isatty() or "-h" in argv or "--help" in argv:
        return None
    import argparse
    from pathlib import Path

    ap = argparse.ArgumentParser(prog="rca parse", add_help=False, exit_on_error=False,
                                 allow_abbrev=False)
    ap.add_argument("logs", nargs="*", type=Path)
    for flag, type_, default in OPTIONS:
        if type_ is bool:
            ap.add_argument(flag, action="store_true")
            continue
        ap.add_argument(flag, type=type_, default=default,
                        dest="fmt" if flag == "--format" else None)
    try:
        args, rest = ap.parse_known_args(argv[1:])
    except argparse.ArgumentError:
        return None
    from rca.api.parsing import log_formats, parse_to_files

    if rest or not args.logs or args.out is None or args.fmt not in log_formats() \
            or (args.log_format and args.fmt != "auto"):
        return None
    from rca.errors import RcaError
    from rca.paths import check_output, outputs

    distributed = bool(args.workers or args.scheduler)  # the engine writes --out itself
    try:  # the same output checks and atomic writes as the app (rca.paths)
        if args.state is not None:
            check_output(args.state, args.logs, kind="json", option="--state")
        if distributed:
            if str(args.out).lower().endswith(".csv"):  # a folder of parts: the engine checks
                check_output(args.out, args.logs, kind="csv", force=args.force)
        with outputs([(None if distributed else Path(args.out), "csv", "--out"),
                      (args.templates and Path(args.templates), "csv", "--templates")],
                     args.logs, args.force) as (out, templates):
            result = parse_to_files(args.logs, out=args.out if distributed else out,
                                    templates_out=templates, state=args.state,
                                    service=args.service, year=args.year, tz=args.tz,
                                    log_format=args.log_format or (
                                        None if args.fmt == "auto" else args.fmt),
                                    workers=args.workers, scheduler=args.scheduler,
                                    partition_bytes=args.partition_size if distributed else None)
    except (RcaError, OSError):
        return None  # the app runs it again and reports the error in its usual words
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130  # ExitCode.INTERRUPTED
    sys.stderr.write(result.stats.summary() + "\n")
    return 0

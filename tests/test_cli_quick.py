"""The console entry's batch fast path for `rca parse` (rca.cli.quick) writes what the full
app writes, takes exactly the app's options, and leaves everything else to the app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from rca.cli import quick

ROOT = Path(__file__).resolve().parent.parent
FMT = "<Date> <Time> <Pid> <Level> <Component>: <Content>"


def _log(tmp_path: Path) -> Path:
    path = tmp_path / "node.log"
    path.write_text("".join(
        f"081109 2035{i % 60:02d} 14{i % 9} INFO dfs.DataNode: Receiving block blk_{i * 31} "
        f"src: /10.0.0.{i % 200}:50010\n" for i in range(400)) + "garbage line\n",
        encoding="utf-8")
    return path


def _rca(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rca", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_fast_path_writes_what_the_app_writes(tmp_path, run_cli):
    log = _log(tmp_path)
    fast, full = tmp_path / "fast.csv", tmp_path / "full.csv"
    proc = _rca("parse", str(log), "--log-format", FMT, "--out", str(fast),
                "--templates", str(tmp_path / "t.csv"))
    assert proc.returncode == 0, proc.stderr
    assert "401 records from 401 lines" in proc.stderr and "1 unparsed" in proc.stderr
    code, _, err = run_cli("parse", str(log), "--log-format", FMT, "--out", str(full))
    assert code == 0, err
    assert fast.read_text("utf-8") == full.read_text("utf-8")
    assert quick._batch_parse(["parse", str(log), "--log-format", FMT, "--out",
                               str(tmp_path / "again.csv")]) == 0


def test_everything_else_goes_to_the_app(tmp_path):
    log = _log(tmp_path)
    for argv in (["parse", "--help"], ["parse", str(log)], ["parse", str(log), "--out", "x",
                 "--bogus"], ["parse", str(log), "--out", "x", "--year", "soon"],
                 ["parse", str(log), "--out", "x", "--format", "yaml"], ["analyze", str(log)],
                 ["parse", str(tmp_path / "missing.log"), "--out", str(tmp_path / "m.csv")]):
        assert quick._batch_parse(argv) is None, argv
    proc = _rca("parse", str(tmp_path / "missing.log"), "--out", str(tmp_path / "m.csv"))
    assert proc.returncode == 2 and "missing.log" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1  # the app's one-line error


def test_fast_path_takes_exactly_the_app_options():
    from rca.cli.main import app

    command = typer.main.get_command(app).commands["parse"]
    app_opts = {opt: p.default for p in command.params for opt in p.opts
                if opt.startswith("--")}
    assert set(app_opts) == {flag for flag, _, _ in quick.OPTIONS}
    for flag, _, default in quick.OPTIONS:
        assert app_opts[flag] == default, flag

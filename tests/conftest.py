"""Shared fixtures. Real benchmark data comes from $RCA_BENCH_DATA (default ../shared/data)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rca.paths import bench_data_dir

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def bench_data() -> Path:
    """The shared real data. In CI it must be there; elsewhere tests that need it are skipped."""
    path = bench_data_dir()
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"benchmark data not found at {path} (set RCA_BENCH_DATA)")
        pytest.skip(f"benchmark data not found at {path} (set RCA_BENCH_DATA)")
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Never write to the real user data directory from a test."""
    home = tmp_path_factory.mktemp("rca_home")
    monkeypatch.setenv("RCA_HOME", str(home))
    return home


@pytest.fixture()
def run_cli(capsys):
    """Run the CLI in-process: returns (exit_code, stdout, stderr)."""
    from rca.cli.main import main

    def _run(*argv: str):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return _run

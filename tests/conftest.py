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


@pytest.fixture()
def raw_hdfs_config(tmp_path, bench_data):
    """The first 3,000 raw HDFS lines and a training config over them (templates -> block
    sessions -> invariants model): ``(raw_log_path, config_path)``."""
    raw = tmp_path / "hdfs.log"
    with open(bench_data / "hdfs" / "HDFS_first20000.log", encoding="utf-8") as src:
        raw.write_text("".join(next(src) for _ in range(3000)))
    cfg = tmp_path / "raw.toml"
    cfg.write_text(f"""
name = "hdfs_raw_small"
[input]
format = "log"
path = "{raw}"
log_format = "<Date> <Time> <Pid> <Level> <Component>: <Content>"
normal_labels = ["Normal"]
[windowing]
kind = "session"
id_pattern = 'blk_-?\\d+'
labels_path = "${{RCA_BENCH_DATA}}/hdfs/HDFS_first20000_block_labels.csv"
[model]
kind = "invariants"
[split]
kind = "ratio"
order = "random"
""")
    return raw, cfg

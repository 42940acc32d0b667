"""Where rca keeps its files. Nothing is read implicitly from the current directory."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The user's rca data directory: ``$RCA_HOME``, else ``$XDG_DATA_HOME/rca``,
    else ``~/.local/share/rca``. Not created here; writers create it."""
    if os.environ.get("RCA_HOME"):
        return Path(os.environ["RCA_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser() / "rca"


def bench_data_dir() -> Path:
    """Real benchmark data: ``$RCA_BENCH_DATA``, default ``../shared/data`` from the repo root."""
    env = os.environ.get("RCA_BENCH_DATA")
    if env:
        return Path(env).expanduser()
    beside_repo = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    if beside_repo.is_dir():
        return beside_repo
    return Path.cwd().parent / "shared" / "data"

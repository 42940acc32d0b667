#!/usr/bin/env python3
"""Set up and run rca on a fresh machine with nothing but Python 3.11+.

    python3 tasks.py demo    # create .venv, install rca, analyse the shipped disk-full incident
    python3 tasks.py test    # create .venv, install rca + test extras, run the whole test suite

Extra arguments after ``test`` go to pytest (``python3 tasks.py test -k ingest``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def sh(*cmd: str | os.PathLike, **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)


def ensure_venv(extras: str) -> None:
    if not PY.exists():
        sh(sys.executable, "-m", "venv", VENV)
    stamp = VENV / f".rca-installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not (stamp.exists() and stamp.read_text() == digest):
        sh(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        target = f".[{extras}]" if extras else "."
        sh(PY, "-m", "pip", "install", "--quiet", "-e", target)
        stamp.write_text(digest)
    # An editable install leaves the package as source: byte-compile it, as pip does for a
    # wheel, so that no run (or start-up timing) pays for compiling the modules it imports.
    subprocess.run([str(PY), "-m", "compileall", "-q", "-j", "0", "rca"], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


#: programs the tests run, and the Debian package that brings each
SYSTEM_PACKAGES = {
    "chromium": "chromium",  # the dashboard browser test
    "prometheus": "prometheus",  # a real Prometheus server (issue 15 client tests)
    "prometheus-node-exporter": "prometheus-node-exporter",  # a real metrics source for it
    "logger": "bsdutils",  # util-linux `logger`, a real syslog client
}


def ensure_system_packages() -> None:
    """Programs the tests need that pip cannot bring (see SYSTEM_PACKAGES), installed with
    apt when running as root; tests whose program is missing are skipped with the reason."""
    missing = sorted({pkg for prog, pkg in SYSTEM_PACKAGES.items() if not shutil.which(prog)})
    if not missing or os.name == "nt":
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        try:
            sh("apt-get", "update", "-qq", env=env)
            sh("apt-get", "install", "-y", "-qq", *missing, env=env)
        except subprocess.CalledProcessError:
            print(f"warning: could not install {', '.join(missing)}; tests needing them skip")
    else:
        print(f"note: {', '.join(missing)} not found and not root; tests needing them skip")


def demo(args: list[str]) -> int:
    """Analyse the shipped sample incident (a full disk in one of five services)."""
    ensure_venv("")
    sample = Path("data") / "samples" / "disk-full"
    default = [
        "analyze", sample / "logs",
        "--metrics", sample / "metrics.csv",
        "--deps", sample / "deps.yaml",
        "--html", Path("out") / "disk-full-report.html",
    ]
    cmd = [BIN / "rca", *(args or default)]
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT).returncode


def test(args: list[str]) -> int:
    ensure_venv("test,bench")
    ensure_system_packages()
    env = dict(os.environ)
    env.setdefault("RCA_BENCH_DATA", str(ROOT.parent / "shared" / "data"))
    env.setdefault("MPLBACKEND", "Agg")
    rc = subprocess.run([str(PY), "-m", "pytest", *args], cwd=ROOT, env=env).returncode
    return 0 if rc == 5 and args else rc


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test"}:
        print(__doc__)
        return 2
    return {"demo": demo, "test": test}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

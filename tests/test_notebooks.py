"""Every notebook runs top to bottom on small data, draws its plots, and is stored stripped.

The notebooks are generated from ``notebooks/src/*.py`` by ``scripts/make_notebooks.py``;
the kernel is the interpreter running the tests (a throw-away kernelspec pointing at
``sys.executable``), so the notebooks see exactly the installed ``rca``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rca.paths import bench_data_dir

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
TIMEOUT_PER_CELL = 120  # seconds per cell; the four notebooks need about 45 s of CPU in all
KERNEL_NAME = "rca-test-python"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4, [p.name for p in NOTEBOOKS]


def test_notebooks_match_their_sources():
    """``notebooks/*.ipynb`` is exactly what ``scripts/make_notebooks.py`` writes (stripped)."""
    sources = {p.stem for p in (NB_DIR / "src").glob("*.py")}
    assert sources == {p.stem for p in NOTEBOOKS}, "every notebook needs a source in notebooks/src"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_notebooks.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stripped(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a cell has outputs"
            assert cell.execution_count is None, f"{path.name}: a cell has an execution count"


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory):
    """A kernelspec that runs ``sys.executable`` (never a python3 found elsewhere on PATH)."""
    base = tmp_path_factory.mktemp("jupyter")
    spec = base / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "rca tests",
                "language": "python",
            }
        )
    )
    return base


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, kernel_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebooks' scratch folders land here
    monkeypatch.setenv("RCA_NOTEBOOK_SMALL", "1")
    # Headless: the inline backend renders with Agg into the notebook (no display needed);
    # plain "Agg" would draw nothing into the outputs.
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("PYTHONWARNINGS", "ignore::DeprecationWarning")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=TIMEOUT_PER_CELL,
        resources={"metadata": {"path": str(NB_DIR)}},
        allow_errors=False,
    )
    start = time.perf_counter()
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:  # show the notebook's own traceback
        pytest.fail(f"{path.name} failed:\n{ANSI.sub('', str(exc))[-6000:]}")
    elapsed = time.perf_counter() - start
    images = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert images, f"{path.name}: no plot was rendered"
    if bench_data_dir().is_dir():  # with the real data every plotting cell runs
        blank = [
            cell.source.splitlines()[0]
            for cell in nb.cells
            if cell.cell_type == "code"
            and "plt.show()" in cell.source
            and not any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
        ]
        assert not blank, f"{path.name}: cells that should plot drew nothing: {blank}"
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
    print(f"{path.name}: {elapsed:.1f} s, {len(images)} plots")


def test_notebooks_use_only_the_documented_api():
    """Notebooks import only ``rca.api`` and names listed in docs/python-api.md."""
    import ast

    api_doc = (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")
    bad = []
    for src in sorted((NB_DIR / "src").glob("*.py")):
        for node in ast.walk(ast.parse(src.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rca"):
                if node.module == "rca":
                    ok = all(a.name == "api" for a in node.names)
                else:
                    ok = f"### `{node.module}`" in api_doc and all(
                        f"| `{a.name}` |" in api_doc for a in node.names)
                if not ok:
                    bad.append(f"{src.name}: from {node.module} import "
                               + ", ".join(a.name for a in node.names))
            elif isinstance(node, ast.Import):
                bad += [f"{src.name}: import {a.name}" for a in node.names
                        if a.name.startswith("rca")]
    assert not bad, bad

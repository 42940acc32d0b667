#!/usr/bin/env python3
"""Build ``notebooks/*.ipynb`` from their plain-Python sources in ``notebooks/src/``.

The sources are the files to edit: ordinary Python in the "percent" format that
VS Code, Spyder and jupytext understand (``# %%`` starts a code cell, ``# %% [markdown]``
a Markdown cell whose lines are ``# `` comments). The notebooks are generated from them
with no outputs and no execution counts, so the repository never holds stale results.

    .venv/bin/python scripts/make_notebooks.py          # (re)write notebooks/*.ipynb
    .venv/bin/python scripts/make_notebooks.py --check  # exit 1 if any notebook is stale
    .venv/bin/python scripts/make_notebooks.py --strip notebooks/x.ipynb  # strip outputs in place

``tests/test_notebooks.py`` runs ``--check`` and executes every notebook.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "notebooks" / "src"
OUT = ROOT / "notebooks"

KERNELSPEC = {"display_name": "Python 3 (rca)", "language": "python", "name": "python3"}


def _cells(text: str) -> list[tuple[str, str]]:
    """Split percent-format source into ``[(kind, source)]`` with kind "code" or "markdown"."""
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("# %%"):
            kind = "markdown" if "[markdown]" in line else "code"
            cells.append((kind, []))
            continue
        if not cells:  # a module header before the first marker is not a cell
            continue
        cells[-1][1].append(line)
    out = []
    for kind, lines in cells:
        if kind == "markdown":
            lines = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in lines]
        body = "\n".join(lines).strip("\n")
        if body:
            out.append((kind, body))
    return out


def build(src: Path) -> nbformat.NotebookNode:
    """The stripped notebook for one source file."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
    }
    for i, (kind, body) in enumerate(_cells(src.read_text(encoding="utf-8"))):
        cell_id = f"{src.stem[:2]}-{i:02d}"
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(body, id=cell_id))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(body, id=cell_id))
    nbformat.validate(nb)
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs, execution counts and per-cell run metadata."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata = {}
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a notebook is stale")
    parser.add_argument("--strip", nargs="+", type=Path, metavar="IPYNB", help="strip in place")
    args = parser.parse_args(argv)
    if args.strip:
        for path in args.strip:
            nb = strip(nbformat.read(path, as_version=4))
            path.write_text(render(nb), encoding="utf-8")
        return 0
    stale = []
    for src in sorted(SRC.glob("*.py")):
        target = OUT / f"{src.stem}.ipynb"
        text = render(build(src))
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(target.name)
        else:
            target.write_text(text, encoding="utf-8")
    if stale:
        sys.stderr.write(
            "stale notebooks (run scripts/make_notebooks.py): " + ", ".join(stale) + "\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The service and the watchers are fronts: besides themselves they import only the facade
(``rca.api``), the report stage (rendering) and ``rca.types``/``rca.errors``/``rca.paths`` -
no stage internals, and ``rca.watch`` nothing of ``rca.service``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from test_imports import imported_modules  # noqa: E402

ALLOWED = ("rca.api", "rca.report", "rca.types", "rca.errors", "rca.paths")


@pytest.mark.parametrize("front", ["service", "watch"])
def test_fronts_import_only_the_facade(front):
    bad = []
    for path in sorted((ROOT / "rca" / front).glob("*.py")):
        for line, module in imported_modules(path):
            if not module.startswith("rca") or module == "rca":
                continue
            ok = module.startswith(f"rca.{front}") or any(
                module == a or module.startswith(a + ".") for a in ALLOWED)
            if not ok:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not bad, "\n".join(bad)

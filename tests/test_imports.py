"""The straight path, checked on the source: a stage imports only earlier stages plus
``rca.types``/``rca.errors``/``rca.paths`` - never ``rca.api``, a front (cli, service, watch) or
a later stage. Imports inside functions count too (a lazy import is still a dependency)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The stages, in the order of the path from a raw line to a fix.
STAGES = ("ingest", "templates", "features", "detect", "rank", "fixes", "report")
SHARED = ("types", "errors", "paths")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, absolute module name)`` of every import in a file of the ``rca`` package."""
    package = list(path.relative_to(ROOT).with_suffix("").parts)[:-1]  # the file's package
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from rca import api`` names a module too
            found += [(node.lineno, f"{module}.{a.name}") for a in node.names
                      if module == "rca"]
    return found


def violations(stage: str) -> list[str]:
    allowed = {f"rca.{s}" for s in STAGES[: STAGES.index(stage) + 1] + SHARED}
    bad = []
    for path in sorted((ROOT / "rca" / stage).rglob("*.py")):
        for line, module in imported_modules(path):
            parts = module.split(".")
            if parts[0] != "rca" or module == "rca":
                continue
            top = ".".join(parts[:2])
            if top not in allowed:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return bad


@pytest.mark.parametrize("stage", STAGES)
def test_stage_imports_only_earlier_stages(stage):
    assert (ROOT / "rca" / stage).is_dir()
    bad = violations(stage)
    assert not bad, "\n".join(bad)


def test_the_check_sees_lazy_relative_and_facade_imports(tmp_path, monkeypatch):
    """The checker itself: it must flag what the rule forbids (or the test above is empty)."""
    fake = tmp_path / "rca" / "rank"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text(
        "from rca.types import Event\n"
        "from rca.detect.kinds import kind_of\n"
        "def f():\n"
        "    from rca import api\n"
        "    import rca.service.app\n"
        "    from ..fixes import Library\n"
        "    from . import graph\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    bad = violations("rank")
    assert [b.split(" imports ")[1] for b in bad] == ["rca.api", "rca.service.app", "rca.fixes"]


FRONTS = ("rca.api", "rca.cli", "rca.service", "rca.watch")


@pytest.mark.parametrize("layer", ["analyze", "train", "simulate"])
def test_layers_below_the_facade_do_not_import_it_or_a_front(layer):
    """``rca.analyze`` (all stages chained), ``rca.train`` and ``rca.simulate`` sit under the
    facade: they read through the stages, never through ``rca.api`` or a front."""
    bad = [f"{path.relative_to(ROOT)}:{line} imports {module}"
           for path in sorted((ROOT / "rca" / layer).rglob("*.py"))
           for line, module in imported_modules(path)
           if module.startswith(FRONTS)]
    assert not bad, "\n".join(bad)


def test_the_facade_does_not_import_the_cli():
    bad = [m for path in (ROOT / "rca" / "api").glob("*.py") for _, m in imported_modules(path)
           if m.startswith("rca.cli")]
    assert not bad

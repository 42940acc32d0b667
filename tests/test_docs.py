"""The docs keep up with the code: CLI reference, config keys, JSON schema, README links."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _gen_docs():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- CLI reference ------------------------------------------------------------------------


def test_cli_reference_is_current():
    """docs/cli.md is exactly what scripts/gen_docs.py writes from the CLI today."""
    expected = _gen_docs().cli_markdown()
    actual = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/cli.md is stale: run .venv/bin/python scripts/gen_docs.py"


def test_every_command_and_option_is_in_the_cli_reference():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    missing = []
    n_commands = 0
    for cmd, path, _ctx in _gen_docs().commands():
        n_commands += 1
        if f"`{' '.join(path)}`" not in text:
            missing.append(" ".join(path))
        for param in cmd.params:
            if getattr(param, "hidden", False):
                continue
            for name in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]:
                if name.startswith("-") and f"`{name}`" not in text:
                    missing.append(f"{' '.join(path)} {name}")
    assert n_commands >= 1
    assert not missing, f"not in docs/cli.md: {missing}"


def test_gen_docs_notices_a_new_option(monkeypatch):
    """The staleness check is real: a new option on a command changes the generated text."""
    import typer

    gen = _gen_docs()
    before = gen.cli_markdown()
    from rca.cli import main as cli_main

    extra = typer.Typer()

    @extra.command("zz-docs-probe")
    def _probe(flag: bool = typer.Option(False, "--zz-probe-flag", help="probe")) -> None:
        """Probe command."""

    monkeypatch.setattr(cli_main, "app", _merged(cli_main.app, extra))
    after = gen.cli_markdown()
    assert "`--zz-probe-flag`" in after and "`--zz-probe-flag`" not in before


def _merged(app, extra):
    import typer

    merged = typer.Typer()
    merged.registered_callback = app.registered_callback
    merged.info = app.info
    merged.registered_commands = [*app.registered_commands, *extra.registered_commands]
    merged.registered_groups = list(app.registered_groups)
    return merged


# --- README links -------------------------------------------------------------------------


def test_readme_links_every_notebook_and_doc():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = sorted(DOCS.glob("*.md")) + sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert len(targets) >= 4
    links = set(re.findall(r"\]\(([^)#\s]+)", readme))
    missing = [str(p.relative_to(ROOT)) for p in targets if str(p.relative_to(ROOT)) not in links]
    assert not missing, f"README.md does not link: {missing}"


def test_docs_links_resolve():
    """Relative links between the docs and the README point at files that exist."""
    broken = []
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#\s]+)", page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.name} -> {target}")
    assert not broken, broken

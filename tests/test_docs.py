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


def test_http_api_reference_is_current():
    """docs/http-api.md is what scripts/gen_docs.py writes from the OpenAPI schema, and every
    endpoint in it has a curl example."""
    gen = _gen_docs()
    expected = gen.http_markdown()
    actual = (DOCS / "http-api.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/http-api.md is stale: run .venv/bin/python scripts/gen_docs.py"
    from rca.service import ServiceConfig, create_app

    schema = create_app(ServiceConfig(db=":memory:")).openapi()
    missing = [(m, p) for p, ops in schema["paths"].items() for m in ops if (m, p) not in gen.CURL]
    assert not missing, f"endpoints without a curl example: {missing}"


def test_python_api_reference_lists_every_public_name():
    """docs/python-api.md names every function of rca.api and every public stage name
    (names only, so a reworded docstring does not fail the suite; regenerate to refresh)."""
    import importlib

    gen = _gen_docs()
    text = (DOCS / "python-api.md").read_text(encoding="utf-8")
    from rca import api

    missing = [f"rca.api.{n}" for n in gen._public_names(api)
               if f"### `{n}(" not in text and f"### `{n}`" not in text]
    for modname in gen.STAGE_PACKAGES + gen.STAGE_MODULES:
        if f"### `{modname}`" not in text:
            missing.append(modname)
            continue
        module = importlib.import_module(modname)
        missing += [f"{modname}.{n}" for n in gen._public_names(module) if f"| `{n}` |" not in text]
    assert len(gen._public_names(api)) > 5
    assert not missing, f"not in docs/python-api.md (run scripts/gen_docs.py): {missing}"


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


# --- config reference ---------------------------------------------------------------------


def _config_doc() -> str:
    return (DOCS / "config.md").read_text(encoding="utf-8")


def _missing(keys, text) -> list[str]:
    return sorted(k for k in keys if f"`{k}`" not in text)


def test_every_pipeline_config_key_is_documented():
    from rca.train.config import CHOICES, SCHEMA

    keys = [f"{sec}.{key}" if sec else key for sec, table in SCHEMA.items() for key in table]
    assert len(keys) > 20
    text = _config_doc()
    assert not _missing(keys, text), f"pipeline keys missing from docs/config.md: {_missing(keys, text)}"
    choices = [c for values in CHOICES.values() for c in values]
    assert not _missing(choices, text), f"choices missing: {_missing(choices, text)}"


def test_every_shipped_pipeline_config_is_listed():
    text = _config_doc()
    shipped = [f"pipelines/{p.name}" for p in sorted((ROOT / "pipelines").glob("*.toml"))]
    assert shipped
    assert not _missing(shipped, text), f"configs not listed: {_missing(shipped, text)}"


def test_every_service_setting_is_documented():
    from rca.service.config import DEFAULT_THRESHOLDS, ServiceConfig

    keys = list(ServiceConfig.model_fields)
    keys += [f"thresholds.{k}" for k in DEFAULT_THRESHOLDS]
    text = _config_doc()
    assert not _missing(keys, text), f"service settings missing: {_missing(keys, text)}"


def test_every_forecast_threshold_is_documented():
    from rca.detect.kinds import KINDS

    text = _config_doc()
    missing = [k.name for k in KINDS if f"`{k.name}`" not in text]
    assert not missing, f"metric kinds missing: {missing}"


def test_every_remediation_entry_key_is_documented():
    from rca.fixes.spec import EntrySpec, SignatureSpec

    keys = sorted(EntrySpec.model_fields) + [f"signature.{k}"
                                             for k in sorted(SignatureSpec.model_fields)]
    assert "id" in keys and "signature.patterns" in keys
    text = _config_doc()
    assert not _missing(keys, text), f"remediation keys missing: {_missing(keys, text)}"


# --- rca analyze --json schema ------------------------------------------------------------


def _key_paths(value, prefix=""):
    """``{"a": [{"b": 1}]}`` -> ``{"a", "a[].b"}``."""
    paths = set()
    if isinstance(value, dict):
        for k, v in value.items():
            path = f"{prefix}.{k}" if prefix else k
            paths.add(path)
            paths |= _key_paths(v, path)
    elif isinstance(value, list):
        for item in value:
            paths |= _key_paths(item, f"{prefix}[]")
    return paths


def _sample_incident() -> Path:
    samples = sorted(p for p in (ROOT / "data" / "samples").glob("*") if (p / "logs").is_dir())
    assert samples, "no sample incident under data/samples/ (expected <scenario>/logs/)"
    return samples[0]


def test_analyze_json_output_matches_the_documented_schema(run_cli):
    import json

    sample = _sample_incident()
    args = ["analyze", str(sample / "logs"), "--json"]
    if (sample / "metrics.csv").is_file():
        args += ["--metrics", str(sample / "metrics.csv")]
    if (sample / "deps.yaml").is_file():
        args += ["--deps", str(sample / "deps.yaml")]
    code, out, err = run_cli(*args)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["incident"] is not None and doc["root_causes"], "the sample should be an incident"
    emitted = _key_paths(doc)
    assert {"root_causes[].evidence[].line", "suggestions[].id", "incident.start"} <= emitted
    text = (DOCS / "analyze-json.md").read_text(encoding="utf-8")
    undocumented = sorted(k for k in emitted if f"`{k}`" not in text)
    assert not undocumented, f"keys of rca analyze --json missing from docs/analyze-json.md: {undocumented}"


# --- the examples in the docs run ---------------------------------------------------------


@pytest.mark.parametrize("page", ["extending.md"])
def test_python_examples_in_docs_run(page, tmp_path, monkeypatch):
    """Every ```python block of the page runs, in order, in one namespace."""
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    assert blocks, f"{page} has no python examples"
    monkeypatch.chdir(tmp_path)
    for i, block in enumerate(blocks):
        namespace: dict = {"__name__": f"docs_example_{i}"}
        exec(compile(block, f"{page}[python block {i + 1}]", "exec"), namespace)


def test_every_online_detector_is_documented():
    from rca.detect.online import DETECTORS

    text = _config_doc()
    assert not _missing(DETECTORS, text), f"detectors missing: {_missing(DETECTORS, text)}"

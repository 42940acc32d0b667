"""`rca analyze` on incidents from the project's simulator: slow and silent faults."""

from __future__ import annotations

import json

import pytest

from rca import api
from rca.simulate import simulate


@pytest.mark.parametrize("scenario,seed", [("memory-leak", 7), ("silent-service", 3),
                                           ("connection-refused", 2)])
def test_root_cause_and_fix_found(tmp_path, scenario, seed):
    out = simulate(scenario, tmp_path / scenario, seed=seed, n_services=6, lines=200)
    truth = json.loads((out / "truth.json").read_text())
    a = api.analyze([out / "logs"], [out / "metrics.csv"], deps=out / "deps.yaml")
    assert a.root_causes[0].service == truth["root_cause_service"]
    assert truth["fix_id"] in [s.id for s in a.suggestions[:3]]
    # the onset is found near the injected fault without being told
    fault = json.loads((out / "truth.json").read_text())["fault_time"]
    assert abs(a.incident.start.timestamp() - _epoch(fault)) < 60


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


@pytest.mark.parametrize("scenario", ["silent-service", "out-of-memory"])
@pytest.mark.parametrize("vary", [False, True])
def test_silent_or_crashed_root_first_on_held_out_seeds(tmp_path, scenario, vary):
    """Seeds 101+ were never used while setting the ranker's constants (see
    benchmarks/rca.py); a root that only went silent or crashed with few lines ranks first."""
    from rca import api

    out = api.simulate(scenario, tmp_path / "sim", seed=101, n_services=7, vary=vary)
    truth = json.loads((out / "truth.json").read_text())
    res = api.analyze([out / "logs"], [out / "metrics.csv"])
    assert res.root_causes[0].service == truth["root_cause_service"]
    services = {p.stem for p in (out / "logs").iterdir()}
    assert services <= {c.service for c in res.root_causes}

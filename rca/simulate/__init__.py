"""Simulated incidents: a multi-service system with one injected fault, for demos, tests and
benchmarks.

>>> import tempfile, json, pathlib
>>> out = simulate("disk-full", tempfile.mkdtemp(), seed=1, n_services=4, lines=40)
>>> json.loads((out / "truth.json").read_text())["fix_id"]
'disk-full'
"""

from rca.simulate.engine import SCENARIOS, simulate
from rca.simulate.faults import FAULTS, Fault

__all__ = ["FAULTS", "SCENARIOS", "Fault", "simulate"]

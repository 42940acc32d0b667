"""The fault catalogue of the simulator: data in ``faults.yaml``, one scenario per fault kind.

Each fault names the remediation entry that fixes it (``fix_id``), the lines the faulty service
writes in each language (``node``, ``python``, ``java``, optionally ``postgres``), how its
metrics move (``effect``) and what its callers log (``symptom``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

#: How the faulty service's metrics move. ``down``: not serving (crash/restart loop);
#: ``silent``: hung, no logs, no traffic; ``errors``: failing requests; ``slow``: latency up;
#: ``cpu``, ``leak`` (memory ramp), ``oom`` (memory sawtooth), ``disk`` (disk fills).
EFFECTS = ("down", "silent", "errors", "slow", "cpu", "leak", "oom", "disk")
#: What callers log once the fault reaches them.
SYMPTOMS = ("5xx", "timeout", "refused")
LANGUAGES = ("node", "python", "java", "postgres")
CATALOGUE = Path(__file__).resolve().parent / "faults.yaml"


@dataclass(frozen=True)
class Fault:
    kind: str
    fix_id: str
    lines: dict[str, tuple[str, ...]]
    effect: str = "errors"
    symptom: str = "5xx"
    level: str = "ERROR"
    rate: float = 0.35  # share of the faulty service's lines after onset that are fault lines
    restarts: bool = False  # the service restarts now and then (startup banner lines)
    description: str = ""


def load_faults(path: Path = CATALOGUE) -> dict[str, Fault]:
    """Read and check the catalogue (a YAML list); ``ValueError`` names a bad entry."""
    faults: dict[str, Fault] = {}
    for raw in yaml.safe_load(path.read_text(encoding="utf-8")):
        raw = dict(raw)
        lines = {lang: tuple(v) for lang, v in (raw.pop("lines", None) or {}).items()}
        fault = Fault(lines=lines, **raw)
        if (fault.effect not in EFFECTS or fault.symptom not in SYMPTOMS
                or not set(lines) <= set(LANGUAGES) or fault.kind in faults):
            raise ValueError(f"{path}: bad fault entry {fault.kind!r}")
        faults[fault.kind] = fault
    return faults


FAULTS: dict[str, Fault] = load_faults()

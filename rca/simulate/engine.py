"""The simulator: one injected fault in a multi-service system, with propagation and noise.

Timeline of a scenario (all deterministic for a given scenario, seed and sizes):

- normal traffic in every service for ``duration`` seconds (``lines`` records per service);
- benign noise from the start to the end: a recurring harmless error in a few unrelated
  services, warnings everywhere, a short burst of 503s between two unrelated services well
  before the fault, a CPU blip from a cron job, and a red herring: a never-seen error in a
  service the fault does not reach, 20-240 s after the fault began;
- at ``fault_time`` (55-70 % into the window) the root service writes its first fault line;
- each transitive caller starts logging symptoms (timeouts, 5xx, refused connections) some
  seconds later, further hops later still; metrics move the same way.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import yaml

from rca.errors import InputError
from rca.simulate.faults import FAULTS, Fault
from rca.simulate.metrics import write_metrics
from rca.simulate import noise
from rca.simulate.render import Line, Renderer
from rca.simulate.wording import banner, normal_line, symptom_line
from rca.simulate.topology import LANGUAGE, Topology, build_topology

_PLACEHOLDER = re.compile(r"\{(\w{1,20})\}")
#: Scenario names (one per fault kind).
SCENARIOS: tuple[str, ...] = tuple(sorted(FAULTS))
_EPOCH = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc).timestamp()
_HOSTS = ("api.partner-bank.com", "rates.fxfeed.io", "hooks.mailer.net", "auth.idp.example.com",
          "labels.shipfast.com", "api.tax-service.eu")

#: Upper bounds of the simulator's arguments (a week, 100k records per service, 10x noise).
MAX_DURATION = 7 * 86400
MAX_LINES = 100_000
MAX_NOISE = 10.0


def simulate(scenario: str, out_dir: str | Path, seed: int = 0, n_services: int = 6,
             duration: int = 1200, lines: int = 400, noise: float = 1.0, step: int = 5,
             vary: bool = False) -> Path:
    """Write one simulated incident to ``out_dir`` and return the folder.

    Files: ``logs/<service>.log`` (pino / winston JSON, python / java / postgres plain text),
    ``metrics.csv`` (``time`` in epoch seconds + ``<service>_<metric>``), ``deps.yaml``
    (``[{caller, callee}]``) and ``truth.json`` (``root_cause_service``, ``fault_kind``,
    ``fix_id``, ``fault_time``, ``signature``...). Same arguments, same bytes.

    ``n_services`` 3..12, ``duration`` seconds, ``lines`` ~records per service, ``noise`` 0
    (none) .. 2 (twice the default), ``step`` metric interval in seconds. ``vary=True``
    changes what is emitted so a ranker cannot rely on one shape: other service names, ECS and
    OpenTelemetry JSON logs (error detail in ``error.*`` / ``exception.*`` fields), and more
    noise in services the fault does not reach (a deploy, a GC storm, a failing cron job).
    """
    if scenario not in FAULTS:
        raise InputError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
    if not (120 <= duration <= MAX_DURATION and 20 <= lines <= MAX_LINES and 1 <= step <= 3600
            and 0 <= noise <= MAX_NOISE and 3 <= n_services <= 12):  # also refuses nan
        raise InputError(f"need 120 <= duration <= {MAX_DURATION} s, 20 <= lines <= {MAX_LINES},"
                         f" 1 <= step <= 3600, 0 <= noise <= {MAX_NOISE} and 3..12 services")
    fault = FAULTS[scenario]
    key = f"{scenario}:{seed}:{n_services}:{duration}:{lines}:{noise}:{step}" + (
        ":vary" if vary else "")
    rng = random.Random(key)
    topo = build_topology(n_services, rng, vary=vary)
    start = _EPOCH + (seed % 28) * 86400 + rng.randrange(0, 3600)
    start = float(int(start))
    end = start + duration
    fault_t = round(start + duration * rng.uniform(0.55, 0.7), 3)
    root = _pick_root(fault, topo, rng)
    sim = _Sim(fault, topo, rng, start, end, fault_t, root, lines, noise, key, vary)
    sim.run()

    out = Path(out_dir)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    for svc in topo.services:
        renderer = Renderer(svc, topo.formats[svc], random.Random(f"{key}:{svc}"))
        recs = sorted(sim.logs[svc], key=lambda ln: ln.t)
        text = "\n".join(renderer.render(r) for r in recs)
        (out / "logs" / f"{svc}.log").write_text(text + "\n", encoding="utf-8")
    metric_rng = np.random.default_rng(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16))
    write_metrics(out / "metrics.csv", topo, fault, root, start, end, fault_t,
                  sim.symptom_start, sim.blip, step, noise, metric_rng)
    deps = [{"caller": a, "callee": b} for a, b in topo.edges]
    (out / "deps.yaml").write_text(yaml.safe_dump(deps, sort_keys=False), encoding="utf-8")
    truth = {
        "scenario": scenario, "seed": seed, "root_cause_service": root,
        "fault_kind": fault.kind, "fix_id": fault.fix_id,
        "fault_time": _iso(fault_t), "signature": sim.signature,
        "description": fault.description,
        "propagation": {s: _iso(t) for s, t in sorted(sim.symptom_start.items())},
        "red_herring": sim.herring,
        "services": list(topo.services), "formats": dict(sorted(topo.formats.items())),
        "params": {"n_services": len(topo.services), "duration": duration, "lines": lines,
                   "noise": noise, "step": step, **({"vary": True} if vary else {})},
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return out


def _pick_root(fault: Fault, topo: Topology, rng: random.Random) -> str:
    candidates = []
    for svc in topo.services:
        lang = LANGUAGE[topo.formats[svc]]
        if topo.tier[svc] == 0 or (fault.effect != "silent" and not fault.lines.get(lang)):
            continue
        if lang == "postgres" and fault.effect == "silent":
            continue
        candidates.append(svc)
    return rng.choice(candidates)


def _iso(t: float) -> str:
    total = int(round(t * 1000))
    dt = datetime.fromtimestamp(total // 1000, timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{total % 1000:03d}Z"


class _Sim:
    """Builds the per-service record lists (before rendering)."""

    def __init__(self, fault: Fault, topo: Topology, rng: random.Random, start: float,
                 end: float, fault_t: float, root: str, lines: int, noise: float,
                 rng_key: str = "", vary: bool = False):
        self.fault, self.topo, self.rng, self.rng_key = fault, topo, rng, rng_key
        self.start, self.end, self.fault_t, self.root = start, end, fault_t, root
        self.lines, self.noise, self.vary = lines, noise, vary
        self.iso = _iso
        self.logs: dict[str, list[Line]] = {s: [] for s in topo.services}
        self.symptom_start: dict[str, float] = {}
        self.signature = ""
        self.blip: tuple[str, float, float] | None = None
        self.herring: dict[str, str] | None = None
        self.ext_host = rng.choice(_HOSTS)
        self.ip = f"10.0.{rng.randint(1, 9)}.{rng.randint(2, 250)}"

    def lang(self, svc: str) -> str:
        return LANGUAGE[self.topo.formats[svc]]

    def params(self, svc: str) -> dict[str, object]:
        r = self.rng
        return {"svc": svc, "host": self.ext_host, "ip": self.ip, "pid": r.randint(7, 32000),
                "port": 3000 if self.lang(svc) == "node" else 8080, "hex": f"{r.randrange(16**8):08x}",
                "hex6": f"{r.randrange(16**6):06x}", "pod": f"{r.randrange(16**6):06x}-{r.randrange(36**5):05x}",
                "n": r.randint(2, 900), "ms": r.randint(300, 4000), "pct": r.randint(91, 99),
                "mb": r.randint(900, 3900), "line": r.randint(3, 60)}

    def fill(self, template: str, svc: str) -> tuple[str, str | None]:
        values = self.params(svc)
        text = _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)
        message, _, exc = text.partition("|")
        return message, (exc or None)

    def times(self, t0: float, t1: float, count: int) -> list[float]:
        return sorted(round(self.rng.uniform(t0, t1), 3) for _ in range(max(0, count)))

    # -- the whole timeline -------------------------------------------------------------------
    def run(self) -> None:
        self.symptom_start = self._propagation()
        for svc in self.topo.services:
            self._traffic(svc)
        noise.benign_noise(self)
        noise.red_herring(self)
        if self.vary:
            noise.varied_noise(self)
        self._fault_lines()
        self._symptoms()

    def _down_after(self, svc: str) -> float | None:
        if svc == self.root and self.fault.effect in ("down", "silent"):
            return self.fault_t
        return None

    def _traffic(self, svc: str) -> None:
        r = self.rng
        count = int(self.lines * r.uniform(0.75, 1.25))
        stop = self._down_after(svc)
        lang = self.lang(svc)
        for t in self.times(self.start, self.end, count):
            if stop is not None and t >= stop:
                continue
            self.logs[svc].append(normal_line(svc, lang, t, r))

    def _propagation(self) -> dict[str, float]:
        slow = self.fault.effect in ("leak",)
        first_hop = (60.0, 150.0) if slow else (2.0, 12.0)
        delay: dict[str, float] = {self.root: 0.0}
        paths = self.topo.upstream_paths(self.root)
        for caller, (depth, callee) in sorted(paths.items(), key=lambda kv: (kv[1][0], kv[0])):
            hop = self.rng.uniform(*first_hop) if depth == 1 else self.rng.uniform(1.0, 6.0)
            delay[caller] = delay[callee] + hop  # a caller fails after the callee it waits on
        room = 0.5 * (self.end - self.fault_t)  # short windows: compress, keep the order
        scale = min(1.0, room / max(delay.values())) if len(delay) > 1 else 1.0
        return {s: round(self.fault_t + d * scale, 3) for s, d in sorted(delay.items())
                if s != self.root}

    def _fault_lines(self) -> None:
        fault, svc = self.fault, self.root
        lang = self.lang(svc)
        variants = fault.lines.get(lang, ())
        if not variants:  # silent service: nothing is written after the fault
            return
        after = self.end - self.fault_t
        per_second = self.lines / (self.end - self.start)
        count = max(8, int(after * per_second * fault.rate * 1.6))
        if fault.effect == "down":
            count = max(count, int(after / 20))
        times = [self.fault_t] + self.times(self.fault_t + 0.05, self.end, count - 1)
        for i, t in enumerate(times):
            message, exc = self.fill(variants[0] if i == 0 else self.rng.choice(variants), svc)
            if i == 0:
                self.signature = message.split("\n", 1)[0].removeprefix("PANIC:  ")
            self.logs[svc].append(Line(t, fault.level, message, exc, logger=f"{svc}.runtime"))
            if fault.restarts and self.rng.random() < 0.5:
                self.logs[svc].append(Line(round(t + self.rng.uniform(1.0, 4.0), 3), "INFO",
                                           banner(svc, lang), logger=f"{svc}.main"))

    def _symptoms(self) -> None:
        paths = self.topo.upstream_paths(self.root)
        per_second = self.lines / (self.end - self.start)
        for caller, t0 in sorted(self.symptom_start.items()):
            depth, callee = paths[caller]
            lang = self.lang(caller)
            share = 0.3 if depth == 1 else 0.18
            count = max(5, int((self.end - t0) * per_second * share * 1.5))
            kind = self.fault.symptom if depth == 1 else "upper"
            for i, t in enumerate([t0] + self.times(t0 + 0.05, self.end, count - 1)):
                message, exc = symptom_line(lang, kind, callee, self.fault.symptom, self.rng,
                                            self.lang(callee) == "postgres")
                self.logs[caller].append(Line(t, "ERROR", message, exc, logger=f"{caller}.client"))

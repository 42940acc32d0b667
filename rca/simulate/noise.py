"""Noise a simulated incident carries besides the fault: recurring benign errors, warnings,
an unrelated 503 burst, a red herring after the fault, and (``vary=True``) deploys, GC storms
and cron failures in services the fault does not reach."""

from __future__ import annotations

import random

from rca.simulate.render import Line
from rca.simulate.wording import (BENIGN_ERRORS, RED_HERRINGS, WARNINGS, banner,
                                  symptom_line)

def red_herring(self) -> None:
    """A short burst of a never-seen error in a service the fault does not reach, some
    time after the fault began (own random stream: the rest of the scenario is unchanged)."""
    unrelated = [s for s in self.topo.services
                 if s != self.root and s not in self.symptom_start]
    if self.noise <= 0 or not unrelated:
        return
    r = random.Random(f"{self.rng_key}:herring")
    svc = r.choice(unrelated)
    t0 = self.fault_t + r.uniform(20, 240)
    times = _times(r, t0, min(t0 + 60, self.end), r.randint(3, 8))
    if times:
        self.herring = {"service": svc, "time": self.iso(times[0]),
                        "text": RED_HERRINGS[self.lang(svc)]}
    for t in times:
        self.logs[svc].append(Line(t, "ERROR", RED_HERRINGS[self.lang(svc)],
                                   logger=f"{svc}.jobs"))


def benign_noise(self) -> None:
    if self.noise <= 0:
        return
    r = self.rng
    others = [s for s in self.topo.services if s != self.root]
    k = max(1, round(len(self.topo.services) / 3))
    noisy = sorted(r.sample(others, min(k, len(others))))
    for svc in noisy:  # a harmless error that recurs all along
        lang = self.lang(svc)
        message = r.choice(BENIGN_ERRORS[lang])
        period = r.uniform(50, 150) / self.noise
        t = self.start + r.uniform(0, period)
        while t < self.end:
            self.logs[svc].append(Line(round(t, 3), "ERROR", message, logger=f"{svc}.background"))
            t += period * r.uniform(0.7, 1.3)
    for svc in self.topo.services:  # unrelated warnings everywhere
        lang = self.lang(svc)
        stop = self._down_after(svc)
        count = int(self.lines * 0.04 * self.noise)
        for t in self.times(self.start, self.end, count):
            if stop is not None and t >= stop:
                continue
            message = r.choice(WARNINGS[lang]).format(n=r.randint(2, 900), ms=r.randint(500, 3000),
                                                       pct=r.randint(21, 40))
            self.logs[svc].append(Line(t, "WARN", message, logger=f"{svc}.app"))
    # a short burst of 503s between two unrelated services, well before the fault
    pairs = [(a, b) for a, b in self.topo.edges
             if self.root not in (a, b) and self.lang(b) != "postgres" and self.lang(a) != "postgres"]
    if pairs:
        caller, callee = r.choice(pairs)
        b0 = self.start + (self.fault_t - self.start) * r.uniform(0.2, 0.5)
        b1 = b0 + r.uniform(15, 40)
        self.blip = (callee, b0, b1)
        for t in self.times(b0, b1, int(6 + 6 * self.noise)):
            message, exc = symptom_line(self.lang(caller), "upper", callee, "5xx", r)
            self.logs[caller].append(Line(t, "ERROR", message, exc, logger=f"{caller}.client"))


def _times(r: random.Random, t0: float, t1: float, count: int) -> list[float]:
    return sorted(round(r.uniform(t0, t1), 3) for _ in range(max(0, count)) if t0 < t1)


def varied_noise(self) -> None:
    """A deploy (stop, start banner), a GC storm (slow-GC warnings) and a failing cron job,
    each in a service the fault does not reach, at random times (own random stream)."""
    unrelated = [s for s in self.topo.services if s != self.root and s not in self.symptom_start
                 and self.lang(s) != "postgres"]
    if self.noise <= 0 or not unrelated:
        return
    r = random.Random(f"{self.rng_key}:varied")
    span = self.end - self.start
    deploy = r.choice(unrelated)
    t = self.start + span * r.uniform(0.2, 0.9)
    self.logs[deploy].append(Line(round(t, 3), "WARN", "received SIGTERM, shutting down",
                                  logger=f"{deploy}.main"))
    self.logs[deploy].append(Line(round(t + r.uniform(5, 20), 3), "INFO",
                                  banner(deploy, self.lang(deploy)), logger=f"{deploy}.main"))
    storm = r.choice(unrelated)
    t0 = self.start + span * r.uniform(0.1, 0.9)
    for t in _times(r, t0, min(t0 + 90, self.end), r.randint(8, 20)):
        self.logs[storm].append(Line(t, "WARN", f"GC pause (G1 Evacuation Pause) "
                                     f"{r.randint(400, 2500)}ms, heap {r.randint(70, 89)}% full",
                                     logger=f"{storm}.gc"))
    cron = r.choice(unrelated)
    t0 = self.start + span * r.uniform(0.1, 0.9)
    for t in _times(r, t0, min(t0 + 30, self.end), r.randint(2, 5)):
        self.logs[cron].append(Line(t, "ERROR", "cron job nightly-export failed: "
                                    "exit status 2 (report template missing column 'region')",
                                    logger=f"{cron}.cron"))

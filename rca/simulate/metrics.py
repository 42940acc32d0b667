"""Simulated metrics: a wide CSV, ``time`` in epoch seconds + ``<service>_<metric>`` columns.

Per service: ``cpu`` (%), ``mem`` (MB), ``lat_50`` and ``lat_99`` (ms), ``error_rate``
(0..1), ``rps`` and ``disk`` (% used). Values carry multiplicative jitter and a daily-like
wave; the root service moves according to the fault's effect from the fault time on, callers
from the moment their symptoms start, and a cron-job CPU blip and the noise burst of 503s
show up in unrelated services.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rca.simulate.faults import Fault
from rca.simulate.topology import Topology

METRICS = ("cpu", "mem", "lat_50", "lat_99", "error_rate", "rps", "disk")


def _ramp(t: np.ndarray, t0: float, seconds: float) -> np.ndarray:
    return np.clip((t - t0) / max(seconds, 1e-9), 0.0, 1.0)


def write_metrics(path: Path, topo: Topology, fault: Fault, root: str, start: float,
                  end: float, fault_t: float, symptom_start: dict[str, float],
                  blip: tuple[str, float, float] | None, step: int, noise: float,
                  rng: np.random.Generator) -> None:
    t = np.arange(start, end + 1e-9, step, dtype=float)
    n = len(t)
    columns: dict[str, np.ndarray] = {}
    jitter = 0.02 + 0.02 * min(noise, 2.0)
    for svc in topo.services:
        base = {"cpu": rng.uniform(8, 40), "mem": rng.uniform(200, 900),
                "lat_50": rng.uniform(4, 40), "error_rate": rng.uniform(0.001, 0.01),
                "rps": rng.uniform(20, 200), "disk": rng.uniform(30, 70)}
        wave = 1 + 0.08 * np.sin(2 * np.pi * (t - start) / rng.uniform(600, 1800) + rng.uniform(0, 6))
        cpu = base["cpu"] * wave
        mem = np.full(n, base["mem"]) + np.cumsum(rng.normal(0, 0.3, n))
        lat = base["lat_50"] * (0.9 + 0.1 * wave)
        err = np.full(n, base["error_rate"])
        rps = base["rps"] * wave
        disk = base["disk"] + 0.002 * (t - start) / step
        if svc == root:
            cpu, mem, lat, err, rps, disk = _root_effect(fault.effect, t, fault_t, end, cpu, mem,
                                                         lat, err, rps, disk, rng)
        elif svc in symptom_start:
            t0 = symptom_start[svc]
            ramp = _ramp(t, t0, 20)
            err = err + ramp * rng.uniform(0.08, 0.3)
            slow = 8.0 if fault.symptom == "timeout" else 1.6
            lat = lat * (1 + ramp * (slow - 1))
            rps = rps * (1 - 0.15 * ramp)
        if noise > 0 and blip is not None and svc == blip[0]:
            inside = (t >= blip[1]) & (t <= blip[2])
            err = err + inside * 0.2
            lat = lat * (1 + inside * 0.5)
        mult = lambda: 1 + rng.normal(0, jitter, n)  # noqa: E731 - fresh jitter per series
        silent_mask = (t >= fault_t) if (svc == root and fault.effect == "silent") else np.zeros(n, bool)
        lat99 = lat * rng.uniform(3, 6) * mult()
        columns[f"{svc}_cpu"] = np.clip(cpu * mult(), 0, 100)
        columns[f"{svc}_mem"] = np.maximum(mem * (1 + rng.normal(0, jitter / 4, n)), 10)
        columns[f"{svc}_lat_50"] = np.where(silent_mask, lat, np.maximum(lat * mult(), 0.5))
        columns[f"{svc}_lat_99"] = np.where(silent_mask, lat * 4, np.maximum(lat99, 1.0))
        columns[f"{svc}_error_rate"] = np.clip(err * np.where(silent_mask, 1, mult()), 0, 1)
        columns[f"{svc}_rps"] = np.maximum(rps * mult(), 0)
        columns[f"{svc}_disk"] = np.clip(disk + rng.normal(0, 0.05, n), 0, 100)
    if noise > 0:  # a cron job's CPU blip in an unrelated service
        others = [s for s in topo.services if s != root]
        svc = others[int(rng.integers(len(others)))]
        t0 = start + (fault_t - start) * rng.uniform(0.1, 0.8)
        inside = (t >= t0) & (t <= t0 + rng.uniform(20, 60))
        columns[f"{svc}_cpu"] = np.clip(columns[f"{svc}_cpu"] + inside * rng.uniform(20, 45), 0, 100)
    _write(path, t, columns)


def _root_effect(effect, t, fault_t, end, cpu, mem, lat, err, rps, disk, rng):
    after = t >= fault_t
    if effect == "errors":
        r = _ramp(t, fault_t, 15)
        err = err + r * rng.uniform(0.2, 0.5)
        lat = lat * (1 + 0.3 * r)
    elif effect == "slow":
        r = _ramp(t, fault_t, 30)
        lat = lat * (1 + r * rng.uniform(8, 20))
        err = err + r * rng.uniform(0.1, 0.25)
        cpu = cpu * (1 - 0.2 * r)
    elif effect == "cpu":
        r = _ramp(t, fault_t, 30)
        cpu = cpu + r * (rng.uniform(92, 99) - cpu)
        lat = lat * (1 + 3 * r)
        err = err + r * 0.04
    elif effect == "leak":
        slope = rng.uniform(1.5, 4.0)  # MB per second
        mem = mem + np.maximum(t - fault_t, 0) * slope
        r = _ramp(t, fault_t, end - fault_t)
        lat = lat * (1 + 1.5 * r)
        err = err + 0.02 * r
    elif effect == "oom":
        period = rng.uniform(45, 90)
        phase = np.where(after, ((t - fault_t) % period) / period, 0.0)
        mem = mem + phase * mem * 2.5
        err = err + after * 0.12
        cpu = cpu * (1 + 0.6 * (phase < 0.1) * after)
    elif effect == "disk":
        disk = disk + _ramp(t, fault_t - 240, 240) * (100 - disk)
        err = err + after * rng.uniform(0.2, 0.5)
    elif effect == "down":
        rps = np.where(after, rps * 0.03, rps)
        err = np.where(after, rng.uniform(0.85, 1.0), err)
        cpu = np.where(after, 3 + 30 * (rng.random(len(t)) < 0.15), cpu)
        mem = np.where(after, mem * 0.4, mem)
    elif effect == "silent":
        rps = np.where(after, 0.0, rps)
        cpu = np.where(after, 0.6, cpu)
        err = np.where(after, 0.0, err)
        lat = np.where(after, lat[np.searchsorted(t, fault_t) - 1], lat)
    return cpu, mem, lat, err, rps, disk


def _write(path: Path, t: np.ndarray, columns: dict[str, np.ndarray]) -> None:
    names = list(columns)
    lines = ["time," + ",".join(names)]
    for i in range(len(t)):
        values = []
        for name in names:
            v = columns[name][i]
            values.append(f"{v:.4f}" if name.endswith("error_rate") else f"{v:.2f}")
        lines.append(f"{int(t[i])}," + ",".join(values))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

"""Silence detection: a series (a heartbeat, a service's log volume) that stops is an anomaly.

:class:`SilenceDetector` learns the usual gap between observations of each source (a running
median-like estimate) and scores the current silence of each source: 0 while the gap is within
``factor`` times the usual gap, rising towards 1 as it grows longer.

>>> sd = SilenceDetector(factor=3.0)
>>> for t in range(0, 600, 10):
...     sd.observe("api", t)
>>> sd.score("api", now=615) == 0.0, sd.score("api", now=700) > 0.5
(True, True)
>>> [s.source for s in sd.silent(now=700)]
['api']
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Silence:
    """A source that went quiet: last seen at ``last_seen``, silent for ``gap`` seconds."""

    source: str
    last_seen: float
    gap: float
    usual_gap: float
    score: float


class SilenceDetector:
    """Per-source inter-arrival tracking (timestamps in seconds).

    Parameters
    ----------
    factor
        A gap up to ``factor`` times the usual gap is normal.
    min_events
        Sources seen fewer times than this are never reported (no usual gap yet).
    alpha
        Weight of a new gap in the running (log-space) mean of gaps.
    """

    def __init__(self, factor: float = 3.0, min_events: int = 5, alpha: float = 0.05):
        self.factor = factor
        self.min_events = min_events
        self.alpha = alpha
        self.sources_: dict[str, dict] = {}

    def observe(self, source: str, timestamp: float, count: int = 1) -> None:
        """Record ``count`` events of ``source`` at ``timestamp`` (seconds)."""
        st = self.sources_.setdefault(source, {"last": None, "log_gap": None, "n": 0})
        t = float(timestamp)
        if st["last"] is not None and t > st["last"]:
            lg = math.log(t - st["last"])
            st["log_gap"] = lg if st["log_gap"] is None else (1 - self.alpha) * st["log_gap"] + self.alpha * lg
        if st["last"] is None or t > st["last"]:
            st["last"] = t
        st["n"] += count

    def usual_gap(self, source: str) -> float | None:
        st = self.sources_.get(source)
        if not st or st["log_gap"] is None or st["n"] < self.min_events:
            return None
        return math.exp(st["log_gap"])

    def score(self, source: str, now: float) -> float:
        """0 while the current gap is normal, then ``1 - factor * usual / gap`` (towards 1)."""
        usual = self.usual_gap(source)
        if usual is None:
            return 0.0
        gap = float(now) - self.sources_[source]["last"]
        limit = self.factor * usual
        return 0.0 if gap <= limit else 1.0 - limit / gap

    def silent(self, now: float, min_score: float = 0.0) -> list[Silence]:
        """Sources silent for longer than usual at time ``now``, most silent first."""
        out = []
        for src, st in self.sources_.items():
            s = self.score(src, now)
            if s > min_score:
                out.append(Silence(src, st["last"], float(now) - st["last"], self.usual_gap(src), s))
        return sorted(out, key=lambda s: -s.score)

    def to_dict(self) -> dict:
        return {"factor": self.factor, "min_events": self.min_events, "alpha": self.alpha,
                "sources": self.sources_}

    @classmethod
    def from_dict(cls, d: dict) -> "SilenceDetector":
        sd = cls(d["factor"], d["min_events"], d["alpha"])
        sd.sources_ = {k: dict(v) for k, v in d["sources"].items()}
        return sd


def silence_scores(times, values, factor: float = 3.0, window: int = 20):
    """Scores for a sampled *volume* series (e.g. log lines per minute): 1 where the volume
    drops to zero after being steadily non-zero for ``window`` samples, else 0."""
    import numpy as np

    v = np.nan_to_num(np.asarray(values, dtype=float))
    active = np.convolve((v > 0).astype(float), np.ones(window), mode="full")[: len(v)]
    prev_active = np.r_[0.0, active[:-1]]
    return ((v <= 0) & (prev_active >= window)).astype(float)

"""``NoveltyDetector``: a streaming detector scoring how *new* a value is for its series.

Three cheap signals per series, each turned into an event whose score is its rarity
``1 - (events so far) / (points so far)`` (a series that often produces such events gets lower
scores, so one threshold fits quiet and noisy series alike):

* **range novelty** — the value leaves the range seen so far by more than ``tolerance`` times
  its width (as HTM's "spatial anomaly");
* **context novelty** — a tuple of quantised values (``bins`` buckets over the running range;
  ``order`` values ``lag`` steps apart, on the raw or moving-average series) never seen before,
  in the spirit of the NAB contextOSE/ARTime detectors;
* **deviation records** — the windowed z-score of the value (``z_window`` previous values)
  beats every earlier z-score of the series by ``z_tolerance`` (and exceeds ``z_min``).

The row score is the largest of these; right after a score of ``refractory_level`` or more,
scores are damped for a few points so that a burst of events alarms once. Every score is a
rarity (the share of the series' past points that were *not* such an event), so the alarm
threshold is a property of the score, the same for every series; ``benchmarks/nab.py`` chooses
the defaults and that threshold by leave-one-category-out on the NAB corpus.

Warm-up: the first ``warm_up`` points of each series are learned but scored 0 (like NAB's
probationary period); :attr:`n_seen` and :attr:`is_warming_up` tell a front end whether the
detector is still in that phase (e.g. to show "warming up" instead of a score).

Memory per series is bounded: ring buffers of at most ``z_window`` values and sets of at most
``(bins + 1) ** order`` contexts. Each feature of ``x`` is its own series and the score of a
row is the maximum over its features. State round-trips through JSON (:meth:`to_dict`).
Every path (``score_one``, ``learn_one``, ``score_learn_one``, :meth:`score_learn_many`)
runs the one vectorised routine of :class:`~rca.detect.online._novelty_state.SeriesState`, so
they give the same scores.

>>> det = NoveltyDetector()
>>> scores = []
>>> for i in range(400):
...     x = {"cpu": 0.5 + 0.01 * (i % 7)}
...     scores.append(det.score_one(x))
...     det.learn_one(x)
>>> max(scores[50:]) == 0.0, round(det.score_one({"cpu": 5.0}), 4)
(True, 0.9975)
"""

from __future__ import annotations

import math

import numpy as np
from river import base

from rca.detect.online._novelty_state import SeriesState

#: Default contexts: (bins, order, source, lag); source "x" (raw) or "sm" (moving average).
DEFAULT_CONTEXTS = ((20, 1, "x", 1), (10, 2, "sm", 20))
SOURCES = ("x", "sm")


def _damping(tau: float) -> np.ndarray:
    """``1 - exp(-gap / tau)`` for gap = 0, 1, ... until it rounds to 1."""
    if tau <= 0:
        return np.ones(1)
    gaps = np.arange(0, int(60 * tau) + 2, dtype=float)
    return 1.0 - np.exp(-gaps / tau)


class NoveltyDetector(base.AnomalyDetector):
    """Streaming novelty detector (river API); see the module docstring.

    Parameters
    ----------
    tolerance
        Range novelty fires beyond ``tolerance`` times the width of the range seen so far.
    smooth
        Length of the moving average used by ``"sm"`` contexts.
    contexts
        Tuple of ``(bins, order, source, lag)`` context definitions.
    z_window
        Number of previous values in the z-score window.
    z_tolerance
        A deviation record must beat the largest earlier z-score by this fraction...
    z_min
        ... and exceed this z-score.
    refractory
        After a score of at least ``refractory_level``, the next scores are damped by
        ``1 - exp(-gap / refractory)`` (``gap`` = points since then; 0 disables), so a burst
        of events alarms once.
    refractory_level
        Score that starts a refractory period.
    warm_up
        Points per series that are learned but scored 0 (see :attr:`is_warming_up`).
    """

    def __init__(self, tolerance: float = 0.05, smooth: int = 5,
                 contexts: tuple = DEFAULT_CONTEXTS, z_window: int = 100,
                 z_tolerance: float = 0.2, z_min: float = 2.0, refractory: float = 8.0,
                 refractory_level: float = 0.96, warm_up: int = 50):
        self.tolerance = tolerance
        self.smooth = smooth
        self.contexts = contexts
        self.z_window = z_window
        self.z_tolerance = z_tolerance
        self.z_min = z_min
        self.refractory = refractory
        self.refractory_level = refractory_level
        self.warm_up = warm_up
        self._series: dict = {}

    @property
    def n_seen(self) -> int:
        """Points learned so far by the least-fed series (0 before any)."""
        return min((st.n for st in self._series.values()), default=0)

    @property
    def is_warming_up(self) -> bool:
        """True until every series has learned ``warm_up`` points (and before any point)."""
        return self.n_seen < self.warm_up

    def damping_table(self) -> np.ndarray:
        table = self.__dict__.get("_table")
        if table is None or self.__dict__.get("_table_tau") != self.refractory:
            table = _damping(self.refractory)
            self.__dict__["_table"], self.__dict__["_table_tau"] = table, self.refractory
        return table

    def sources(self) -> list[str]:
        found = sorted({c[2] for c in self.contexts})
        for s in found:
            if s not in SOURCES:
                raise ValueError(f"context source {s!r} is not one of {', '.join(SOURCES)}")
        return found

    def _state(self, key) -> SeriesState:
        st = self._series.get(key)
        if st is None:
            st = self._series[key] = SeriesState(self)
        return st

    def _step(self, key, v: float, learn: bool) -> float:
        return float(self._state(key).run(self, np.array([v]), commit=learn)[0])

    @staticmethod
    def _values(x: dict):
        for key, v in x.items():
            try:
                f = float(v)
            except (TypeError, ValueError):
                continue
            if math.isfinite(f):
                yield key, f

    def learn_one(self, x: dict) -> None:
        for key, v in self._values(x):
            self._step(key, v, learn=True)

    def score_one(self, x: dict) -> float:
        best = 0.0
        for key, v in self._values(x):
            if key not in self._series:  # never seen: nothing to compare with (no state change)
                continue
            best = max(best, self._step(key, v, learn=False))
        return best

    def score_learn_one(self, x: dict) -> float:
        """``score_one(x)`` then ``learn_one(x)`` in one pass (the same score, half the work)."""
        best = 0.0
        for key, v in self._values(x):
            new = key not in self._series
            s = self._step(key, v, learn=True)
            best = max(best, 0.0 if new else s)
        return best

    def score_learn_many(self, values, key="x") -> np.ndarray:
        """Prequential scores of a 1-D array for series ``key`` (score each point, then learn
        it), vectorised; identical to ``score_one`` + ``learn_one`` in a loop. NaN -> 0."""
        a = np.asarray(values, dtype=float)
        out = np.zeros(len(a))
        ok = np.isfinite(a)
        if ok.any():
            new = key not in self._series
            st = self._state(key)
            res = st.run(self, a[ok])
            if new:
                res[0] = 0.0  # score_one of an unseen series is 0
            out[ok] = res
        return out

    def learn_many(self, values, key="x") -> None:
        """Learn a 1-D array for series ``key`` (vectorised)."""
        self.score_learn_many(values, key)

    def to_dict(self) -> dict:
        """Parameters and per-series state as plain JSON-able data."""
        return {"params": self._get_params(), "series": {str(k): s.to_dict() for k, s in self._series.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> "NoveltyDetector":
        params = dict(d["params"])
        if "warmup" in params:  # states saved before the parameter was renamed
            params["warm_up"] = params.pop("warmup")
        params["contexts"] = tuple(tuple(c) for c in params.get("contexts", DEFAULT_CONTEXTS))
        det = cls(**params)
        det._series = {k: SeriesState.from_dict(det, s) for k, s in d["series"].items()}
        return det

    @classmethod
    def _unit_test_params(cls):
        yield {"z_window": 20, "warm_up": 5}

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
scores are damped for a few points so that a burst of events alarms once. The defaults were
tuned on the NAB corpus (see ``benchmarks/results/nab.md``) and are the same for every series.

Memory per series is bounded: ring buffers of at most ``z_window`` values and sets of at most
``(bins + 1) ** order`` contexts. Each feature of ``x`` is its own series and the score of a
row is the maximum over its features. State round-trips through JSON (:meth:`to_dict`).
:meth:`score_learn_many` is a vectorised prequential path giving the same scores as
``score_one`` then ``learn_one`` point by point.

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
from collections import deque

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from river import base

#: Default contexts: (bins, order, source, lag); source "x" (raw) or "sm" (moving average).
DEFAULT_CONTEXTS = ((20, 1, "x", 1), (10, 2, "sm", 20))
_CHUNK = 8192


def _bin(v: float, lo: float, hi: float, bins: int) -> int:
    rng = hi - lo if hi > lo else 1.0
    return min(max(math.floor((v - lo) / rng * bins), 0), bins - 1)


def _damping(tau: float) -> np.ndarray:
    """``1 - exp(-gap / tau)`` for gap = 0, 1, ... until it rounds to 1 (shared by both paths)."""
    if tau <= 0:
        return np.ones(1)
    gaps = np.arange(0, int(60 * tau) + 2, dtype=float)
    return 1.0 - np.exp(-gaps / tau)


class _Series:
    """State of one series (plain data; see :meth:`to_dict`)."""

    def __init__(self, det: "NoveltyDetector"):
        self.n = 0
        self.lo = math.inf
        self.hi = -math.inf
        self.last = math.nan
        self.sm_buf: deque = deque(maxlen=max(det.smooth - 1, 0))
        self.src_range = {s: [math.inf, -math.inf] for s in det._sources()}
        self.ctx = [{"hist": deque(maxlen=(k - 1) * lag), "seen": set(), "distinct": 0}
                    for (_b, k, _s, lag) in det.contexts]
        self.z_buf: deque = deque(maxlen=det.z_window)
        self.z_max = 0.0
        self.z_events = 0
        self.range_events = 0
        self.last_hit = -1  # index of the last score >= refractory_level (-1: none)

    # -- one point -------------------------------------------------------------------------
    def step(self, det: "NoveltyDetector", a: float, learn: bool) -> float:
        n = self.n
        src = {"x": a}
        if "sm" in self.src_range:
            acc = 0.0
            for v in self.sm_buf:
                acc = acc + v
            acc = acc + a
            src["sm"] = acc / (len(self.sm_buf) + 1)
        if "dx" in self.src_range:
            src["dx"] = 0.0 if n == 0 else a - self.last
        t = n + 1
        score = 0.0
        range_event = False
        if n:
            width = self.hi - self.lo
            if a > self.hi + det.tolerance * width or a < self.lo - det.tolerance * width:
                range_event = True
                score = 1.0 - (self.range_events + 1) / t
        bins_now = {}
        for s, (lo, hi) in self.src_range.items():
            bins_now[s] = (min(lo, src[s]), max(hi, src[s]))
        keys = []
        for c, (bins, k, s, lag) in zip(self.ctx, det.contexts):
            lo, hi = bins_now[s]
            b = _bin(src[s], lo, hi, bins)
            hist = c["hist"]
            key = b + 1
            for j in range(1, k):
                idx = len(hist) - j * lag
                key = key * (bins + 1) + ((hist[idx] + 1) if idx >= 0 else 0)
            novel = key not in c["seen"]
            if novel:
                score = max(score, 1.0 - (c["distinct"] + 1) / t)
            keys.append((b, key, novel))
        z = 0.0
        if len(self.z_buf) == det.z_window:
            w = np.asarray(self.z_buf, dtype=float)
            m = w.mean()
            sd = math.sqrt(((w - m) ** 2).sum() / (det.z_window - 1))
            z = abs(a - m) / (sd + 1e-9 * (1 + abs(m)) + 1e-12)
        z_event = z > self.z_max * (1 + det.z_tolerance) and z > det.z_min
        if z_event:
            score = max(score, 1.0 - (self.z_events + 1) / t)
        if n < det.warmup:
            score = 0.0
        hit = score >= det.refractory_level
        if self.last_hit >= 0:
            table = det._damping_table()
            gap = n - self.last_hit
            score = score * (float(table[gap]) if gap < len(table) else 1.0)
        if learn:
            if hit:
                self.last_hit = n
            self.n = t
            self.lo, self.hi = min(self.lo, a), max(self.hi, a)
            self.last = a
            if self.sm_buf.maxlen:
                self.sm_buf.append(a)
            for s in self.src_range:
                self.src_range[s] = list(bins_now[s])
            for c, (b, key, novel) in zip(self.ctx, keys):
                if c["hist"].maxlen:
                    c["hist"].append(b)
                if novel:
                    c["seen"].add(key)
                    c["distinct"] += 1
            self.z_buf.append(a)
            self.z_max = max(self.z_max, z)
            self.z_events += int(z_event)
            self.range_events += int(range_event)
        return score

    # -- many points (prequential, vectorised) ---------------------------------------------
    def run(self, det: "NoveltyDetector", a: np.ndarray) -> np.ndarray:
        out = np.empty(len(a))
        for start in range(0, len(a), _CHUNK):
            out[start:start + _CHUNK] = self._run(det, a[start:start + _CHUNK])
        return out

    def _run(self, det: "NoveltyDetector", a: np.ndarray) -> np.ndarray:
        m = len(a)
        n0 = self.n
        t = n0 + np.arange(1, m + 1, dtype=float)
        # range novelty against the range before each point
        cum_hi = np.maximum.accumulate(np.r_[self.hi, a])
        cum_lo = np.minimum.accumulate(np.r_[self.lo, a])
        p_hi, p_lo = cum_hi[:-1], cum_lo[:-1]
        with np.errstate(invalid="ignore"):
            width = p_hi - p_lo
            range_event = (a > p_hi + det.tolerance * width) | (a < p_lo - det.tolerance * width)
        if n0 == 0:
            range_event[0] = False
        range_count = self.range_events + np.cumsum(range_event)
        score = np.where(range_event, 1.0 - range_count / t, 0.0)
        src = {"x": a}
        if "sm" in self.src_range:
            prev = np.asarray(self.sm_buf, dtype=float)
            ext = np.r_[prev, a]
            s_len = det.smooth
            acc = np.zeros(m)
            for j in range(s_len - 1, -1, -1):
                idx = np.arange(m) + len(prev) - j
                ok = idx >= 0
                acc = acc + np.where(ok, ext[np.clip(idx, 0, None)], 0.0)
            cnt = np.minimum(np.arange(m) + len(prev) + 1, s_len)
            src["sm"] = acc / cnt
        if "dx" in self.src_range:
            src["dx"] = np.diff(np.r_[a[0] if n0 == 0 else self.last, a])
        ranges = {}
        for s, (lo, hi) in self.src_range.items():
            ranges[s] = (np.minimum.accumulate(np.r_[lo, src[s]])[1:],
                         np.maximum.accumulate(np.r_[hi, src[s]])[1:])
        for c, (bins, k, s, lag) in zip(self.ctx, det.contexts):
            lo, hi = ranges[s]
            rng = np.where(hi > lo, hi - lo, 1.0)
            b = np.clip(np.floor((src[s] - lo) / rng * bins), 0, bins - 1).astype(np.int64)
            hist = np.asarray(c["hist"], dtype=np.int64)
            ext = np.r_[hist, b]
            pos = np.arange(m) + len(hist)
            key = b + 1
            for j in range(1, k):
                idx = pos - j * lag
                key = key * (bins + 1) + np.where(idx >= 0, ext[np.clip(idx, 0, None)] + 1, 0)
            _, first = np.unique(key, return_index=True)
            novel = np.zeros(m, dtype=bool)
            novel[first] = True
            if c["seen"]:
                novel &= ~np.isin(key, np.fromiter(c["seen"], dtype=np.int64))
            distinct = c["distinct"] + np.cumsum(novel)
            score = np.maximum(score, np.where(novel, 1.0 - distinct / t, 0.0))
            if c["hist"].maxlen:
                c["hist"].extend(b[-c["hist"].maxlen:].tolist())
            c["seen"].update(key[novel].tolist())
            c["distinct"] = int(distinct[-1])
        zw = det.z_window
        ext = np.r_[np.asarray(self.z_buf, dtype=float), a]
        z = np.zeros(m)
        pos = np.arange(m) + len(self.z_buf)
        valid = pos >= zw
        if valid.any():
            win = sliding_window_view(ext, zw)[pos[valid] - zw]
            mean = win.mean(axis=1)
            sd = np.sqrt(((win - mean[:, None]) ** 2).sum(axis=1) / (zw - 1))
            z[valid] = np.abs(a[valid] - mean) / (sd + 1e-9 * (1 + np.abs(mean)) + 1e-12)
        z_prev = np.maximum.accumulate(np.r_[self.z_max, z])[:-1]
        z_event = (z > z_prev * (1 + det.z_tolerance)) & (z > det.z_min)
        z_count = self.z_events + np.cumsum(z_event)
        score = np.maximum(score, np.where(z_event, 1.0 - z_count / t, 0.0))
        if n0 < det.warmup:
            score[: det.warmup - n0] = 0.0
        idx = n0 + np.arange(m)
        hit = score >= det.refractory_level
        last = np.maximum.accumulate(np.r_[self.last_hit, np.where(hit, idx, -1)])[:-1]
        if (last >= 0).any():
            table = det._damping_table()
            gap = idx - last
            factor = np.where(gap < len(table), table[np.minimum(gap, len(table) - 1)], 1.0)
            score = np.where(last >= 0, score * factor, score)
        if hit.any():
            self.last_hit = int(idx[hit][-1])
        # commit state
        self.n = n0 + m
        self.lo, self.hi = float(cum_lo[-1]), float(cum_hi[-1])
        self.last = float(a[-1])
        if self.sm_buf.maxlen:
            self.sm_buf.extend(a[-self.sm_buf.maxlen:].tolist())
        for s in self.src_range:
            self.src_range[s] = [float(ranges[s][0][-1]), float(ranges[s][1][-1])]
        self.z_buf.extend(a[-zw:].tolist())
        self.z_max = float(max(self.z_max, z.max()))
        self.z_events = int(z_count[-1])
        self.range_events = int(range_count[-1])
        return score

    # -- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        fin = lambda v: v if math.isfinite(v) else None  # noqa: E731
        return {"n": self.n, "lo": fin(self.lo), "hi": fin(self.hi), "last": fin(self.last),
                "sm_buf": list(self.sm_buf),
                "src_range": {s: [fin(v[0]), fin(v[1])] for s, v in self.src_range.items()},
                "ctx": [{"hist": list(c["hist"]), "seen": sorted(c["seen"]), "distinct": c["distinct"]}
                        for c in self.ctx],
                "z_buf": list(self.z_buf), "z_max": self.z_max, "z_events": self.z_events,
                "range_events": self.range_events, "last_hit": self.last_hit}

    @classmethod
    def from_dict(cls, det: "NoveltyDetector", d: dict) -> "_Series":
        self = cls(det)
        val = lambda v, default: default if v is None else float(v)  # noqa: E731
        self.n = int(d["n"])
        self.lo, self.hi = val(d["lo"], math.inf), val(d["hi"], -math.inf)
        self.last = val(d["last"], math.nan)
        self.sm_buf.extend(d["sm_buf"])
        for s, (lo, hi) in d["src_range"].items():
            self.src_range[s] = [val(lo, math.inf), val(hi, -math.inf)]
        for c, dc in zip(self.ctx, d["ctx"]):
            c["hist"].extend(dc["hist"])
            c["seen"] = set(dc["seen"])
            c["distinct"] = int(dc["distinct"])
        self.z_buf.extend(d["z_buf"])
        self.z_max = float(d["z_max"])
        self.z_events = int(d["z_events"])
        self.range_events = int(d.get("range_events", 0))
        self.last_hit = int(d.get("last_hit", -1))
        return self


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
    warmup
        Points per series scored 0 while the detector learns.
    """

    def __init__(self, tolerance: float = 0.05, smooth: int = 5,
                 contexts: tuple = DEFAULT_CONTEXTS, z_window: int = 100,
                 z_tolerance: float = 0.2, z_min: float = 2.0, refractory: float = 5.0,
                 refractory_level: float = 0.96, warmup: int = 50):
        self.tolerance = tolerance
        self.smooth = smooth
        self.contexts = contexts
        self.z_window = z_window
        self.z_tolerance = z_tolerance
        self.z_min = z_min
        self.refractory = refractory
        self.refractory_level = refractory_level
        self.warmup = warmup
        self._series: dict = {}

    def _damping_table(self) -> np.ndarray:
        table = self.__dict__.get("_table")
        if table is None or self.__dict__.get("_table_tau") != self.refractory:
            table = _damping(self.refractory)
            self.__dict__["_table"], self.__dict__["_table_tau"] = table, self.refractory
        return table

    def _sources(self) -> list[str]:
        return sorted({c[2] for c in self.contexts})

    def _state(self, key) -> _Series:
        st = self._series.get(key)
        if st is None:
            st = self._series[key] = _Series(self)
        return st

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
            self._state(key).step(self, v, learn=True)

    def score_one(self, x: dict) -> float:
        best = 0.0
        for key, v in self._values(x):
            st = self._series.get(key)
            if st is None:  # never seen: nothing to compare with (and no state change)
                continue
            best = max(best, st.step(self, v, learn=False))
        return best

    def score_learn_one(self, x: dict) -> float:
        """``score_one(x)`` then ``learn_one(x)`` in one pass (the same score, half the work)."""
        best = 0.0
        for key, v in self._values(x):
            new = key not in self._series
            s = self._state(key).step(self, v, learn=True)
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
        params["contexts"] = tuple(tuple(c) for c in params.get("contexts", DEFAULT_CONTEXTS))
        det = cls(**params)
        det._series = {k: _Series.from_dict(det, s) for k, s in d["series"].items()}
        return det

    @classmethod
    def _unit_test_params(cls):
        yield {"z_window": 20, "warmup": 5}

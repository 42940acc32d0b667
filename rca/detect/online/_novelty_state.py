"""Per-series state of :class:`~rca.detect.online.novelty.NoveltyDetector` and its one scoring
routine, :meth:`SeriesState.run`: vectorised over a block of points, prequential (each point is
scored against the state left by the points before it), committing the new state only when
asked (``score_one`` scores without learning by running a block of one point uncommitted).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

_CHUNK = 8192


def _prefix(state_value: float, values: np.ndarray, fn) -> np.ndarray:
    """``fn``-accumulate (max or min) of ``values`` starting from ``state_value``, one per value:
    the running extreme *including* each value."""
    return fn.accumulate(np.r_[state_value, values])[1:]


def _moving_average(prev: np.ndarray, a: np.ndarray, length: int) -> np.ndarray:
    """Mean of each value and up to ``length - 1`` values before it (``prev`` = earlier ones)."""
    ext, m = np.r_[prev, a], len(a)
    acc = np.zeros(m)
    for j in range(length - 1, -1, -1):  # oldest first: the same sums for any block size
        idx = np.arange(m) + len(prev) - j
        acc = acc + np.where(idx >= 0, ext[np.clip(idx, 0, None)], 0.0)
    return acc / np.minimum(np.arange(m) + len(prev) + 1, length)


class SeriesState:
    """What the detector remembers about one series (plain data; JSON via :meth:`to_dict`)."""

    def __init__(self, det):
        self.n = 0
        self.lo, self.hi = math.inf, -math.inf
        self.sm_buf: deque = deque(maxlen=max(det.smooth - 1, 0))
        self.src_range = {s: [math.inf, -math.inf] for s in det.sources()}
        self.ctx = [{"hist": deque(maxlen=(k - 1) * lag), "seen": set(), "distinct": 0}
                    for (_b, k, _s, lag) in det.contexts]
        self.z_buf: deque = deque(maxlen=det.z_window)
        self.z_max = 0.0
        self.z_events = 0
        self.range_events = 0
        self.last_hit = -1  # index of the last score >= refractory_level (-1: none)

    def run(self, det, a: np.ndarray, commit: bool = True) -> np.ndarray:
        """Prequential scores of the points ``a`` (finite floats), in blocks of bounded size."""
        if not commit:
            return self._block(det, a, commit=False)
        out = np.empty(len(a))
        for start in range(0, len(a), _CHUNK):
            out[start:start + _CHUNK] = self._block(det, a[start:start + _CHUNK], commit=True)
        return out

    def _block(self, det, a: np.ndarray, commit: bool) -> np.ndarray:
        m, n0 = len(a), self.n
        t = n0 + np.arange(1, m + 1, dtype=float)
        new: dict = {}
        score = self._range_score(det, a, t, new)
        src = {"x": a}
        if "sm" in self.src_range:
            src["sm"] = _moving_average(np.asarray(self.sm_buf, dtype=float), a, det.smooth)
        ranges = {s: (_prefix(lo, src[s], np.minimum), _prefix(hi, src[s], np.maximum))
                  for s, (lo, hi) in self.src_range.items()}
        new["ctx"] = []
        for c, spec in zip(self.ctx, det.contexts):
            score = np.maximum(score, self._context_score(c, spec, src, ranges, t, new))
        score = np.maximum(score, self._deviation_score(det, a, t, new))
        if n0 < det.warm_up:
            score[: det.warm_up - n0] = 0.0
        score = self._damp(det, score, n0, new)
        if commit:
            self._commit(a, ranges, new)
        return score

    def _range_score(self, det, a, t, new) -> np.ndarray:
        """Range novelty: the value leaves the range seen so far by ``tolerance`` x its width."""
        hi, lo = _prefix(self.hi, a, np.maximum), _prefix(self.lo, a, np.minimum)
        p_hi, p_lo = np.r_[self.hi, hi[:-1]], np.r_[self.lo, lo[:-1]]
        with np.errstate(invalid="ignore"):
            width = p_hi - p_lo
            event = (a > p_hi + det.tolerance * width) | (a < p_lo - det.tolerance * width)
        if self.n == 0:
            event[0] = False
        count = self.range_events + np.cumsum(event)
        new.update(lo=lo[-1], hi=hi[-1], range_events=int(count[-1]))
        return np.where(event, 1.0 - count / t, 0.0)

    def _context_score(self, c, spec, src, ranges, t, new) -> np.ndarray:
        """Context novelty: a tuple of quantised values never seen before in this series."""
        bins, k, s, lag = spec
        lo, hi = ranges[s]
        width = np.where(hi > lo, hi - lo, 1.0)
        b = np.clip(np.floor((src[s] - lo) / width * bins), 0, bins - 1).astype(np.int64)
        hist = np.asarray(c["hist"], dtype=np.int64)
        ext = np.r_[hist, b]
        pos = np.arange(len(b)) + len(hist)
        key = b + 1
        for j in range(1, k):
            idx = pos - j * lag
            key = key * (bins + 1) + np.where(idx >= 0, ext[np.clip(idx, 0, None)] + 1, 0)
        _, first = np.unique(key, return_index=True)
        novel = np.zeros(len(b), dtype=bool)
        novel[first] = True
        if c["seen"]:
            novel &= ~np.isin(key, np.fromiter(c["seen"], dtype=np.int64))
        distinct = c["distinct"] + np.cumsum(novel)
        new["ctx"].append((b, key[novel].tolist(), int(distinct[-1])))
        return np.where(novel, 1.0 - distinct / t, 0.0)

    def _deviation_score(self, det, a, t, new) -> np.ndarray:
        """Deviation records: the windowed z-score beats every earlier one by ``z_tolerance``."""
        zw, m = det.z_window, len(a)
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
        event = (z > z_prev * (1 + det.z_tolerance)) & (z > det.z_min)
        count = self.z_events + np.cumsum(event)
        new.update(z_max=float(max(self.z_max, z.max())), z_events=int(count[-1]))
        return np.where(event, 1.0 - count / t, 0.0)

    def _damp(self, det, score, n0, new) -> np.ndarray:
        """Refractory damping after a score of ``refractory_level`` or more."""
        idx = n0 + np.arange(len(score))
        hit = score >= det.refractory_level
        last = np.maximum.accumulate(np.r_[self.last_hit, np.where(hit, idx, -1)])[:-1]
        new["last_hit"] = int(idx[hit][-1]) if hit.any() else self.last_hit
        if not (last >= 0).any():
            return score
        table = det.damping_table()
        gap = idx - last
        factor = np.where(gap < len(table), table[np.minimum(gap, len(table) - 1)], 1.0)
        return np.where(last >= 0, score * factor, score)

    def _commit(self, a, ranges, new) -> None:
        self.n += len(a)
        self.lo, self.hi = float(new["lo"]), float(new["hi"])
        if self.sm_buf.maxlen:
            self.sm_buf.extend(a[-self.sm_buf.maxlen:].tolist())
        for s in self.src_range:
            self.src_range[s] = [float(ranges[s][0][-1]), float(ranges[s][1][-1])]
        for c, (b, keys, distinct) in zip(self.ctx, new["ctx"]):
            if c["hist"].maxlen:
                c["hist"].extend(b[-c["hist"].maxlen:].tolist())
            c["seen"].update(keys)
            c["distinct"] = distinct
        self.z_buf.extend(a[-self.z_buf.maxlen:].tolist())
        self.z_max, self.z_events = new["z_max"], new["z_events"]
        self.range_events, self.last_hit = new["range_events"], new["last_hit"]

    # -- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        fin = lambda v: v if math.isfinite(v) else None  # noqa: E731
        return {"n": self.n, "lo": fin(self.lo), "hi": fin(self.hi), "sm_buf": list(self.sm_buf),
                "src_range": {s: [fin(v[0]), fin(v[1])] for s, v in self.src_range.items()},
                "ctx": [{"hist": list(c["hist"]), "seen": sorted(c["seen"]), "distinct": c["distinct"]}
                        for c in self.ctx],
                "z_buf": list(self.z_buf), "z_max": self.z_max, "z_events": self.z_events,
                "range_events": self.range_events, "last_hit": self.last_hit}

    @classmethod
    def from_dict(cls, det, d: dict) -> "SeriesState":
        self = cls(det)
        val = lambda v, default: default if v is None else float(v)  # noqa: E731
        self.n = int(d["n"])
        self.lo, self.hi = val(d["lo"], math.inf), val(d["hi"], -math.inf)
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

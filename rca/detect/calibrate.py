"""Score calibration kept apart from detectors (after Merlion's ``post_process/calibrate``).

:class:`ScoreCalibrator` maps a raw anomaly score through the running distribution of the
raw scores it has seen: the output is ``1 - tail probability``, estimated from a bounded
histogram of past scores and extrapolated beyond the largest one with an exponential tail fitted
to the upper scores. So 0.99 means "rarer than 99 % of past scores", 0.999 is rarer still,
the output never saturates at 1 for merely large scores, and one threshold means the same
false-alarm rate on every series.

>>> cal = ScoreCalibrator()
>>> for i in range(2000):
...     cal.learn_one((i * 7919) % 1000 / 1000.0)
>>> a, b, c = cal.calibrate(0.5), cal.calibrate(0.95), cal.calibrate(3.0)
>>> 0.45 < a < 0.55 < 0.9 < b < c < 1.0
True
"""

from __future__ import annotations

import bisect
import math

#: Smallest tail probability reported, so calibrated scores stay below 1.
MIN_TAIL = 1e-12


class ScoreCalibrator:
    """Running calibration of raw scores to ``[0, 1)`` (bounded memory: ``size`` samples).

    Parameters
    ----------
    size
        Number of weighted samples kept: every score is kept until ``size``, then neighbours
        below the top ``tail`` fraction are merged pairwise (their weights add up).
    tail
        Fraction of upper scores used to fit the exponential tail.
    warmup
        Scores are 0 until this many raw scores were learned.
    """

    def __init__(self, size: int = 2048, tail: float = 0.05, warmup: int = 30):
        self.size = size
        self.tail = tail
        self.warmup = warmup
        self.sorted_: list[float] = []
        self.weights_: list[float] = []
        self.n_ = 0

    def learn_one(self, raw: float) -> None:
        if raw is None or not math.isfinite(raw):
            return
        self.n_ += 1
        i = bisect.bisect_right(self.sorted_, float(raw))
        self.sorted_.insert(i, float(raw))
        self.weights_.insert(i, 1.0)
        if len(self.sorted_) > self.size:
            keep_top = max(int(self.tail * self.size), 8)
            cut = len(self.sorted_) - keep_top
            vals, wts = [], []
            for j in range(0, cut - 1, 2):  # merge neighbours of the body pairwise
                vals.append(self.sorted_[j + 1])
                wts.append(self.weights_[j] + self.weights_[j + 1])
            if cut % 2:
                vals.append(self.sorted_[cut - 1])
                wts.append(self.weights_[cut - 1])
            self.sorted_ = vals + self.sorted_[cut:]
            self.weights_ = wts + self.weights_[cut:]

    def tail_probability(self, raw: float) -> float:
        """Estimated probability that a score is at least ``raw``."""
        xs = self.sorted_
        if not xs:
            return 1.0
        total = float(self.n_) + 1.0
        if raw <= xs[-1]:
            i = bisect.bisect_left(xs, raw)
            above = sum(self.weights_[i:])
            return max(above, 0.5) / total
        k = max(int(self.tail * len(xs)), 2)
        top = xs[-k:]
        scale = max(sum(top) / len(top) - top[0], 1e-12)
        return max(0.5 / total * math.exp(-(raw - xs[-1]) / scale), MIN_TAIL)

    def calibrate(self, raw: float) -> float:
        """``1 - tail_probability(raw)`` in ``[0, 1)``."""
        if raw is None or not math.isfinite(raw) or self.n_ < self.warmup:
            return 0.0
        return 1.0 - self.tail_probability(raw)

    def calibrate_learn_one(self, raw: float) -> float:
        out = self.calibrate(raw)
        self.learn_one(raw)
        return out

    def to_dict(self) -> dict:
        return {"size": self.size, "tail": self.tail, "warmup": self.warmup, "sorted": self.sorted_,
                "weights": self.weights_, "n": self.n_}

    @classmethod
    def from_dict(cls, d: dict) -> "ScoreCalibrator":
        cal = cls(size=d["size"], tail=d["tail"], warmup=d.get("warmup", 30))
        cal.sorted_ = [float(v) for v in d["sorted"]]
        cal.weights_ = [float(v) for v in d["weights"]]
        cal.n_ = int(d["n"])
        return cal

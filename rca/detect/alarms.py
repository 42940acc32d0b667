"""Turning scores into alarms, kept apart from scoring (thresholds are data, not detectors).

:class:`AlarmRule` raises an alarm when at least ``min_count`` of the last ``window`` scores
reach ``threshold``, then stays quiet for ``suppress`` points.

>>> rule = AlarmRule(threshold=0.9, min_count=2, window=3, suppress=2)
>>> rule.apply([0.95, 0.1, 0.97, 0.99, 0.99, 0.99, 0.99, 0.2]).tolist()
[0, 0, 1, 0, 0, 0, 1, 0]
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from rca.errors import ConfigError


@dataclass
class AlarmRule:
    """Stateful alarm post-processing (feed one score at a time with :meth:`update`)."""

    threshold: float = 0.99
    min_count: int = 1
    window: int = 1
    suppress: int = 0
    _recent: deque = field(default_factory=deque, repr=False)
    _quiet: int = field(default=0, repr=False)

    def __post_init__(self):
        if not 0 <= self.threshold <= 1:  # also refuses nan
            raise ConfigError(f"alarm threshold must be a number in [0, 1], not {self.threshold}")
        if not 1 <= self.min_count <= self.window:
            raise ConfigError("alarm rule needs 1 <= min_count <= window")
        if self.suppress < 0:
            raise ConfigError("alarm rule suppress must be >= 0")

    def update(self, score: float) -> bool:
        """Feed one score; True when it raises an alarm. Scores seen while suppressed do not
        count towards the next alarm."""
        if self._quiet > 0:
            self._quiet -= 1
            return False
        self._recent.append(score >= self.threshold)
        if len(self._recent) > self.window:
            self._recent.popleft()
        if sum(self._recent) >= self.min_count:
            self._quiet = self.suppress
            self._recent.clear()
            return True
        return False

    def apply(self, scores) -> np.ndarray:
        """Alarms (0/1) for a whole sequence of scores, continuing from the current state."""
        if self.window == 1 and self.suppress == 0 and not self._recent and not self._quiet:
            return (np.asarray(scores, dtype=float) >= self.threshold).astype(np.int8)  # stateless
        return np.fromiter((self.update(float(s)) for s in scores), dtype=np.int8, count=len(scores))

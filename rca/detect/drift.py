"""Change (drift) detection on a metric stream with river's ADWIN or Page-Hinkley.

>>> det = ChangeDetector("page_hinkley")
>>> changes = [i for i, v in enumerate([0.0] * 300 + [5.0] * 100) if det.update(v)]
>>> len(changes) >= 1 and changes[0] >= 300
True
"""

from __future__ import annotations

from rca.errors import ConfigError

METHODS = ("adwin", "page_hinkley")


class ChangeDetector:
    """Wraps ``river.drift.ADWIN`` / ``river.drift.PageHinkley``; :meth:`update` returns True
    at a detected change point. Extra keyword arguments go to the river detector."""

    def __init__(self, method: str = "adwin", **params):
        if method not in METHODS:
            raise ConfigError(f"unknown change detector {method!r} (choose from {', '.join(METHODS)})")
        self.method = method
        self.params = params
        self.n_ = 0
        self.changes_: list[int] = []
        self._det = self._make()

    def _make(self):
        from river import drift

        return drift.ADWIN(**self.params) if self.method == "adwin" else drift.PageHinkley(**self.params)

    def update(self, value: float) -> bool:
        """Feed one value; True when a change is detected at this point."""
        self._det.update(float(value))
        self.n_ += 1
        if self._det.drift_detected:
            self.changes_.append(self.n_ - 1)
            return True
        return False

    def detect(self, values) -> list[int]:
        """Indices (0-based, within ``values``) of detected change points."""
        start = self.n_
        return [i - start for i in range(start, start + len(values)) if self.update(values[i - start])]

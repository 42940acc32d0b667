"""What the unsupervised offline detectors share: scores first, the threshold apart."""

from __future__ import annotations

import numpy as np
from sklearn.base import OutlierMixin


class ThresholdedOutlierMixin(OutlierMixin):
    """``decision_function = score_samples - offset_``; ``predict`` is -1 below 0, else 1.

    Subclasses implement ``score_samples`` (higher = more normal) and set ``offset_`` in ``fit``.
    """

    def decision_function(self, X):
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        return np.where(self.decision_function(X) < 0, -1, 1)

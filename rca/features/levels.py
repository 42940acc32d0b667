"""Share of each severity level per session (``levels`` column of a sessions frame).

>>> import pandas as pd
>>> frame = pd.DataFrame({"levels": [("INFO", "ERROR"), ("INFO",)]})
>>> LevelRatios().fit(frame).transform(frame)[:, [2, 4]].tolist()
[[0.5, 0.5], [1.0, 0.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from rca.errors import InputError
from rca.ingest.levels import normalize_level
from rca.types import LEVELS


class LevelRatios(TransformerMixin, BaseEstimator):
    """Fraction of lines at each level in :data:`rca.types.LEVELS`, plus the session length.

    Levels are read with :func:`rca.ingest.levels.normalize_level` (any alias); unknown or
    missing levels count only in the length (``log1p`` of the number of lines).
    """

    def __init__(self, include_length=True):
        self.include_length = include_length

    def fit(self, X, y=None):
        self._levels(X)
        self.n_features_out_ = len(LEVELS) + (1 if self.include_length else 0)
        return self

    def transform(self, X):
        rows = []
        for levels in self._levels(X):
            n = max(len(levels), 1)
            counts = dict.fromkeys(LEVELS, 0)
            for lv in levels:
                lv = normalize_level(lv)
                if lv is not None:
                    counts[lv] += 1
            row = [counts[lv] / n for lv in LEVELS]
            if self.include_length:
                row.append(float(np.log1p(len(levels))))
            rows.append(row)
        return np.asarray(rows, dtype=float)

    def get_feature_names_out(self, input_features=None):
        names = [f"level_{lv.lower()}" for lv in LEVELS]
        return np.asarray(names + (["log_length"] if self.include_length else []), dtype=object)

    @staticmethod
    def _levels(X):
        if not isinstance(X, pd.DataFrame) or "levels" not in X.columns:
            raise InputError("level ratios need a 'levels' column (the input has no levels)")
        return X["levels"]

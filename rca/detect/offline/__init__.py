"""Offline (batch) detectors with the scikit-learn estimator contract.

Supervised: :class:`FailureClassifier` (random forest, gradient boosting, logistic regression;
binary or multi-class failure type). Unsupervised, trained on (mostly) normal data:
:class:`PCAResidual` (SPE + Q-statistic), :class:`InvariantsMiner`, :class:`RareCounts`, and
scikit-learn's ``IsolationForest``. Scores (``score_samples``) are kept apart from thresholds
(``offset_``/``threshold_``), which are chosen on training data only.
"""

from rca.detect.offline.invariants import InvariantsMiner
from rca.detect.offline.pca import PCAResidual, q_statistic
from rca.detect.offline.rare import RareCounts
from rca.detect.offline.supervised import FailureClassifier

__all__ = ["FailureClassifier", "InvariantsMiner", "PCAResidual", "RareCounts", "q_statistic"]

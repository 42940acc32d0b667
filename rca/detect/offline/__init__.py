"""Offline (batch) detectors with the scikit-learn estimator contract.

Supervised: :class:`FailureClassifier` (random forest, gradient boosting, logistic regression;
binary or multi-class failure type). Unsupervised, trained on (mostly) normal data:
:class:`PCAResidual` (SPE + Q-statistic), :class:`InvariantsMiner`, :class:`RareCounts`, and
scikit-learn's ``IsolationForest``; sequence-aware: :class:`NgramSurprisal` (next-event n-gram
likelihood, DeepLog-style) and :class:`TailProductEnsemble` (several detectors, one calibrated
score). Scores (``score_samples``) are kept apart from thresholds (``offset_``/``threshold_``),
which are chosen on training data only; :class:`HeldOutThreshold` sets one from a target
false-alarm rate on held-back (cross-fitted) normal training sessions.
"""

from rca.detect.offline.ensemble import TailProductEnsemble
from rca.detect.offline.heldout import HeldOutThreshold, held_out_scores
from rca.detect.offline.invariants import InvariantsMiner
from rca.detect.offline.ngram import NgramSurprisal
from rca.detect.offline.pca import PCAResidual, q_statistic
from rca.detect.offline.rare import RareCounts
from rca.detect.offline.supervised import FailureClassifier

__all__ = ["FailureClassifier", "HeldOutThreshold", "InvariantsMiner", "NgramSurprisal", "PCAResidual",
           "RareCounts", "TailProductEnsemble", "held_out_scores", "q_statistic"]

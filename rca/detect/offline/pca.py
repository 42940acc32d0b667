"""PCA residual detector: squared prediction error (SPE) off the normal subspace, with the
Jackson-Mudholkar Q-statistic as threshold (Xu et al. 2009, as in loglizer).

Follows scikit-learn's outlier-detector convention: ``score_samples`` is higher for normal
samples (it is ``-SPE``), ``offset_`` is ``-Q``, ``predict`` returns 1 (inlier) or -1 (outlier).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from rca.detect.offline._base import ThresholdedOutlierMixin


def q_statistic(residual_eigenvalues: np.ndarray, alpha: float) -> float:
    """Upper control limit of SPE at false-alarm rate ``alpha`` (Jackson & Mudholkar 1979)."""
    lam = np.asarray(residual_eigenvalues, dtype=float)
    lam = lam[lam > 1e-12]
    if len(lam) == 0:
        return 0.0
    phi1, phi2, phi3 = lam.sum(), (lam**2).sum(), (lam**3).sum()
    h0 = 1.0 - 2.0 * phi1 * phi3 / (3.0 * phi2**2)
    if abs(h0) < 1e-9:
        h0 = 1e-9
    c = norm.ppf(1.0 - alpha)
    inner = c * np.sqrt(2.0 * phi2 * h0**2) / phi1 + 1.0 + phi2 * h0 * (h0 - 1.0) / phi1**2
    return float(phi1 * max(inner, 0.0) ** (1.0 / h0))


class PCAResidual(ThresholdedOutlierMixin, BaseEstimator):
    """Anomaly = large distance from the principal subspace of (mostly normal) training data.

    Parameters
    ----------
    n_components : float in (0, 1) for the share of variance kept, or an int.
    alpha : false-alarm rate of the Q-statistic threshold.
    log_scale : apply ``log1p`` to counts first (damps long sessions).
    """

    def __init__(self, n_components=0.95, alpha=0.001, log_scale=True):
        self.n_components = n_components
        self.alpha = alpha
        self.log_scale = log_scale

    def _prep(self, X):
        X = np.asarray(X, dtype=float)
        return np.log1p(np.maximum(X, 0)) if self.log_scale else X

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        Z = self._prep(X)
        self.mean_ = Z.mean(axis=0)
        Zc = Z - self.mean_
        cov = Zc.T @ Zc / max(len(Zc) - 1, 1)
        eigval, eigvec = np.linalg.eigh(cov)
        order = np.argsort(eigval)[::-1]
        eigval, eigvec = np.clip(eigval[order], 0, None), eigvec[:, order]
        if isinstance(self.n_components, float) and 0 < self.n_components < 1:
            total = eigval.sum()
            share = np.cumsum(eigval) / total if total > 0 else np.ones_like(eigval)
            k = int(np.searchsorted(share, self.n_components) + 1)
        else:
            k = int(self.n_components)
        k = max(1, min(k, X.shape[1] - 1)) if X.shape[1] > 1 else 0
        self.n_components_ = k
        self.components_ = eigvec[:, :k]
        # floor: when the residual has no variance at all, tolerate rounding noise only
        floor = 1e-8 * max(float(eigval.sum()), 1.0)
        self.threshold_ = max(q_statistic(eigval[k:], self.alpha), floor)
        self.offset_ = -self.threshold_
        return self

    def spe(self, X):
        """Squared distance of each sample from the principal subspace."""
        check_is_fitted(self, "components_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        Zc = self._prep(X) - self.mean_
        resid = Zc - (Zc @ self.components_) @ self.components_.T
        return (resid**2).sum(axis=1)

    def score_samples(self, X):
        return -self.spe(X)

"""Baselines of the log benchmarks, on plain event-count vectors (see log_anomaly.py's docstring)."""

from __future__ import annotations

import numpy as np


class LoglizerPCA:
    """loglizer's PCA: tf-idf + zero-mean, 95% variance, Q-statistic at c_alpha = 3.2905."""

    def fit(self, X):
        from rca.detect.offline.pca import q_statistic

        X = np.asarray(X, dtype=float)
        df = np.maximum((X > 0).sum(axis=0), 1)
        self.idf = np.log(len(X) / df)
        Z = X * self.idf
        self.mean = Z.mean(axis=0)
        Z = Z - self.mean
        eigval, eigvec = np.linalg.eigh(Z.T @ Z / max(len(Z) - 1, 1))
        order = np.argsort(eigval)[::-1]
        eigval, eigvec = np.clip(eigval[order], 0, None), eigvec[:, order]
        share = np.cumsum(eigval) / max(eigval.sum(), 1e-12)
        k = min(int(np.searchsorted(share, 0.95) + 1), X.shape[1] - 1)
        self.P = eigvec[:, :k]
        self.threshold = max(q_statistic(eigval[k:], 0.001), 1e-8)
        return self

    def predict(self, X):
        Z = np.asarray(X, dtype=float) * self.idf - self.mean
        resid = Z - Z @ self.P @ self.P.T
        return ((resid**2).sum(axis=1) > self.threshold).astype(int)


class CountClustering:
    """LogClustering-like: clusters of normal count vectors; far from all of them = anomaly."""

    def __init__(self, max_dist=0.3):
        self.max_dist = max_dist

    def _weigh(self, X):
        return np.asarray(X, dtype=float) * self.idf

    def fit(self, X):
        from scipy.cluster.hierarchy import fcluster, linkage

        X = np.asarray(X, dtype=float)
        df = np.maximum((X > 0).sum(axis=0), 1)
        self.idf = np.log(1 + len(X) / df)
        uniq = np.unique(self._weigh(X), axis=0)
        nonzero = uniq[np.linalg.norm(uniq, axis=1) > 0]
        if len(nonzero) == 1:
            self.centroids = nonzero
            return self
        labels = fcluster(linkage(nonzero, "complete", metric="cosine"), self.max_dist,
                          criterion="distance")
        self.centroids = np.array([nonzero[labels == c].mean(axis=0) for c in np.unique(labels)])
        return self

    def predict(self, X):
        W = self._weigh(X)
        wn = np.linalg.norm(W, axis=1, keepdims=True)
        cn = np.linalg.norm(self.centroids, axis=1, keepdims=True).T
        cos = (W @ self.centroids.T) / np.maximum(wn * cn, 1e-12)
        return ((1.0 - cos.max(axis=1)) > self.max_dist).astype(int)


class UnseenTemplate:
    """Anomaly iff the session has an event absent from the (normal) training sessions."""

    def fit(self, X):
        self.seen = np.asarray(X).sum(axis=0) > 0
        return self

    def predict(self, X):
        return (np.asarray(X)[:, ~self.seen].sum(axis=1) > 0).astype(int)


BASELINES = [("loglizer PCA", LoglizerPCA, "all"), ("count clustering", CountClustering, "normal"),
             ("unseen template", UnseenTemplate, "normal")]

"""Next-event likelihood of a session (in the spirit of DeepLog, with n-gram counts).

:class:`NgramSurprisal` learns, from normal sessions, how often each event follows the
``order - 1`` events before it. A session's anomaly is its most surprising step: the largest
``-log P(event | previous events)``, counting the end of the session as an event. With
``interpolate`` (default) the probability is Witten-Bell interpolated over the orders
``order, order - 1, ..., 1`` (a context never seen in training falls back on the shorter ones),
down to add-``alpha`` event frequencies; without it, add-``alpha`` smoothing of the top order only. Each event is tagged with its occurrence number within the session, capped at
``cap`` (``"23#1"``, ``"23#2"``, ``"23#3"`` for the 3rd and later), so a step that repeats an
event more often than training ever did is also a new transition.

Scikit-learn outlier convention: ``score_samples`` is minus that surprisal (higher = normal);
the threshold is not this estimator's business (see :class:`~rca.detect.offline.heldout.HeldOutThreshold`).
``X`` is a sessions frame (``events`` column) or any iterable of event sequences.

>>> normal = [["open", "write", "close"]] * 50
>>> model = NgramSurprisal().fit(normal)
>>> a, b = model.score_samples([["open", "write", "close"], ["open", "close"]])
>>> bool(a > b)
True
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.utils.validation import check_is_fitted

from rca.features.counts import as_sequences

START, END = "<s>", "</s>"


def tag_occurrences(seq, cap: int) -> list[str]:
    """``["a", "b", "a"]`` -> ``["a#1", "b#1", "a#2"]`` (occurrence numbers capped at ``cap``)."""
    seen: Counter = Counter()
    out = []
    for e in seq:
        seen[e] += 1
        out.append(f"{e}#{min(seen[e], cap)}")
    return out


class NgramSurprisal(OutlierMixin, BaseEstimator):
    """Largest next-event surprisal of a session under an n-gram model of normal sessions.

    Parameters
    ----------
    order : n-gram order (2: each event given the one before it).
    cap : occurrence numbers above ``cap`` share one tag (1 disables the tagging).
    alpha : additive smoothing (of event frequencies, or of the transition counts without
        ``interpolate``).
    interpolate : Witten-Bell interpolation over the lower orders.
    """

    def __init__(self, order=2, cap=3, alpha=0.1, interpolate=True):
        self.order = order
        self.cap = cap
        self.alpha = alpha
        self.interpolate = interpolate

    def _padded(self, seq) -> list[str]:
        return [START] * (self.order - 1) + tag_occurrences(seq, self.cap) + [END]

    def fit(self, X, y=None):
        if int(self.order) < 1 or int(self.cap) < 1:
            raise ValueError("order and cap must be >= 1")
        seqs = as_sequences(X)
        if not seqs:
            raise ValueError("NgramSurprisal needs at least one training session")
        k = int(self.order)
        contexts: Counter = Counter()
        grams: Counter = Counter()
        vocab = {END}
        lengths = range(k - 1 if not self.interpolate else 0, k)  # context lengths counted
        for seq in seqs:
            s = self._padded(seq)
            vocab.update(s)
            for i in range(k - 1, len(s)):
                for h in lengths:
                    ctx = tuple(s[i - h:i])
                    contexts[ctx] += 1
                    grams[ctx + (s[i],)] += 1
        self.contexts_, self.grams_ = dict(contexts), dict(grams)
        kinds: Counter = Counter(g[:-1] for g in grams)  # distinct continuations per context
        self.continuations_ = dict(kinds)
        self.vocabulary_size_ = len(vocab) + 1  # + one slot for every unseen event
        return self

    def _prob(self, ctx: tuple, event: str) -> float:
        a, v = float(self.alpha), self.vocabulary_size_
        if not self.interpolate:
            return (self.grams_.get(ctx + (event,), 0) + a) / (self.contexts_.get(ctx, 0) + a * v)
        p = (self.grams_.get((event,), 0) + a) / (self.contexts_.get((), 0) + a * v)
        for h in range(1, len(ctx) + 1):  # Witten-Bell, shortest context first
            c = ctx[len(ctx) - h:]
            n = self.contexts_.get(c, 0)
            if n:
                t = self.continuations_[c]
                p = (self.grams_.get(c + (event,), 0) + t * p) / (n + t)
        return p

    def step_surprisals(self, seq) -> list[float]:
        """``-log P(event | context)`` of every step of one session (the end included)."""
        k = int(self.order)
        s = self._padded(seq)
        return [-math.log(self._prob(tuple(s[i - k + 1:i]), s[i])) for i in range(k - 1, len(s))]

    def score_samples(self, X):
        check_is_fitted(self, "grams_")
        return -np.array([max(self.step_surprisals(seq)) for seq in as_sequences(X)], dtype=float)

    def log_loss(self, X) -> float:
        """Mean next-event ``-log P`` over all steps of ``X`` (lower = a better model of it);
        on held-back normal sessions it compares settings without any label."""
        check_is_fitted(self, "grams_")
        steps = [v for seq in as_sequences(X) for v in self.step_surprisals(seq)]
        return float(np.mean(steps))

"""NAB scoring rules (Numenta Anomaly Benchmark), re-implemented from NAB's published code.

Follows ``nab/sweeper.py``, ``nab/optimizer.py``, ``nab/scorer.py`` and the ``normalize`` step
of ``nab/runner.py`` (numenta/NAB @ ea702d7):

* every row gets a weighted *sweep score*: inside an anomaly window a scaled sigmoid of its
  relative position (``-1`` at the left edge .. ``0`` past the right edge) times
  ``tpWeight / scaledSigmoid(-1)``; outside, ``fpWeight`` times the scaled sigmoid of the
  distance past the preceding window (``-fpWeight`` when no window precedes);
* the first ``min(floor(0.15 n), 750)`` rows of each file are probationary and not scored;
* at a threshold ``t`` every row with ``anomaly_score >= t`` is a detection: a window counts
  the best (earliest) detection in it, or ``-fnWeight`` when none; every detection outside a
  window adds its (negative) sweep score;
* the threshold is swept over every distinct score of the whole corpus and the best corpus
  total is kept (one threshold per detector and profile);
* the total is normalised: ``100 (S - S_null) / (S_perfect - S_null)`` with
  ``S_perfect = n_windows * tpWeight`` and ``S_null`` the null detector's optimised total.

The sweep over thresholds is vectorised (a sort and cumulative sums) instead of NAB's loop;
``tests/test_nab_scoring.py`` checks it against a direct port of the loop and against the
per-row ``S(t)`` columns of NAB's published result files.

>>> cost = PROFILES["standard"]
>>> sweep, wid = sweep_scores(10, [(6, 8)], cost, probation_percent=0.0)
>>> round(float(sweep[6]), 4), int(wid[6]), round(float(sweep[2]), 2)
(1.0, 0, -0.11)
>>> corpus_sweep([np.r_[np.zeros(6), 1.0, 0, 0, 0]], [sweep], [wid], cost).best_score
1.0
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

#: NAB ``config/profiles.json`` cost matrices (tnWeight is unused by the scorer).
PROFILES: dict[str, dict[str, float]] = {
    "standard": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.11},
    "reward_low_FP_rate": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.22},
    "reward_low_FN_rate": {"tpWeight": 1.0, "fnWeight": 2.0, "fpWeight": 0.11},
}
PROBATION_PERCENT = 0.15
#: Row label of probationary rows in the window-id arrays.
PROBATIONARY = -2
#: Row label of rows outside every window.
OUTSIDE = -1


def load_profiles(path: str | Path) -> dict[str, dict[str, float]]:
    """Read a NAB ``profiles.json`` into ``{profile: cost matrix}``."""
    raw = json.loads(Path(path).read_text())
    return {name: dict(p["CostMatrix"]) for name, p in raw.items()}


def scaled_sigmoid(position):
    """NAB's scaled sigmoid: ``2 sigmoid(-5 x) - 1``, and ``-1`` beyond ``x > 3``."""
    x = np.asarray(position, dtype=float)
    val = 2.0 / (1.0 + np.exp(5.0 * x)) - 1.0
    return np.where(x > 3.0, -1.0, val)


def probationary_length(n_rows: int, probation_percent: float = PROBATION_PERCENT) -> float:
    """Rows ``i < probationary_length`` are not scored (NAB: min(floor(p n), p 5000))."""
    return min(math.floor(probation_percent * n_rows), probation_percent * 5000)


def window_indices(timestamps: Sequence, windows: Sequence[Sequence]) -> list[tuple[int, int]]:
    """Map window limits (timestamps) to inclusive row-index pairs.

    NAB matches the limits exactly; a limit that is not a row timestamp falls back to the
    rows inside ``[start, end]``. Empty windows are dropped.
    """
    ts = pd.DatetimeIndex(pd.to_datetime(pd.Series(list(timestamps))))
    out = []
    for start, end in windows:
        s = int(ts.searchsorted(pd.Timestamp(start), side="left"))
        e = int(ts.searchsorted(pd.Timestamp(end), side="right")) - 1
        if s <= e:
            out.append((s, e))
    return out


def sweep_scores(n_rows: int, windows: Sequence[tuple[int, int]], cost: dict,
                 probation_percent: float = PROBATION_PERCENT) -> tuple[np.ndarray, np.ndarray]:
    """Per-row weighted sweep scores and window ids (``OUTSIDE``, ``PROBATIONARY`` or k).

    ``windows`` are sorted, non-overlapping inclusive row-index pairs.
    """
    i = np.arange(n_rows)
    sweep = np.empty(n_rows)
    wid = np.full(n_rows, OUTSIDE, dtype=np.int64)
    max_tp = float(scaled_sigmoid(-1.0))
    prev_right, prev_width = None, None
    cursor = 0
    for k, (s, e) in enumerate(list(windows) + [(n_rows, n_rows)]):
        # rows before this window: false-positive zone after the previous window
        gap = slice(cursor, s)
        if prev_right is None:
            sweep[gap] = -1.0 * cost["fpWeight"]
        else:
            pos = np.abs(prev_right - i[gap]) / float(prev_width - 1) if prev_width > 1 else np.inf
            sweep[gap] = scaled_sigmoid(pos) * cost["fpWeight"]
        if s >= n_rows:
            break
        width = float(e - s + 1)
        inside = slice(s, e + 1)
        pos = -(e - i[inside] + 1) / width
        sweep[inside] = scaled_sigmoid(pos) * cost["tpWeight"] / max_tp
        wid[inside] = k
        prev_right, prev_width, cursor = e, width, e + 1
    wid[i < probationary_length(n_rows, probation_percent)] = PROBATIONARY
    return sweep, wid


@dataclass(frozen=True)
class SweepResult:
    """Corpus totals for every candidate threshold (highest threshold first)."""

    thresholds: np.ndarray
    scores: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    n_windows: int

    @property
    def best(self) -> int:
        return int(np.argmax(self.scores))

    @property
    def best_threshold(self) -> float:
        return float(self.thresholds[self.best])

    @property
    def best_score(self) -> float:
        return float(self.scores[self.best])

    def score_at(self, threshold: float) -> float:
        """Total when every row with ``anomaly_score >= threshold`` is a detection."""
        k = int(np.searchsorted(-self.thresholds, -threshold, side="right")) - 1
        return float(self.scores[max(k, 0)])


def corpus_sweep(anomaly_scores: Sequence[np.ndarray], sweeps: Sequence[np.ndarray],
                 window_ids: Sequence[np.ndarray], cost: dict) -> SweepResult:
    """NAB ``calcScoreByThreshold`` over several files at once, vectorised."""
    a_parts, s_parts, w_parts, offset = [], [], [], 0
    for a, s, w in zip(anomaly_scores, sweeps, window_ids):
        keep = w != PROBATIONARY
        ww = w[keep].copy()
        inwin = ww >= 0
        ww[inwin] += offset
        offset += int(w.max()) + 1 if (w >= 0).any() else 0
        a_parts.append(np.asarray(a, dtype=float)[keep])
        s_parts.append(s[keep])
        w_parts.append(ww)
    a = np.concatenate(a_parts) if a_parts else np.empty(0)
    s = np.concatenate(s_parts) if s_parts else np.empty(0)
    w = np.concatenate(w_parts) if w_parts else np.empty(0, dtype=np.int64)
    windows = np.unique(w[w >= 0])
    fn = float(cost["fnWeight"])
    base = -fn * len(windows)
    order = np.argsort(-a, kind="stable")
    a, s, w = a[order], s[order], w[order]
    delta = np.where(w < 0, s, 0.0)
    inwin = w >= 0
    if inwin.any():
        frame = pd.DataFrame({"w": w[inwin], "s": s[inwin]})
        best = frame.groupby("w")["s"].cummax().to_numpy()
        best = np.maximum(best, -fn)
        prev = frame.assign(b=best).groupby("w")["b"].shift(1).fillna(-fn).to_numpy()
        delta[inwin] = best - prev
    total = base + np.cumsum(delta)
    tp = np.cumsum(inwin)
    fp = np.cumsum(~inwin)
    last = np.r_[a[1:] != a[:-1], True] if len(a) else np.empty(0, dtype=bool)
    thresholds = np.r_[1.1, a[last]]
    scores = np.r_[base, total[last]]
    tps = np.r_[0, tp[last]]
    fps = np.r_[0, fp[last]]
    if len(a) and a[0] == 1.1:  # NAB stores no separate 1.1 row in that case
        thresholds, scores, tps, fps = thresholds[1:], scores[1:], tps[1:], fps[1:]
    return SweepResult(thresholds, scores, tps, fps, len(windows))


def row_scores(anomaly_scores: np.ndarray, sweep: np.ndarray, window_ids: np.ndarray,
               windows: Sequence[tuple[int, int]], threshold: float, cost: dict) -> np.ndarray:
    """Per-row ``S(t)`` as NAB writes it in result files: each scored window's value on its
    first row (best detection or ``-fnWeight``), each false-positive detection on its row."""
    a = np.asarray(anomaly_scores, dtype=float)
    out = np.zeros(len(a))
    det = (a >= threshold) & (window_ids != PROBATIONARY)
    fp = det & (window_ids == OUTSIDE)
    out[fp] = sweep[fp]
    for k, (s, e) in enumerate(windows):
        rows = np.flatnonzero(window_ids == k)
        if not len(rows):
            continue
        hit = rows[det[rows]]
        out[s] = sweep[hit].max() if len(hit) else -float(cost["fnWeight"])
    return out


def normalize(score: float, null_score: float, n_windows: int, cost: dict) -> float:
    """NAB's final score: 100 (score - null) / (perfect - null)."""
    perfect = n_windows * float(cost["tpWeight"])
    return 100.0 * (score - null_score) / (perfect - null_score)


@dataclass
class NabCorpus:
    """The NAB files of a data folder with their windows as row-index pairs."""

    root: Path
    files: list[str]
    timestamps: dict[str, pd.DatetimeIndex]
    values: dict[str, np.ndarray]
    windows: dict[str, list[tuple[int, int]]]

    @classmethod
    def load(cls, root: str | Path) -> "NabCorpus":
        """Read ``root/data/**/*.csv`` and ``root/combined_windows.json``."""
        root = Path(root)
        raw = json.loads((root / "combined_windows.json").read_text())
        files, ts, vals, wins = [], {}, {}, {}
        for rel in sorted(raw):
            path = root / "data" / rel
            if not path.is_file():
                continue
            df = pd.read_csv(path)
            t = pd.DatetimeIndex(pd.to_datetime(df["timestamp"]))
            files.append(rel)
            ts[rel] = t
            vals[rel] = df["value"].to_numpy(dtype=float)
            wins[rel] = window_indices(t, raw[rel])
        return cls(root, files, ts, vals, wins)

    @property
    def n_windows(self) -> int:
        return sum(len(self.windows[f]) for f in self.files)

    def sweeps(self, cost: dict, files: Sequence[str] | None = None):
        """(sweep, window_ids) per file, in ``files`` order."""
        return [sweep_scores(len(self.values[f]), self.windows[f], cost) for f in files or self.files]

    def sweep(self, scores: dict[str, np.ndarray], cost: dict,
              files: Sequence[str] | None = None) -> SweepResult:
        """Threshold sweep of one detector's per-file scores over ``files`` (default all)."""
        files = list(files or self.files)
        sw = self.sweeps(cost, files)
        return corpus_sweep([scores[f] for f in files], [x[0] for x in sw], [x[1] for x in sw], cost)

    def score(self, scores: dict[str, np.ndarray], null_scores: dict[str, np.ndarray], cost: dict,
              files: Sequence[str] | None = None, threshold: float | None = None) -> tuple[float, float]:
        """Normalised NAB score and the threshold used (optimised unless ``threshold`` given)."""
        files = list(files or self.files)
        res = self.sweep(scores, cost, files)
        null = self.sweep(null_scores, cost, files)
        thr = res.best_threshold if threshold is None else threshold
        raw = res.best_score if threshold is None else res.score_at(threshold)
        n_windows = sum(len(self.windows[f]) for f in files)
        return normalize(raw, null.best_score, n_windows, cost), thr

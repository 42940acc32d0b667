"""Online detectors by name, with the default alarm threshold of each (an explicit table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from rca.errors import ConfigError


def _novelty(**params):
    from rca.detect.online.novelty import NoveltyDetector

    return NoveltyDetector(**params)


def _hst(seed: int = 42, **params):
    from river import anomaly, preprocessing

    return preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(seed=seed, **params)


def _sad(**params):
    from river import anomaly

    return anomaly.StandardAbsoluteDeviation(**params)


def _loda(seed: int = 42, **params):
    from river import anomaly

    return anomaly.LODA(seed=seed, **params)


@dataclass(frozen=True)
class DetectorSpec:
    """``factory(**params)`` builds the detector; ``calibrate`` says whether its raw scores
    go through :class:`rca.detect.calibrate.ScoreCalibrator`; ``threshold`` is the default
    alarm threshold on the (calibrated) score."""

    factory: Callable
    calibrate: bool
    threshold: float
    lags: int = 0
    summary: str = ""
    target: bool = False  # river detectors scoring ``y`` (score_one(x, y))


#: NoveltyDetector scores are rarities (share of the series' past points without such an
#: event), so one threshold serves every series; its defaults and this threshold are the
#: setting benchmarks/nab.py picks on all NAB categories, and leave-one-category-out picks the
#: same threshold for 5 of the 6 held-out categories (benchmarks/results/nab.md). The river
#: detectors' thresholds are tails of their calibrated scores.
DETECTORS: dict[str, DetectorSpec] = {
    "novelty": DetectorSpec(_novelty, False, 0.9635, 0, "range, context and deviation novelty (default)"),
    "hst": DetectorSpec(_hst, True, 0.999, 0, "river HalfSpaceTrees on min-max scaled values"),
    "sad": DetectorSpec(_sad, True, 0.999, 0, "river StandardAbsoluteDeviation", target=True),
    "loda": DetectorSpec(_loda, True, 0.999, 5, "river LODA on 5 lags"),
}
DEFAULT_DETECTOR = "novelty"


def get_spec(name: str) -> DetectorSpec:
    try:
        return DETECTORS[name]
    except KeyError:
        raise ConfigError(f"unknown detector {name!r} (choose from {', '.join(DETECTORS)})") from None

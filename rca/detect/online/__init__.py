"""Online (streaming) detectors following river's anomaly-detector API."""

from rca.detect.online.novelty import NoveltyDetector
from rca.detect.online.registry import DEFAULT_DETECTOR, DETECTORS, get_spec
from rca.detect.online.stream import score_frame, score_series

__all__ = ["NoveltyDetector", "DETECTORS", "DEFAULT_DETECTOR", "get_spec", "score_frame", "score_series"]

"""rca.detect: scores and alarms.

Online (streaming, river API) detectors live in :mod:`rca.detect.online`; offline
(scikit-learn API) ones in :mod:`rca.detect.offline`. Thresholding is kept apart from scoring:
:mod:`rca.detect.calibrate` (scores to calibrated tail probabilities), :mod:`rca.detect.alarms`
(alarm rules), plus :mod:`rca.detect.drift` (change points), :mod:`rca.detect.silence`
(missing heartbeats / log volume), :mod:`rca.detect.forecast` (time-to-threshold) and
:mod:`rca.detect.nab_scoring` (the NAB benchmark's scoring rules).

Submodules are imported on use so that importing :mod:`rca.detect` stays light.
"""

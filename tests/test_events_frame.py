"""One events-frame builder (rca.features.events): the facade, ``rca analyze`` and training
hand the later stages the same columns with the same types."""

from __future__ import annotations

import json

import pandas as pd

from rca import api
from rca.analyze.inputs import read_events
from rca.features.events import EVENT_COLUMNS
from rca.templates import TemplateMiner
from rca.train.data import _read_log

LINES = [
    {"time": "2026-01-01T10:00:00Z", "level": "info", "service": "orders", "msg": "order 17 placed"},
    {"time": "2026-01-01T10:00:01Z", "level": "warning", "service": "orders",
     "msg": "retrying payment 17 after 120 ms"},
    {"time": "2026-01-01T10:00:02Z", "level": "E", "service": "orders",
     "msg": "payment 18 failed: ECONNREFUSED 10.0.0.7:5432"},
    {"time": "2026-01-01T10:00:03Z", "level": "error", "service": "orders",
     "msg": "payment 19 failed: ECONNREFUSED 10.0.0.8:5432"},
]


def _log(tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in LINES) + "\n")
    return path


def test_facade_analyze_and_training_build_the_same_frame(tmp_path):
    path = _log(tmp_path)
    facade = api.events_frame(api.parse_events([path]))
    analyzed = read_events([path])
    trained = _read_log([path], {"log_format": None}, TemplateMiner())
    for frame in (facade, analyzed, trained):
        assert tuple(frame.columns) == EVENT_COLUMNS == tuple(api.EVENT_COLUMNS)
        assert isinstance(frame["timestamp"].dtype, pd.DatetimeTZDtype)
        assert str(frame["timestamp"].dt.tz) == "UTC"
        assert frame["line"].dtype == "int64" and frame["line"].tolist() == [1, 2, 3, 4]
        assert frame["level"].tolist() == ["INFO", "WARN", "ERROR", "ERROR"]
        assert frame["service"].tolist() == ["orders"] * 4
    # the two failures share one template; analyze mines only warning-or-worse lines
    assert facade["template_id"].iloc[2] == facade["template_id"].iloc[3]
    assert analyzed["template_id"].iloc[0] == "" and analyzed["template_id"].iloc[3] != ""
    assert analyzed["template"].iloc[3] == "payment <*> failed: ECONNREFUSED <*>"
    pd.testing.assert_frame_equal(trained.drop(columns=["template_id", "template"]),
                                  facade.drop(columns=["template_id", "template"]))

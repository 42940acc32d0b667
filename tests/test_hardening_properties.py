"""Issue 11: property-based attacks on every reader and the metric loader. Random bytes, JSON
and CSV must give records/frames or the project's own errors (:class:`rca.errors.RcaError`),
never another exception. Examples are bounded so the suite stays fast."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rca.errors import RcaError

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
LOG_FORMATS = [None, "json", "logfmt", "syslog", "text", "<Date> <Time> <Level> <Content>"]

_WORK = Path(tempfile.mkdtemp(prefix="rca-prop-"))

# lines that look like log records, broken in random ways
_FIELD = st.sampled_from(["2024-05-01 10:00:00", "1e30", "-1", "nan", "inf", "9999-12-31T00:00",
                          "ERROR", "level=error", '{"msg":', "}", "\x00", "\ufeff", "<*>",
                          "msg=\"x", "ts=1700000000", "<34>Oct 11 22:14:15 host app:", ","])
_LINE = st.lists(st.one_of(_FIELD, st.text(max_size=20)), max_size=8).map(" ".join)
_TEXT = st.lists(_LINE, max_size=12).map("\n".join)
_JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=10),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
        st.sampled_from(["timestamp", "time", "ts", "level", "msg", "message", "service",
                         "values", "metric", "data", "result", "x"]), kids, max_size=5),
    max_leaves=12)
_CELL = st.sampled_from(["", "nan", "inf", "-inf", "1e308", "1e30", "0", "-5", "abc", "1.5",
                         "1700000000", "2024-05-01T10:00:00", '"', "\x00", "time", ";"])
_CSV = st.tuples(st.lists(st.sampled_from(["time", "timestamp", "api_cpu", "db_mem", "value",
                                          "series", "x", ""]), min_size=1, max_size=4),
                 st.lists(st.lists(_CELL, min_size=1, max_size=5), max_size=15)).map(
    lambda hc: "\n".join([",".join(hc[0])] + [",".join(r) for r in hc[1]]) + "\n")


def _file(name: str, data: bytes) -> Path:
    path = _WORK / name
    path.write_bytes(data)
    return path


def _only_own_errors(call) -> None:
    try:
        result = call()
        if hasattr(result, "__next__"):
            for _ in result:
                pass
    except RcaError:
        pass


@pytest.mark.parametrize("log_format", LOG_FORMATS)
@SETTINGS
@given(data=st.one_of(st.binary(max_size=600), _TEXT.map(str.encode),
                      _JSON.map(lambda v: (json.dumps(v) + "\n").encode())))
def test_log_readers_raise_only_own_errors(log_format, data):
    from rca.ingest import read_records

    path = _file("in.log", data)
    _only_own_errors(lambda: read_records([path], log_format=log_format))


@SETTINGS
@given(data=st.one_of(_CSV.map(str.encode), st.binary(max_size=400),
                      _JSON.map(lambda v: json.dumps(v).encode())))
def test_metric_loaders_raise_only_own_errors(data):
    import numpy as np

    from rca.ingest.metric_table import read_metric_table
    from rca.ingest.metrics import MetricStats, read_metrics

    for suffix in ("csv", "json", "prom"):
        path = _file(f"m.{suffix}", data)
        stats = MetricStats()
        try:
            frame = read_metrics(path, stats=stats)
        except RcaError:
            frame = None
        if frame is not None and len(frame):
            assert np.isfinite(frame["value"].to_numpy(dtype=float)).all()  # never NaN/inf
        _only_own_errors(lambda: read_metric_table(path))


@SETTINGS
@given(data=st.one_of(_CSV.map(str.encode), st.binary(max_size=400)))
def test_scoring_and_analysis_of_random_metrics_raise_only_own_errors(data):
    from rca import api

    path = _file("score.csv", data)
    _only_own_errors(lambda: api.score_metrics(path))
    _only_own_errors(lambda: api.analyze([], [path], suggest=False))


@SETTINGS
@given(data=st.one_of(_CSV.map(str.encode), st.binary(max_size=400)),
       header=st.booleans())
def test_sessions_reader_raises_only_own_errors(data, header):
    from rca.features.sequences import read_sessions_csv

    path = _file("sessions.csv", data)
    _only_own_errors(lambda: read_sessions_csv(path, header=header))


@SETTINGS
@given(data=st.one_of(_JSON.map(lambda v: json.dumps(v).encode()), st.binary(max_size=300),
                      _TEXT.map(str.encode)))
def test_dependency_and_fix_readers_raise_only_own_errors(data):
    from rca import api
    from rca.analyze.inputs import read_edges

    for name in ("deps.yaml", "deps.json"):
        _only_own_errors(lambda: read_edges(_file(name, data)))
    folder = _WORK / "fixes"
    folder.mkdir(exist_ok=True)
    (folder / "x.yaml").write_bytes(data)
    _only_own_errors(lambda: api.load_fix_library([folder]))


@SETTINGS
@given(value=st.one_of(st.floats(), st.integers(), st.text(max_size=30)))
def test_fault_time_and_timestamps_raise_only_own_errors(value):
    from rca.analyze.inputs import parse_time
    from rca.ingest.timestamps import TimeParser, time_problem

    _only_own_errors(lambda: parse_time(value))
    assert time_problem(value) is None or isinstance(time_problem(value), str)
    if isinstance(value, str):
        TimeParser().parse(value)


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), _JSON.map(lambda v: json.dumps(v).encode())))
def test_state_readers_raise_only_own_errors(data):
    from rca.templates import TemplateMiner

    path = _file("state.json", data)
    _only_own_errors(lambda: TemplateMiner.load(path))
    _only_own_errors(lambda: __import__("rca.api").api.score_metrics(
        _file("ok.csv", b"time,a\n1700000000,1\n1700000010,2\n"), state=path))

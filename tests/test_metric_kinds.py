"""The one table of metric kinds (rca.detect.kinds) and the places that read it: forecasts,
the ranking's symptom weight and the fix library's metric hints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rca.detect.forecast import forecast_frame
from rca.detect.kinds import DEFAULT_THRESHOLDS, kind_of, normalize, threshold_for, thresholds
from rca.errors import ConfigError
from rca.fixes import normalize_metric_hint
from rca.rank.metrics import metric_weight


@pytest.mark.parametrize("series, kind", [
    ("carts_mem", "memory"), ("orders_cpu", "cpu"), ("carts_lat_50", "response_time"),
    ("front_error_rate", "error_rate"), ("carts_lod", "throughput"), ("db_disk", "disk"),
    ("storage_lat_99", "response_time"),          # the service name does not decide
    ("storage_mem", "memory"), ("storage", "disk"),
    ("MemoryUsageRate(%)", "memory"), ("PodClientLatencyP90(s)", "response_time"),
    ("http_request_duration_seconds", "response_time"), ("process_resident_memory_bytes", "memory"),
    ("node_filesystem_avail_bytes", "disk"), ("http_requests_total", "throughput"),
])
def test_series_names_map_to_one_kind(series, kind):
    assert kind_of(series).name == kind


def test_unknown_series_have_no_kind_and_no_threshold():
    assert kind_of("queue_depth") is None and threshold_for("queue_depth") is None


def test_defaults_are_the_seed_and_overrides_take_any_name_of_a_kind():
    assert DEFAULT_THRESHOLDS == {"error_rate": 0.01, "response_time": 1000.0, "memory": 0.8,
                                  "cpu": 0.7, "disk": 0.9}
    table = thresholds({"memoryUsage": 0.9, "cpuUsage": 0.5, "response_time_ms": 250,
                        "errorRate": 0.05, "disk": 0.95})
    assert table == {"error_rate": 0.05, "response_time": 250.0, "memory": 0.9, "cpu": 0.5,
                     "disk": 0.95}
    with pytest.raises(ConfigError, match="unknown metric kind 'queue'"):
        thresholds({"queue": 3})
    with pytest.raises(ConfigError, match="must be a number"):
        thresholds({"cpu": "high"})


def test_one_normalisation_for_percent_and_fraction_series():
    assert normalize("carts_cpu", [0.2, 0.5]).tolist() == [0.2, 0.5]          # a fraction
    assert normalize("carts_cpu", [20.0, 55.0]).tolist() == [0.2, 0.55]       # percent
    assert normalize("cpu_pct", [0.5, 0.9]) == pytest.approx([0.005, 0.009])  # named percent
    assert normalize("MemoryUsageRate(%)", [40.0]).tolist() == [0.4]
    assert normalize("carts_mem", [300.0, 900.0]) is None                     # MiB: no fraction
    assert normalize("PodServerLatencyP90(s)", [0.25]).tolist() == [250.0]    # seconds -> ms
    assert normalize("carts_lat_50", [120.0]).tolist() == [120.0]
    assert normalize("carts_rps", [1500.0]).tolist() == [1500.0]              # no unit to fit


def test_forecast_reads_percent_series_and_skips_absolute_memory():
    idx = pd.date_range("2026-01-01", periods=30, freq="1min", tz="UTC")
    wide = pd.DataFrame({
        "carts_cpu": 40 + np.arange(30.0),            # percent, +1 point a minute, 69 now
        "carts_mem": 300 + np.arange(30.0),           # MiB: no fraction threshold fits
        "orders_cpu": np.full(30, 20.0),              # flat
    }, index=idx)
    out = forecast_frame(wide)
    assert [f.series for f in out] == ["carts_cpu"]
    assert out[0].threshold == 0.7 and out[0].eta_seconds == pytest.approx(60, abs=1)
    assert [f.series for f in forecast_frame(wide, {"cpu": 0.9})][0] == "carts_cpu"
    assert forecast_frame(wide, {"cpu": 0.9})[0].eta_seconds == pytest.approx(21 * 60, abs=1)


def test_ranking_and_fix_hints_read_the_same_table():
    assert metric_weight("lat_99") == metric_weight("error_rate") == metric_weight("lod") == 0.5
    assert metric_weight("cpu") == metric_weight("mem") == metric_weight("disk") == 1.0
    assert normalize_metric_hint("storage_mem rising") == "memory up"
    assert normalize_metric_hint("storage logs stopped (silent)") == "logs down"
    assert normalize_metric_hint("payments_lat_99 rising") == "response_time up"

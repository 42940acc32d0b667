"""Metric ingestion: wide/long CSV, Prometheus text and query_range JSON, odd input counted."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rca.errors import InputError
from rca.ingest.metric_table import read_metric_table
from rca.ingest.metrics import MetricStats, read_metrics, to_wide


def test_wide_csv_with_unsorted_duplicate_nan_and_text_cells(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("time,carts_cpu,carts_mem,note\n"
                 "120,0.3,0.5,a\n60,0.2,,b\n60,0.25,0.4,c\n180,oops,0.6,d\n9999999,0.1,0.1,e\n")
    stats = MetricStats()
    df = read_metrics(p, stats=stats)
    assert list(df.columns) == ["timestamp", "series", "value", "labels"]
    assert set(df["series"]) == {"carts_cpu", "carts_mem"}          # 'note' is not numeric
    assert df["timestamp"].is_monotonic_increasing
    assert str(df["timestamp"].dt.tz) == "UTC"
    assert stats.non_numeric == 1 and stats.nan == 1
    assert stats.duplicates == 2 and stats.unsorted == 2 and stats.gaps >= 1
    assert stats.points == 8 == len(df)
    wide = to_wide(df)
    assert list(wide.columns) == ["carts_cpu", "carts_mem"]
    assert wide.loc[pd.Timestamp(60, unit="s", tz="UTC"), "carts_cpu"] == pytest.approx(0.225)


def test_long_csv_and_explicit_time_column(tmp_path):
    p = tmp_path / "long.csv"
    p.write_text("when,series,value\n2024-01-01T00:01:00Z,a,1\n2024-01-01T00:00:00Z,b,2\nbad,a,3\n")
    stats = MetricStats()
    df = read_metrics(p, time_col="when", stats=stats)
    assert list(df["series"]) == ["b", "a"] and stats.bad_timestamps == 1
    with pytest.raises(InputError, match="time column 'nope'"):
        read_metrics(p, time_col="nope")


def test_prometheus_exposition(tmp_path):
    p = tmp_path / "snap.prom"
    p.write_text('# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n'
                 'http_requests_total{method="post",code="200"} 1027 1395066363000\n'
                 'http_requests_total{method="post",code="400"} 3 1395066363000\n'
                 'process_cpu_seconds_total 12.5\ngarbage line here !\n'
                 'up{job="api"} NaN\n')
    stats = MetricStats()
    df = read_metrics(p, stats=stats)
    assert 'http_requests_total{code="200",method="post"}' in set(df["series"])
    assert df.loc[df["series"] == "process_cpu_seconds_total", "value"].item() == 12.5
    row = df[df["series"].str.contains('code="400"')].iloc[0]
    assert row["labels"] == {"method": "post", "code": "400"}
    assert row["timestamp"] == pd.Timestamp(1395066363000, unit="ms", tz="UTC")
    assert stats.nan == 1 and stats.non_numeric == 1


def test_prometheus_query_range_json(tmp_path):
    doc = {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "node_memory_ratio", "instance": "a:9100"},
         "values": [[1700000060, "0.52"], [1700000000, "0.5"], [1700000120, "NaN"], [1700000180, "x"]]}]}}
    p = tmp_path / "q.json"
    p.write_text(json.dumps(doc))
    stats = MetricStats()
    df = read_metrics(p, stats=stats)
    assert list(df["value"]) == [0.5, 0.52]
    assert df["series"].iloc[0] == 'node_memory_ratio{instance="a:9100"}'
    assert stats.nan == 1 and stats.non_numeric == 1 and stats.rows == 4
    bad = tmp_path / "bad.json"
    bad.write_text('{"status": "error"}')
    with pytest.raises(InputError, match="query_range"):
        read_metrics(bad)


def test_missing_and_empty_inputs(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_metrics(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError):
        read_metrics(empty)
    text = tmp_path / "text.csv"
    text.write_text("time,name\n1,a\n")
    with pytest.raises(InputError, match="no numeric"):
        read_metric_table(text)


def test_metric_table_keeps_rows_and_orders_by_time(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("timestamp,value\n3,30\n1,10\n2,\n")
    t = read_metric_table(p)
    assert t.time_col == "timestamp" and t.series == ["value"]
    assert list(t.order) == [1, 2, 0]
    assert np.isnan(t.frame["value"].iloc[2]) and len(t.raw) == 3

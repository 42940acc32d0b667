"""Metric root-cause scoring and onset detection (rca.rank.metrics, rca.detect.changepoint)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rca.rank import metrics as rm
from rca.detect.changepoint import detect_onset


def _frames(seed=0, n=200, m=80):
    rng = np.random.default_rng(seed)
    normal = pd.DataFrame({
        "carts_cpu": rng.normal(10, 1, n),
        "orders_cpu": rng.normal(20, 2, n),
        # a flat memory gauge in bytes: IQR of a few bytes
        "user_mem": 3.0e8 + rng.integers(0, 4, n).astype(float),
    })
    after = pd.DataFrame({
        "carts_cpu": rng.normal(10, 1, m),
        "orders_cpu": rng.normal(60, 2, m),  # the fault
        "user_mem": 3.0e8 + 8192 + rng.integers(0, 4, m).astype(float),  # harmless drift
    })
    return normal, after


def test_robust_floor_keeps_byte_drift_from_winning():
    normal, after = _frames()
    assert rm.rank_services(normal, after)[0] == "orders"
    # without the unit-free floor the published scaler is fooled by the byte drift
    assert rm.rank_services(normal, after, rm.plain_robust_scores)[0] == "user"


def test_scores_are_unit_free():
    normal, after = _frames()
    a = rm.robust_scores(normal, after)
    b = rm.robust_scores(normal * 1000, after * 1000)
    assert np.allclose(a.to_numpy(), b.to_numpy())


def test_constant_zero_series_scales_by_its_own_peak():
    normal = pd.DataFrame({"a_err": np.zeros(50), "b_cpu": np.ones(50)})
    after = pd.DataFrame({"a_err": np.r_[np.zeros(9), 5.0], "b_cpu": np.ones(10)})
    s = rm.robust_scores(normal, after)
    assert s["b_cpu"] == 0.0 and s["a_err"] == pytest.approx(100.0)


def test_metric_table_has_peak_start_and_service():
    normal, after = _frames()
    wide = pd.concat([normal, after], ignore_index=True)
    wide.index = pd.date_range("2024-01-01", periods=len(wide), freq="s", tz="UTC")
    fault = wide.index[len(normal)]
    table = rm.metric_table(wide, fault)
    top = table.iloc[0]
    assert top["series"] == "orders_cpu" and top["service"] == "orders"
    assert top["peak"] > 55 and top["start"] >= fault
    per = rm.service_table(table)
    assert list(per["service"])[0] == "orders" and per.loc[0, "start"] == top["start"]


def test_onset_found_in_multivariate_shift():
    normal, after = _frames(seed=3)
    wide = pd.concat([normal, after], ignore_index=True)
    wide.index = pd.date_range("2024-01-01", periods=len(wide), freq="s", tz="UTC")
    onset = detect_onset(wide)
    assert abs((onset - wide.index[len(normal)]).total_seconds()) <= 2


def test_onset_too_short_is_none():
    assert detect_onset(pd.DataFrame({"a_x": [1.0, 2.0]})) is None


def test_sockshop_slice_ranks_true_service_first(bench_data):
    """Three real RCD Sock Shop cases of different services and fault kinds."""
    root = bench_data / "rcd_sockshop"
    for case, truth in (("carts-cpu/1", "carts"), ("orders-mem/1", "orders"),
                        ("user-mem/2", "user")):
        normal = pd.read_csv(root / case / "normal.csv").drop(columns="time")
        after = pd.read_csv(root / case / "anomalous.csv").drop(columns="time")
        assert rm.rank_services(normal, after)[0] == truth, case

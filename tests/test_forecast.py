"""Time-to-threshold forecasts: the arithmetic, percent series, stale series, `rca forecast`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rca.cli.main import main
from rca.detect.forecast import forecast_frame, time_to_threshold
from rca.detect.kinds import normalize as as_fraction


def test_eta_is_linear_arithmetic_from_the_last_sample():
    t = np.arange(0.0, 600.0, 60.0) + 1_700_000_000  # epoch seconds
    v = 0.5 + 0.01 * np.arange(10) / 1.0               # +0.01 a minute, 0.59 at the last sample
    f = time_to_threshold(t, v, threshold=0.8)
    assert f.last_time == t[-1]
    assert f.eta_seconds == pytest.approx((0.8 - 0.59) / (0.01 / 60))  # 1,260 s
    assert f.eta_low == pytest.approx(f.eta_seconds) and f.eta_high == pytest.approx(f.eta_seconds)
    assert f.risk == 1.0  # exact line, crosses within the hour


def test_band_and_risk_follow_the_uncertainty():
    rng = np.random.default_rng(3)
    t = np.arange(30) * 60.0
    clean = time_to_threshold(t, 0.5 + 0.002 * np.arange(30), 0.8)
    noisy = time_to_threshold(t, 0.5 + 0.002 * np.arange(30) + rng.normal(0, 0.02, 30), 0.8)
    assert clean.eta_low <= clean.eta_seconds <= clean.eta_high
    assert noisy.eta_low < noisy.eta_seconds < (noisy.eta_high or np.inf)
    # ETA about 92 min, beyond the 1 h risk horizon: risk well below 1, and noisier is less sure
    assert 0.0 <= clean.risk < 0.5
    near = time_to_threshold(t, 0.7 + 0.002 * np.arange(30), 0.8)  # 0.042 to go: 21 min
    assert near.risk > 0.99 and near.risk > clean.risk
    far = time_to_threshold(t, 0.7 + 0.002 * np.arange(30), 0.8, risk_horizon=600)
    assert far.risk < near.risk  # continuous in the horizon, not a step at 15 min


def test_percent_series_is_read_as_a_fraction():
    assert as_fraction("carts_memory_percent", [69.5]).tolist() == [0.695]
    assert as_fraction("carts_mem", [69.5, 70.0]).tolist() == [0.695, 0.7]
    assert as_fraction("carts_mem", [0.695]).tolist() == [0.695]
    assert as_fraction("carts_latency", [350.0]).tolist() == [350.0]  # not a share


def _frame(n=40):
    idx = pd.date_range("2024-01-01", periods=n, freq="60s", tz="UTC")
    return pd.DataFrame({
        "carts_memory_percent": 50 + 0.5 * np.arange(n),   # 69.5 % at the end, +0.5 pt/min
        "orders_cpu": np.full(n, 0.3),
        "db_disk": np.r_[0.6 + 0.005 * np.arange(30), [np.nan] * (n - 30)],
    }, index=idx)


def test_forecast_frame_percent_and_stale():
    found = {f.series: f for f in forecast_frame(_frame(), every=True)}
    mem = found["carts_memory_percent"]
    assert mem.value == pytest.approx(0.695) and mem.threshold == 0.8
    assert mem.eta_seconds == pytest.approx((0.8 - 0.695) / (0.005 / 60))  # 1,260 s
    assert not mem.stale
    disk = found["db_disk"]
    assert disk.stale  # 10 min without a sample, 1-min cadence
    assert disk.last_time == pd.Timestamp("2024-01-01 00:29", tz="UTC").timestamp()
    assert disk.eta_seconds == pytest.approx((0.9 - 0.745) / (0.005 / 60))
    assert found["orders_cpu"].eta_seconds is None and found["orders_cpu"].risk == 0.0
    assert list(found)[0] == "db_disk"  # stale first


def test_rca_forecast_cli(tmp_path, capsys):
    frame = _frame()
    csv = tmp_path / "m.csv"
    frame.rename_axis("time").reset_index().to_csv(csv, index=False)
    assert main(["forecast", str(csv), "--json", "-t", "memory=0.9"]) == 0
    rows = {r["series"]: r for r in json.loads(capsys.readouterr().out)}
    mem = rows["carts_memory_percent"]
    assert mem["threshold"] == 0.9
    assert mem["eta_seconds"] == pytest.approx((0.9 - 0.695) / (0.005 / 60))
    assert mem["eta"] == "2024-01-01 01:20:00 UTC"  # 00:39 last sample + 41 min
    assert rows["db_disk"]["stale"] is True
    assert "orders_cpu" not in rows  # flat: only with --all
    assert main(["forecast", str(csv)]) == 0
    out = capsys.readouterr().out
    assert "stale" in out and "rising" in out


def test_rca_forecast_bad_threshold(tmp_path, capsys):
    csv = tmp_path / "m.csv"
    _frame().rename_axis("time").reset_index().to_csv(csv, index=False)
    assert main(["forecast", str(csv), "-t", "memory=high"]) != 0
    assert "finite number" in capsys.readouterr().err

"""Online detectors: river contract, batch == one-at-a-time, JSON state, bounded memory,
calibration, alarms, drift, silence and time-to-threshold forecasts."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rca.detect.alarms import AlarmRule
from rca.detect.calibrate import ScoreCalibrator
from rca.detect.drift import ChangeDetector
from rca.detect.forecast import forecast_frame, threshold_for, time_to_threshold
from rca.detect.online import NoveltyDetector, score_frame, score_series
from rca.detect.silence import SilenceDetector, silence_scores
from rca.errors import ConfigError


def _stream(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    v = np.sin(np.arange(n) / 12.0) + 0.1 * rng.standard_normal(n)
    v[int(0.8 * n)] += 6.0
    return v


def _one_by_one(det, values, key="value"):
    out = []
    for v in values:
        out.append(det.score_one({key: v}))
        det.learn_one({key: v})
    return np.array(out)


def test_batch_path_equals_one_at_a_time(bench_data):
    v = pd.read_csv(bench_data / "nab" / "data" / "realTraffic" / "speed_7578.csv")["value"].to_numpy(float)
    v = np.r_[v, _stream(600) * 10, np.full(30, np.nan), v[:300]]
    one = _one_by_one(NoveltyDetector(), v)
    fused = NoveltyDetector()
    assert np.array_equal([fused.score_learn_one({"value": x}) for x in v], one)
    det = NoveltyDetector()
    batch = det.score_learn_many(v, key="value")
    assert np.array_equal(one, batch)
    chunked_det = NoveltyDetector()
    parts = [chunked_det.score_learn_many(p, key="value") for p in np.array_split(v, [7, 500, 501, 1500])]
    assert np.array_equal(np.concatenate(parts), batch)
    assert 0.99 < batch.max() < 1.0 and batch.min() >= 0.0


def test_detects_a_spike_and_is_quiet_on_a_steady_pattern():
    v = _stream()
    s = NoveltyDetector().score_learn_many(v)
    spike = int(0.8 * len(v))
    assert s[spike] > 0.99
    assert s[spike] == s[200:].max()              # the spike is the top score
    assert (s[200:spike] >= 0.96).sum() <= 5       # few alarms on the normal part


def test_state_roundtrips_through_json():
    v = _stream()
    full = NoveltyDetector().score_learn_many(v)
    det = NoveltyDetector()
    first = det.score_learn_many(v[:900])
    restored = NoveltyDetector.from_dict(json.loads(json.dumps(det.to_dict())))
    rest = restored.score_learn_many(v[900:])
    assert np.array_equal(np.r_[first, rest], full)


def test_memory_is_bounded_per_series():
    rng = np.random.default_rng(1)
    det = NoveltyDetector()
    det.score_learn_many(rng.standard_normal(20000).cumsum())
    st = det._series["x"]
    assert len(st.z_buf) == det.z_window and len(st.sm_buf) == det.smooth - 1
    for c, (bins, order, _src, lag) in zip(st.ctx, det.contexts):
        assert len(c["seen"]) <= (bins + 1) ** order and len(c["hist"]) <= (order - 1) * lag


def test_multivariate_rows_and_emerging_features():
    det = NoveltyDetector(warm_up=10)
    rng = np.random.default_rng(2)
    for i in range(400):
        x = {"cpu": 0.5 + 0.01 * rng.standard_normal(), "mem": 0.3 + 0.01 * rng.standard_normal()}
        if i > 200:
            x["lat"] = 100 + rng.standard_normal()
        det.learn_one(x)
    assert det.score_one({"cpu": 0.5, "mem": 0.9, "lat": 100.0}) > 0.99
    assert det.score_one({"cpu": 0.5, "mem": 0.3, "lat": 100.0}) < 0.96
    assert det.score_one({"new_series": 1.0, "text": "n/a"}) == 0.0


def test_river_contract_and_pipeline():
    from river import checks, preprocessing

    model = NoveltyDetector(z_window=20, warm_up=5)
    general = [checks.common.check_repr, checks.common.check_str, checks.common.check_tags,
               checks.common.check_clone_same_class, checks.common.check_clone_is_idempotent,
               checks.common.check_init_has_default_params_for_tests,
               checks.common.check_init_default_params_are_not_mutable, checks.common.check_doc,
               checks.common.check_clone_changes_memory_addresses,
               checks.common.check_pickling_supports_roundtrip,
               checks.common.check_repr_roundtrips_clone,
               checks.common.check_get_params_matches_signature]
    for check in general:
        check(model.clone())
    rng = np.random.default_rng(3)
    data = [({"a": float(rng.normal()), "b": float(rng.normal()) * 3}, bool(i % 97 == 0)) for i in range(120)]
    for check in (checks.common.check_learn_one, checks.common.check_predict_one_pure,
                  checks.common.check_shuffle_features_no_impact, checks.common.check_emerging_features,
                  checks.common.check_disappearing_features, checks.common.check_radically_disappearing_features,
                  checks.common.check_pickling,
                  checks.common.check_predict_one_before_any_learn, checks.common.check_clone_is_independent,
                  checks.common.check_no_state_aliasing_with_input):
        check(model.clone(), data)
    pipe = preprocessing.StandardScaler() | NoveltyDetector(warm_up=5)
    scores = []
    for x in _stream(400):
        scores.append(pipe.score_one({"v": x}))
        pipe.learn_one({"v": x})
    assert max(scores) > 0.99 and all(0 <= s < 1 for s in scores)


@pytest.mark.parametrize("name", ["hst", "sad", "loda"])
def test_river_baselines_give_calibrated_scores(name):
    v = _stream(500)
    s = score_series(v, name)
    assert s.shape == v.shape and 0 <= s.min() and s.max() < 1
    with pytest.raises(ConfigError):
        score_series(v, "nope")


def test_score_frame_takes_max_over_series():
    v = _stream(800)
    frame = pd.DataFrame({"a": v, "b": np.r_[v[:400], np.full(400, np.nan)]})
    s, det = score_frame(frame)
    assert s[int(0.8 * 800)] == s.max() > 0.99 and set(det._series) == {"a", "b"}


def test_calibrator_orders_tails_and_does_not_saturate():
    rng = np.random.default_rng(4)
    outs = {}
    for scale in (1.0, 1000.0):                       # two series with very different raw scales
        cal = ScoreCalibrator()
        raw = np.abs(rng.standard_normal(6000)) * scale
        outs[scale] = np.array([cal.calibrate_learn_one(r) for r in raw])[500:]
        assert cal.calibrate(50 * scale) < 1.0
        assert cal.calibrate(50 * scale) > cal.calibrate(10 * scale) > cal.calibrate(3 * scale)
        assert len(cal.sorted_) <= cal.size
        restored = ScoreCalibrator.from_dict(json.loads(json.dumps(cal.to_dict())))
        assert restored.calibrate(2 * scale) == cal.calibrate(2 * scale)
    for o in outs.values():                          # one threshold, the same alarm rate
        assert 0.06 < (o >= 0.9).mean() < 0.14
        assert 0.003 < (o >= 0.99).mean() < 0.02


def test_alarm_rule_min_count_and_suppression():
    rule = AlarmRule(threshold=0.5, min_count=2, window=3, suppress=3)
    got = rule.apply([0.9, 0.1, 0.1, 0.9, 0.8, 0.9, 0.9, 0.9, 0.9, 0.1, 0.9, 0.9])
    assert got.tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0]
    assert AlarmRule(threshold=0.5).apply([0.4, 0.5]).tolist() == [0, 1]
    with pytest.raises(ConfigError):
        AlarmRule(min_count=3, window=2)


@pytest.mark.parametrize("method", ["adwin", "page_hinkley"])
def test_change_detection(method):
    rng = np.random.default_rng(5)
    v = np.r_[rng.normal(0, 1, 1000), rng.normal(4, 1, 500)]
    changes = ChangeDetector(method).detect(v)
    assert any(1000 <= c < 1200 for c in changes)
    assert len(changes) <= 3
    with pytest.raises(ConfigError):
        ChangeDetector("magic")


def test_silence_of_a_heartbeat_and_of_log_volume():
    sd = SilenceDetector()
    for t in range(0, 3000, 30):
        sd.observe("checkout", t)
        if t < 1500:
            sd.observe("payment", t)
    assert sd.score("checkout", now=3000) == 0.0
    silent = sd.silent(now=3000)
    assert [s.source for s in silent] == ["payment"] and silent[0].gap > 1400
    restored = SilenceDetector.from_dict(json.loads(json.dumps(sd.to_dict())))
    assert restored.score("payment", 3000) == sd.score("payment", 3000)
    volume = np.r_[np.full(50, 12.0), np.zeros(5), np.full(10, 3.0)]
    s = silence_scores(None, volume)
    assert s[50] == 1.0 and s.sum() == 1.0


def test_time_to_threshold_forecasts():
    t = np.arange(0, 1200, 60.0)
    f = time_to_threshold(t, 0.4 + 0.02 * np.arange(20), 0.8, "carts_mem")
    assert f.eta_seconds == pytest.approx(60.0, rel=0.05)
    assert "carts_mem reaches 0.8 in about" in f.message
    assert time_to_threshold(t, 0.5 - 0.001 * np.arange(20), 0.8).eta_seconds is None
    assert time_to_threshold(t, np.full(20, 0.9), 0.8).eta_seconds == 0.0
    assert threshold_for("orders_cpu") == 0.7 and threshold_for("front_error_rate") == 0.01
    assert threshold_for("carts_lat_50") == 1000.0 and threshold_for("carts_mem", {"mem": 0.9}) == 0.9
    assert threshold_for("queue_depth") is None
    idx = pd.date_range("2024-01-01", periods=20, freq="1min", tz="UTC")
    wide = pd.DataFrame({"a_mem": 0.5 + 0.01 * np.arange(20), "a_cpu": np.full(20, 0.2),
                         "a_lat": 500 + 20 * np.arange(20)}, index=idx)
    got = forecast_frame(wide)
    assert [g.series for g in got] == ["a_lat", "a_mem"]


def test_warm_up_is_configurable_and_visible():
    det = NoveltyDetector(warm_up=30)
    assert det.is_warming_up and det.n_seen == 0
    v = _stream(100)
    scores = [det.score_learn_one({"cpu": x}) for x in v[:29]]
    assert det.n_seen == 29 and det.is_warming_up and max(scores) == 0.0
    det.learn_one({"cpu": v[29]})
    assert det.n_seen == 30 and not det.is_warming_up
    det.learn_one({"mem": 1.0})  # a new series is warming up, so the detector is again
    assert det.is_warming_up and det.n_seen == 1
    restored = NoveltyDetector.from_dict(json.loads(json.dumps(det.to_dict())))
    assert restored.warm_up == 30 and restored.n_seen == 1
    old = det.to_dict()
    old["params"]["warmup"] = old["params"].pop("warm_up")  # state saved before the rename
    assert NoveltyDetector.from_dict(old).warm_up == 30

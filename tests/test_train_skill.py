"""Failure prediction says when it has no skill: AP against the base rate with a permutation
test, the warning `rca train` prints, burst counting, and the horizon in `rca predict` output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from rca.features.labels import median_lead_time
from rca.train.skill import skill, verdict

ROOT = Path(__file__).resolve().parents[1]


def test_skill_separates_signal_from_chance():
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.1).astype(int)
    good = skill(y, y + rng.normal(0, 0.3, 400))
    assert good["better_than_chance"] and good["ap_p_value"] < 0.05 and good["ap_lift"] > 2
    noise = skill(y, rng.random(400))
    assert noise["better_than_chance"] is False and noise["ap_p_value"] > 0.05
    assert noise["base_rate"] == round(y.mean(), 4)
    assert verdict("test", {**noise, "precision": 0.0, "recall": 0.0}).startswith("warning:")
    assert verdict("test", good) is None
    assert skill([0, 0, 0], [0.1, 0.2, 0.3])["better_than_chance"] is None  # nothing to test


def test_bursts_without_a_window_before_them_are_not_counted():
    ends = pd.to_datetime(["2024-01-01 00:00", "2024-01-01 01:00"], utc=True)
    fails = pd.to_datetime(["2024-01-01 02:00", "2024-01-05 00:00"], utc=True)  # 2nd: no window
    med, warned, bursts = median_lead_time(ends, [1, 0], fails, "6h")
    assert (bursts, warned, med) == (1, 1, 7200.0)


def _chance_config(tmp_path: Path) -> Path:
    """Windows whose events say nothing about the failures that follow them."""
    rng = np.random.default_rng(7)
    n = 3000
    t = 1_700_000_000 + np.sort(rng.integers(0, 200 * 3600, n))
    frame = pd.DataFrame({"Timestamp": t, "EventId": rng.choice(list("ABCDE"), n),
                          "Level": "INFO", "Label": np.where(rng.random(n) < 0.02, "FAIL", "-")})
    frame.to_csv(tmp_path / "lines.csv", index=False)
    cfg = tmp_path / "chance.toml"
    cfg.write_text(f"""
name = "chance"
[input]
format = "structured_csv"
path = "{tmp_path / 'lines.csv'}"
time_column = "Timestamp"
event_column = "EventId"
level_column = "Level"
label_column = "Label"
normal_labels = ["-"]
[windowing]
kind = "fixed"
size = "1h"
horizon = "3h"
[model]
kind = "logreg"
[split]
kind = "ratio"
train_fraction = 0.6
order = "time"
""")
    return cfg


def test_train_warns_loudly_on_a_chance_level_model(tmp_path, run_cli):
    cfg = _chance_config(tmp_path)
    code, out, err = run_cli("train", "--config", str(cfg), "--models-dir", str(tmp_path / "m"))
    assert code == 0, err
    assert "no better than chance" in err and "base rate" in err
    assert "AP=" in out and "base rate" in out
    metrics = json.loads((tmp_path / "m" / "chance" / "v1" / "metrics.json").read_text())
    assert metrics["test"]["better_than_chance"] is False
    assert any("test split" in w for w in metrics["warnings"])
    # predictions of a failure-prediction model carry the horizon and the expected failure time
    code, out, err = run_cli("predict", "-m", str(tmp_path / "m" / "chance" / "v1"),
                             str(tmp_path / "lines.csv"), "-o", str(tmp_path / "p.csv"))
    assert code == 0, err
    pred = pd.read_csv(tmp_path / "p.csv")
    assert set(pred["horizon"]) == {"3h"}
    gap = pd.to_datetime(pred["failure_by"]) - pd.to_datetime(pred["id"])
    assert (gap == pd.Timedelta("4h")).all()  # window start + 1 h window + 3 h horizon

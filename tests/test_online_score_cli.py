"""`rca score`: every input row, in order, with anomaly_score and alarm; clear errors."""

from __future__ import annotations

import json

import pandas as pd


def test_score_a_nab_file_with_no_options(bench_data, tmp_path, run_cli):
    src = bench_data / "nab" / "data" / "realAdExchange" / "exchange-2_cpc_results.csv"
    out = tmp_path / "scores.csv"
    code, _out, err = run_cli("score", str(src), "--out", str(out))
    assert code == 0, err
    got = pd.read_csv(out)
    raw = pd.read_csv(src)
    assert list(got.columns) == ["timestamp", "value", "anomaly_score", "alarm"]
    assert len(got) == len(raw) and (got["timestamp"] == raw["timestamp"]).all()
    assert got["anomaly_score"].between(0, 1).all() and set(got["alarm"]) <= {0, 1}
    assert got["alarm"].sum() >= 1
    from rca.detect.online import get_spec

    assert (got["alarm"] == (got["anomaly_score"] >= get_spec("novelty").threshold)).all()


def test_wide_unsorted_file_time_col_threshold_and_state(tmp_path, run_cli):
    n = 400
    t = list(range(0, 60 * n, 60))
    frame = pd.DataFrame({"ts": t, "carts_cpu": [0.3 + 0.01 * (i % 5) for i in range(n)],
                          "carts_mem": [0.5] * n, "host": ["a"] * n})
    frame.loc[350, "carts_cpu"] = 0.95
    frame = pd.concat([frame.iloc[200:], frame.iloc[:200]])        # unsorted input
    src = tmp_path / "metrics.csv"
    frame.to_csv(src, index=False)
    out, state = tmp_path / "o.csv", tmp_path / "state.json"
    code, _, err = run_cli("score", str(src), "--time-col", "ts", "--threshold", "0.5",
                           "--state", str(state), "--out", str(out))
    assert code == 0, err
    got = pd.read_csv(out)
    assert list(got["ts"]) == list(frame["ts"]) and list(got.columns)[-2:] == ["anomaly_score", "alarm"]
    spike = got.index[got["ts"] == 350 * 60][0]
    assert got.loc[spike, "alarm"] == 1 and got.loc[spike, "anomaly_score"] > 0.99
    assert set(json.loads(state.read_text())["series"]) == {"carts_cpu", "carts_mem"}
    code, _, err = run_cli("score", str(src), "--time-col", "ts", "--detector", "sad", "--out", str(out))
    assert code == 0, err


def test_clear_errors(tmp_path, run_cli):
    code, _, err = run_cli("score", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o.csv"))
    assert code == 2 and "no such file" in err
    bad = tmp_path / "text.csv"
    bad.write_text("time,name\n1,a\n2,b\n")
    code, _, err = run_cli("score", str(bad), "--out", str(tmp_path / "o.csv"))
    assert code == 2 and "no numeric" in err
    ok = tmp_path / "ok.csv"
    ok.write_text("time,v\n1,2\n2,3\n")
    code, _, err = run_cli("score", str(ok), "--detector", "magic", "--out", str(tmp_path / "o.csv"))
    assert code == 3 and "unknown detector" in err

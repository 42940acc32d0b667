"""Issue 11, items 5-8: every reproduction gives a clear one-line error (non-zero exit) or the
correct behaviour. One row per reproduction."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from rca.errors import ConfigError
from rca.ingest.timestamps import TimeParser, epoch_to_datetime, time_problem

T0 = 1_700_000_000


def _metrics(path, cells=None, dup=False, shuffle=False):
    rows = [[str(T0 + 10 * i), "0.5", "0.3"] for i in range(300)]
    for i, value in (cells or {}).items():
        rows[i][1] = value
    if dup:
        rows[11][0] = rows[10][0]
    if shuffle:
        rows[20], rows[21] = rows[21], rows[20]
    path.write_text("time,api_cpu,db_mem\n" + "\n".join(",".join(r) for r in rows) + "\n")
    return path


@pytest.fixture()
def work(tmp_path):
    (tmp_path / "a.log").write_text("2024-05-01 10:00:00 INFO api started\n"
                                    "2024-05-01 10:00:01 ERROR api fail\x00ed\n")
    (tmp_path / "bin.csv").write_bytes(bytes(range(256)) * 20)
    return tmp_path


def _one_line_error(code, err, exit_code, needle):
    assert code == exit_code, err
    assert needle in err, err
    assert "Traceback" not in err and err.strip().count("\n") == 0, err


def test_epoch_metrics_with_flat_series_analyze_cleanly(run_cli, work):
    code, out, err = run_cli("analyze", "--metrics", str(_metrics(work / "q.csv")))
    assert code == 0 and "Traceback" not in err and "No incident found" in out


@pytest.mark.parametrize("cell", ["nan", "inf", "-inf", "abc"])
def test_nan_inf_text_cells_are_counted_and_skipped_never_scored_zero(run_cli, work, cell):
    import pandas as pd

    path = _metrics(work / "m.csv", {50: cell})
    path.write_text(path.read_text().replace(",0.3\n", ",\n", 300))  # db_mem column empty
    code, _, err = run_cli("score", str(path), "-o", str(work / "s.csv"))
    assert code == 0 and "warning: skipped" in err and "1 " in err
    scored = pd.read_csv(work / "s.csv")
    assert np.isnan(scored.loc[50, "anomaly_score"]) and scored.loc[50, "alarm"] == 0
    assert scored["anomaly_score"].notna().sum() == 299
    code, _, err = run_cli("analyze", "--metrics", str(_metrics(work / "n.csv", {50: cell})))
    assert code == 0 and "Traceback" not in err


def test_duplicate_and_shuffled_timestamps_are_reported(run_cli, work):
    path = _metrics(work / "d.csv", dup=True, shuffle=True)
    code, _, err = run_cli("score", str(path), "-o", str(work / "s.csv"))
    assert code == 0 and "1 duplicate timestamps" in err and "1 out-of-order rows" in err


@pytest.mark.parametrize("value,needle", [
    ("nan", "timestamp nan is not a finite number"),
    ("inf", "timestamp inf is not a finite number"),
    ("1e30", "timestamp 1e+30 is after 2200-01-01"),
    ("9999-01-01", "is after 2200-01-01"),
    ("-5", "is before 1970-01-01"),
    ("garbage", "cannot read fault time 'garbage'"),
])
def test_bad_fault_time_is_one_line_error(run_cli, work, value, needle):
    code, _, err = run_cli("analyze", str(work / "a.log"), "--fault-time", value)
    _one_line_error(code, err, 2, needle)


@pytest.mark.parametrize("content,needle", [
    (b"{not json", "not a JSON file"),
    (b"\x00\x01\xff\xfe", "not a JSON file"),
    (b'{"params": {}, "series": {"api_cpu": {"n": 1}}}', "not a detector state"),
    (b"[1, 2]", "not a detector state"),
])
def test_bad_state_files_are_one_line_errors(run_cli, work, content, needle):
    state = work / "state.json"
    state.write_bytes(content)
    code, _, err = run_cli("score", str(_metrics(work / "m.csv")), "-o", str(work / "s.csv"),
                           "--state", str(state))
    _one_line_error(code, err, 2, needle)
    assert state.read_bytes() == content


@pytest.mark.parametrize("threshold", ["-5", "1.5", "nan"])
def test_threshold_outside_unit_interval_is_refused(run_cli, work, threshold):
    code, _, err = run_cli("score", str(_metrics(work / "m.csv")), "-o", str(work / "s.csv"),
                           "--threshold", threshold)
    _one_line_error(code, err, 3, "alarm threshold must be a number in [0, 1]")
    assert not (work / "s.csv").exists()


def test_binary_input_to_predict_is_one_line_error(run_cli, work):
    from tests.test_hardening_model import _train

    folder = _train(work)
    code, _, err = run_cli("predict", "-m", str(folder), str(work / "bin.csv"), "-o",
                           str(work / "p.csv"))
    _one_line_error(code, err, 2, "bin.csv")


def test_nul_bytes_never_reach_csv_output(run_cli, work):
    code, _, err = run_cli("parse", str(work / "a.log"), "--out", str(work / "e.csv"))
    assert code == 0 and "1 decode errors" in err
    data = (work / "e.csv").read_bytes()
    assert b"\x00" not in data and "fail\ufffded".encode() in data


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "fifo"])
@pytest.mark.parametrize("command", ["parse", "score", "analyze-metrics"])
def test_devices_and_fifos_are_refused(run_cli, work, device, command):
    if device == "fifo":
        device = str(work / "fifo")
        os.mkfifo(device)
    argv = {"parse": ["parse", device], "score": ["score", device, "-o", str(work / "s.csv")],
            "analyze-metrics": ["analyze", "--metrics", device]}[command]
    code, _, err = run_cli(*argv)
    assert code == 2 and "Traceback" not in err
    assert "not a regular file" in err or "is empty" in err


@pytest.mark.parametrize("args", [["--noise", "inf"], ["--noise", "nan"],
                                  ["--lines", "100000000"], ["--duration", "99999999"]])
def test_simulator_arguments_are_bounded(run_cli, work, args):
    code, _, err = run_cli("simulate", "-s", "disk-full", "--out", str(work / "sim"), *args)
    assert code == 2 and "Invalid value" in err and not (work / "sim").exists()


def test_simulator_library_bounds():
    from rca.errors import InputError
    from rca.simulate import simulate

    for kw in ({"noise": float("inf")}, {"noise": float("nan")}, {"lines": 10**8}):
        with pytest.raises(InputError, match="need 120 <= duration"):
            simulate("disk-full", "/nonexistent/never-written", **kw)


@pytest.mark.parametrize("value,problem", [
    (1e30, "after 2200-01-01"), (float("inf"), "not a finite number"), (-1, "before 1970"),
    (7_258_118_400, "after 2200-01-01"), ("x", "not a number"), (T0, None),
])
def test_timestamps_outside_1970_2200_are_rejected_with_a_reason(value, problem):
    found = time_problem(value)
    assert (found is None) if problem is None else (problem in found)
    if problem is not None and not isinstance(value, str):
        assert epoch_to_datetime(value) is None
    assert TimeParser().parse("9999-12-31 00:00:00") is None
    assert TimeParser().parse("2024-01-01 00:00:00") is not None


def test_metric_loader_drops_out_of_range_times(tmp_path):
    from rca.ingest.metrics import MetricStats, read_metrics

    path = tmp_path / "m.csv"
    path.write_text("time,api_cpu\n1700000000,1\n1e30,2\n1700000010,3\n")
    stats = MetricStats()
    frame = read_metrics(path, stats=stats)
    assert len(frame) == 2 and stats.bad_timestamps == 1


@pytest.mark.parametrize("pattern", ["a{0,400}a{0,400}b", "a{0,400}a{0,400}a{0,400}a{0,400}b",
                                     "(?:a{0,400}a{0,400}){1,4}+b",
                                     "[^\\n]{0,300}x[^\\n]{0,300}y"])
def test_user_remediation_regexes_with_chained_repeats_are_refused(tmp_path, monkeypatch,
                                                                   pattern):
    from rca import api

    folder = tmp_path / "fixes"
    folder.mkdir()
    (folder / "mine.yaml").write_text(
        f"- id: slow\n  title: Slow\n  signature:\n    patterns: ['{pattern}']\n")
    started = time.perf_counter()
    with pytest.raises(ConfigError, match="pattern 1 is unsafe: chained repeats"):
        api.load_fix_library([folder])
    assert time.perf_counter() - started < 5


def test_yaml_alias_bomb_in_deps_is_refused_fast(run_cli, work):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    (work / "deps.yaml").write_text(bomb)
    started = time.perf_counter()
    code, _, err = run_cli("analyze", str(work / "a.log"), "--deps", str(work / "deps.yaml"))
    _one_line_error(code, err, 2, "YAML aliases (*name) are not allowed")
    assert time.perf_counter() - started < 5


def test_yaml_alias_in_remediation_folder_is_refused(tmp_path):
    from rca import api

    folder = tmp_path / "fixes"
    folder.mkdir()
    (folder / "x.yaml").write_text("- &e {id: a, title: A, signature: {errno: [ENOSPC]}}\n- *e\n")
    with pytest.raises(ConfigError, match="YAML aliases"):
        api.load_fix_library([folder])

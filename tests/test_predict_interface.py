"""`rca predict` interface: header lines in sequence files, failure-type output, thresholds
set in the config and overridden on the command line; thresholds from held-back normal data."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest

from rca.detect.offline import HeldOutThreshold, NgramSurprisal, RareCounts


def _write_config(tmp_path, body: str):
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(body)
    return cfg


def _csv_config(tmp_path, name, path, columns: dict, model: str, split: str):
    """A sessions-CSV config: ``columns`` maps input keys to column names."""
    cols = "\n".join(f'{k} = "{v}"' for k, v in columns.items())
    return _write_config(tmp_path, f"""
name = "{name}"
[input]
format = "sessions_csv"
path = "{path}"
{cols}
[model]
{model}
[split]
kind = "{split}"
""")


@pytest.fixture(scope="module")
def deeplog_lines(bench_data) -> list[str]:
    lines = (bench_data / "hdfs_deeplog" / "hdfs_train").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip()][:500]


def test_sequences_header_is_skipped_and_counts_match_rows(tmp_path, deeplog_lines, run_cli):
    train_file = tmp_path / "train_seq"
    train_file.write_text("\n".join(deeplog_lines[:300]) + "\n")
    cfg = _write_config(tmp_path, f"""
name = "seq"
[input]
format = "sequences"
path = "{train_file}"
[model]
kind = "ngram"
[split]
kind = "none"
""")
    code, out, err = run_cli("train", "--config", str(cfg), "--models-dir", str(tmp_path / "m"))
    assert code == 0, err
    model = tmp_path / "m" / "seq" / "v1"
    rows = deeplog_lines[300:500]
    shapes = {"events\n": rows, "id,events\n": [f"s{i},{r}" for i, r in enumerate(rows)]}
    for header, body in shapes.items():
        src = tmp_path / f"with_header_{len(header)}"
        src.write_text(header + "\n".join(body) + "\n")
        code, out, err = run_cli("predict", "--model", str(model), str(src), "--out", str(tmp_path / "s.csv"))
        assert code == 0, err
        assert "first line is a header, skipped" in out and "200 scored" in out
        scores = pd.read_csv(tmp_path / "s.csv", dtype={"id": str})
        assert len(scores) == len(body) == 200
        assert "events" not in set(scores["id"])
    # without a header nothing is skipped and the line numbers are the ids
    plain = tmp_path / "plain"
    plain.write_text("\n".join(rows) + "\n")
    code, out, err = run_cli("predict", "--model", str(model), str(plain), "--out", str(tmp_path / "p.csv"))
    assert code == 0 and "skipped" not in out and "200 scored" in out
    assert pd.read_csv(tmp_path / "p.csv")["id"].tolist() == list(range(1, 201))


def _typed_sessions(path):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(600):
        kind = rng.choice(["normal", "normal", "normal", "disk", "net"])
        events = ["E1", "E2", "E3"] * int(rng.integers(1, 4))
        events += {"normal": [], "disk": ["E9", "E9"], "net": ["E7"]}[kind]
        split = "train" if i < 450 else "test"
        rows.append({"id": f"s{i}", "events": " ".join(events), "label": kind, "split": split})
    pd.DataFrame(rows).to_csv(path, index=False)
    return pd.DataFrame(rows)


def test_type_target_predicts_failure_types(tmp_path, run_cli):
    data = _typed_sessions(tmp_path / "typed.csv")
    cfg = _csv_config(tmp_path, "typed", tmp_path / "typed.csv",
                      {"id_column": "id", "sequence_column": "events", "label_column": "label",
                       "split_column": "split"}, 'kind = "forest"\ntarget = "type"', "column")
    assert run_cli("train", "--config", str(cfg), "--models-dir", str(tmp_path / "m"))[0] == 0
    model = tmp_path / "m" / "typed" / "v1"
    code, out, err = run_cli("predict", "--model", str(model), str(tmp_path / "typed.csv"),
                             "--out", str(tmp_path / "s.csv"))
    assert code == 0, err
    scores = pd.read_csv(tmp_path / "s.csv")
    assert set(scores["prediction"]) == {"normal", "disk", "net"}
    assert (scores["prediction"].to_numpy() == data["label"].to_numpy()).mean() > 0.99
    failing = int((scores["prediction"] != "normal").sum())
    assert f"600 scored, {failing} predicted failing" in out
    # a threshold of 0 on score (= 1 - P(normal)) calls every session a failure, by its likeliest type
    code, out, err = run_cli("predict", "--model", str(model), str(tmp_path / "typed.csv"),
                             "--out", str(tmp_path / "t.csv"), "--threshold", "0")
    forced = pd.read_csv(tmp_path / "t.csv")
    assert code == 0 and "600 predicted failing" in out and set(forced["prediction"]) <= {"disk", "net"}


def test_threshold_from_config_and_predict_override(tmp_path, bench_data, run_cli):
    full = pd.read_csv(bench_data / "hdfs" / "HDFS_100k_block_sessions.csv").head(800)
    full.to_csv(tmp_path / "sessions.csv", index=False)
    cfg = _csv_config(tmp_path, "thr", tmp_path / "sessions.csv",
                      {"id_column": "BlockId", "sequence_column": "TemplateSequence", "label_column": "Label"},
                      'kind = "rare"\nthreshold = 40.0', "none")
    assert run_cli("train", "--config", str(cfg), "--models-dir", str(tmp_path / "m"))[0] == 0
    model = str(tmp_path / "m" / "thr" / "v1")
    src = str(tmp_path / "sessions.csv")
    assert run_cli("predict", "--model", model, src, "--out", str(tmp_path / "a.csv"))[0] == 0
    a = pd.read_csv(tmp_path / "a.csv")
    assert ((a["score"] >= 40.0).astype(int) == a["prediction"]).all()
    assert 0 < a["prediction"].sum() < len(a)
    for thr, expected in (("-1e9", len(a)), ("1e9", 0)):
        code, out, _ = run_cli("predict", "--model", model, src, "--out", str(tmp_path / "b.csv"),
                               "--threshold", thr)
        assert code == 0 and f"{expected} predicted failing" in out
        assert pd.read_csv(tmp_path / "b.csv")["prediction"].sum() == expected


def test_held_out_threshold_meets_its_false_alarm_target_on_new_normal_data(deeplog_lines):
    train, new = deeplog_lines[:350], deeplog_lines[350:]
    det = HeldOutThreshold(NgramSurprisal(), target_far=0.05).fit(train)
    held = det.held_out_scores_
    assert (held < det.offset_).mean() <= 0.05  # by construction on the held-back scores
    assert (det.predict(new) == -1).mean() <= 0.15  # and roughly so on unseen normal sessions
    broken = [s.split()[: len(s.split()) // 2] for s in new]  # sessions cut in half
    assert (det.predict(broken) == -1).mean() > 0.8
    with pytest.raises(ValueError, match="target_far"):
        HeldOutThreshold(RareCounts(), target_far=0).fit(np.ones((10, 2)))


@pytest.mark.parametrize("name", ["rca.detect.offline.heldout", "rca.detect.offline.ngram",
                                  "rca.detect.offline.ensemble", "rca.detect.online.novelty"])
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0

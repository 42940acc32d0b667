"""Training configs, model folders (manifest, checksums) and `rca train` / `rca predict`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from rca.errors import ConfigError
from rca.train import load_config, parse_config, predict, read_manifest, train
from rca.train.store import FORMAT_VERSION, sha256_file

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def hdfs_slice(tmp_path_factory, bench_data) -> Path:
    """1,500 HDFS block sessions (1,000 train + 500 test, anomalies included)."""
    full = pd.read_csv(bench_data / "hdfs" / "HDFS_100k_block_sessions.csv")
    part = pd.concat([full[full.Split == "train"].head(1000), full[full.Split == "test"].head(500)])
    path = tmp_path_factory.mktemp("hdfs") / "sessions.csv"
    part.to_csv(path, index=False)
    return path


def _config(tmp_path: Path, sessions: Path, kind="forest", extra="") -> Path:
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(f"""
name = "hdfs_small"
[input]
format = "sessions_csv"
path = "{sessions}"
id_column = "BlockId"
sequence_column = "TemplateSequence"
label_column = "Label"
split_column = "Split"
[model]
kind = "{kind}"
[split]
kind = "column"
[output]
dir = "models"
{extra}
""")
    return cfg


def test_train_writes_model_folder_with_manifest(tmp_path, hdfs_slice):
    result = train(load_config(_config(tmp_path, hdfs_slice)))
    folder = result.folder
    assert folder == tmp_path / "models" / "hdfs_small" / "v1"  # relative to the config file
    manifest = read_manifest(folder)
    for name in ("model.joblib", "metrics.json"):
        assert manifest["artifacts"][name]["sha256"] == sha256_file(folder / name)
    assert manifest["format_version"] == FORMAT_VERSION
    assert "scikit-learn" in manifest["packages"]
    assert "unseen" in manifest["feature_names"] and len(manifest["feature_names"]) > 5
    assert len(manifest["training_data"]["fingerprint"]) == 64
    assert manifest["config"]["model"]["kind"] == "forest"
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["sessions"] == {"total": 1500, "train": 1000, "fit_on": 1000, "test": 500}
    assert metrics["test"]["positives"] > 0
    assert metrics["test"]["precision"] >= 0.9
    # Many anomalous blocks of this slice have exactly the event counts of normal blocks (their
    # anomaly lies beyond the first 100k lines), so recall is judged on the others: every test
    # anomaly whose count vector never occurs in a normal training session must be caught.
    data = pd.read_csv(hdfs_slice)
    data["key"] = data["TemplateSequence"].map(lambda s: tuple(sorted(json.loads(s))))
    normal_keys = set(data[(data.Split == "train") & (data.Label == 0)]["key"])
    odd = data[(data.Split == "test") & (data.Label == 1) & ~data["key"].isin(normal_keys)]
    assert len(odd) >= 2
    scores = predict(folder, [hdfs_slice]).set_index("id")
    assert scores.loc[odd["BlockId"], "prediction"].mean() >= 0.9
    again = train(load_config(_config(tmp_path, hdfs_slice, kind="rare")))
    assert again.folder.name == "v2"


def test_unsupervised_trains_without_labels_and_cli_predicts(tmp_path, hdfs_slice, run_cli):
    cfg = _config(tmp_path, hdfs_slice, kind="pca")
    code, out, err = run_cli("train", "--config", str(cfg), "--models-dir", str(tmp_path / "m"))
    assert code == 0, err
    assert "test: n=500" in out and "F1=" in out
    model = tmp_path / "m" / "hdfs_small" / "v1"
    scores_csv = tmp_path / "scores.csv"
    code, out, err = run_cli("predict", "--model", str(model), str(hdfs_slice), "--out",
                             str(scores_csv))
    assert code == 0, err
    scores = pd.read_csv(scores_csv)
    assert list(scores.columns) == ["id", "score", "prediction"] and len(scores) == 1500
    truth = pd.read_csv(hdfs_slice).set_index("BlockId")["Label"]
    flagged = scores[scores.prediction == 1]["id"]
    assert len(flagged) > 10 and truth.loc[flagged].mean() > 0.9


def test_tampered_model_is_refused_before_unpickling(tmp_path, hdfs_slice, run_cli):
    folder = train(load_config(_config(tmp_path, hdfs_slice, kind="rare"))).folder
    blob = bytearray((folder / "model.joblib").read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (folder / "model.joblib").write_bytes(bytes(blob))
    code, out, err = run_cli("predict", "--model", str(folder), str(hdfs_slice), "--out",
                             str(tmp_path / "s.csv"))
    assert code == 4
    assert "checksum mismatch" in err and "model.joblib" in err and "Traceback" not in err
    assert not (tmp_path / "s.csv").exists()


def test_newer_format_version_is_refused(tmp_path, hdfs_slice, run_cli):
    folder = train(load_config(_config(tmp_path, hdfs_slice, kind="invariants"))).folder
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format_version"] = 99
    (folder / "manifest.json").write_text(json.dumps(manifest))
    code, out, err = run_cli("predict", "--model", str(folder), str(hdfs_slice), "--out",
                             str(tmp_path / "s.csv"))
    assert code == 4 and "format version 99" in err and "upgrade rca" in err


def test_bad_input_gives_one_line_errors(tmp_path, hdfs_slice, run_cli):
    unknown = _config(tmp_path, hdfs_slice, extra="[features]\nweightin = 'tfidf'\n")
    code, _, err = run_cli("train", "--config", str(unknown))
    assert code == 3 and "unknown key 'features.weightin'" in err
    code, _, err = run_cli("train", "--config", str(tmp_path / "nope.toml"))
    assert code == 3 and "config file not found" in err
    missing = tmp_path / "cfg_missing.toml"
    missing.write_text(_config(tmp_path, tmp_path / "absent.csv").read_text())
    code, _, err = run_cli("train", "--config", str(missing))
    assert code == 2 and "not found" in err and "absent.csv" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("BlockId,Split,Label,NumEvents,TemplateSequence\n")
    cfg = tmp_path / "cfg_empty.toml"
    cfg.write_text(_config(tmp_path, empty).read_text())
    code, _, err = run_cli("train", "--config", str(cfg))
    assert code == 2 and "no sessions" in err
    normal_only = tmp_path / "normal.csv"
    frame = pd.read_csv(hdfs_slice)
    frame[frame.Label == 0].head(200).to_csv(normal_only, index=False)
    cfg = tmp_path / "cfg_single.toml"
    cfg.write_text(_config(tmp_path, normal_only).read_text())
    code, _, err = run_cli("train", "--config", str(cfg))
    assert code == 2 and "single class" in err
    for e in (err,):
        assert "Traceback" not in e and len(e.strip().splitlines()) == 1


def test_shipped_configs_are_valid_and_openstack_runs(tmp_path):
    for path in sorted((ROOT / "pipelines").glob("*.toml")):
        cfg = load_config(path)
        assert cfg.name == path.stem
    result = train(load_config(ROOT / "pipelines" / "openstack_unsupervised.toml"),
                   models_dir=tmp_path)
    assert result.metrics["sessions"]["fit_on"] == 19
    assert result.metrics["test"]["n"] == 2050


def test_time_windows_with_failure_horizon_report_lead_time(tmp_path, bench_data):
    cfg = load_config(ROOT / "pipelines" / "bgl_predict.toml")
    cfg.model["kind"] = "logreg"
    result = train(cfg, models_dir=tmp_path)
    test = result.metrics["test"]
    assert test["failure_bursts"] > 0 and "median_lead_seconds" in test
    with pytest.raises(ConfigError, match="windowing.size"):
        parse_config({"name": "x", "input": {"format": "structured_csv", "path": "a.csv"},
                      "windowing": {"kind": "fixed"}, "model": {"kind": "rare"}})


def test_predict_api_matches_cli_columns(tmp_path, hdfs_slice):
    folder = train(load_config(_config(tmp_path, hdfs_slice, kind="logreg"))).folder
    scores = predict(folder, [hdfs_slice])
    assert scores["score"].between(0, 1).all()
    assert set(scores["prediction"]) <= {0, 1}


def test_raw_log_end_to_end_with_block_labels(tmp_path, raw_hdfs_config, run_cli):
    """Raw HDFS lines -> templates -> block sessions -> model; predict re-parses raw lines with
    the template state saved in the model folder."""
    raw, cfg = raw_hdfs_config
    code, out, err = run_cli("train", "--config", str(cfg), "--models-dir", str(tmp_path / "m"))
    assert code == 0, err
    folder = tmp_path / "m" / "hdfs_raw_small" / "v1"
    manifest = read_manifest(folder)
    assert "miner.json" in manifest["artifacts"]
    assert manifest["training_data"]["files"][0]["path"] == str(raw)
    code, out, err = run_cli("predict", "--model", str(folder), str(raw), "--out",
                             str(tmp_path / "s.csv"))
    assert code == 0, err
    scores = pd.read_csv(tmp_path / "s.csv")
    assert scores["id"].str.match(r"blk_-?\d+$").all() and len(scores) > 100


class _Evil:
    """Unpickling this creates a file: proof of whether a pickle was executed."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_swapped_pickle_is_never_executed(tmp_path, hdfs_slice, run_cli):
    import joblib

    folder = train(load_config(_config(tmp_path, hdfs_slice, kind="rare"))).folder
    marker = tmp_path / "pwned"
    joblib.dump(_Evil(marker), folder / "model.joblib")
    code, out, err = run_cli("predict", "--model", str(folder), str(hdfs_slice), "--out",
                             str(tmp_path / "s.csv"))
    assert code == 4 and "checksum mismatch" in err
    assert not marker.exists()
    joblib.load(folder / "model.joblib")  # positive control: the payload is live
    assert marker.exists()

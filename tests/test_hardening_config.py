"""Issue 11: configs are checked field by field (pydantic, strict types), one line per error."""

from __future__ import annotations

import copy

import pytest

from rca.errors import ConfigError
from rca.service.config import ServiceConfig
from rca.train.config import parse_config

BASE = {"name": "m", "input": {"format": "sessions_csv", "path": "s.csv"},
        "model": {"kind": "forest"}}


def _with(section, key, value):
    data = copy.deepcopy(BASE)
    if key is None:
        data[section] = value
    else:
        data.setdefault(section, {})[key] = value
    return data


@pytest.mark.parametrize("section,key,value,needle", [
    ("split", "train_fraction", "lots", "split.train_fraction: Input should be a valid number"),
    ("split", "train_fraction", 1.0, "split.train_fraction: Input should be less than 1"),
    ("split", "seed", "x", "split.seed: Input should be a valid integer"),
    ("features", "novelty", "false", "features.novelty: Input should be a valid boolean"),
    ("name", None, 5, "name: Input should be a valid string"),
    ("name", None, "../x", "name: String should match pattern"),
    ("model", "kind", "svm", "model.kind: Input should be 'forest'"),
    ("output", "version", "../../x", "output.version: model version '../../x' must be one folder"),
    ("output", "version", "/tmp/abs", "output.version: model version '/tmp/abs' must be one"),
    ("features", "weightin", "tfidf", "unknown key 'features.weightin' (allowed: levels,"),
    ("windowing", "kind", "fixed", "time windows need windowing.size"),
])
def test_train_config_rejects_wrong_types_with_one_line(section, key, value, needle):
    with pytest.raises(ConfigError) as exc:
        parse_config(_with(section, key, value))
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_documented_params_example_is_accepted():
    cfg = parse_config(_with("model", "params", {"n_estimators": 300}))
    assert cfg.model["params"] == {"n_estimators": 300}
    assert cfg.split == {"kind": "ratio", "train_fraction": 0.8, "order": "file", "seed": 0}
    assert cfg.features["novelty"] is True and cfg.input["files"] == [{"path": "s.csv"}]


@pytest.mark.parametrize("text,needle", [
    ("max_body_bytes: lots", "max_body_bytes: Input should be a valid integer (got 'lots')"),
    ("port: 99999", "port: Input should be less than or equal to 65535"),
    ("token: 12345", "token: Input should be a valid string (got 12345)"),
    ("token: short", "token must be a string of at least 16 characters"),
    ("thresholds: {memory: high}", "threshold 'memory' must be a number"),
    ("scorer: gpu", "scorer: Input should be 'thread', 'process' or 'off'"),
    ("portt: 1", "unknown key 'portt' (allowed:"),
    ("alarm_threshold: 2", "alarm_threshold: Input should be less than or equal to 1"),
    ("a: &x 1\nb: *x", "YAML aliases (*name) are not allowed"),
])
def test_service_config_rejects_wrong_types(tmp_path, text, needle):
    path = tmp_path / "service.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        ServiceConfig.load(path)
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_service_config_host_and_port_are_honoured(tmp_path, run_cli, monkeypatch):
    path = tmp_path / "service.yaml"
    path.write_text("host: 127.0.0.2\nport: 6123\nthresholds: {memory: 0.9}\n")
    cfg = ServiceConfig.load(path, host=None, port=None)
    assert (cfg.host, cfg.port) == ("127.0.0.2", 6123)
    assert cfg.thresholds["memory"] == 0.9 and cfg.thresholds["cpu"] == 0.7
    assert ServiceConfig.load(path, port=7000).port == 7000  # the command line wins
    seen = {}
    monkeypatch.setattr("rca.api.serve", lambda cfg, **kw: seen.update(host=cfg.host,
                                                                        port=cfg.port))
    code, _, _ = run_cli("serve", "--config", str(path), "--db", str(tmp_path / "s.db"))
    assert code == 0 and seen == {"host": "127.0.0.2", "port": 6123}


def test_cli_port_out_of_range_is_one_line_error(run_cli, tmp_path):
    code, _, err = run_cli("serve", "--port", "99999", "--db", str(tmp_path / "s.db"))
    assert code == 3 and "port: Input should be less than or equal to 65535" in err


def test_short_token_from_environment_is_refused(monkeypatch):
    monkeypatch.setenv("RCA_TOKEN", "12345")
    with pytest.raises(ConfigError, match="RCA_TOKEN must be a string of at least 16"):
        ServiceConfig.load(None)


@pytest.mark.parametrize("version", ["../../..", "/tmp/elsewhere", "a/b", ".."])
def test_train_version_outside_models_folder_is_refused(tmp_path, run_cli, version):
    sessions = tmp_path / "s.csv"
    sessions.write_text("BlockId,TemplateSequence,Label\nb1,E1 E2,Normal\nb2,E1 E3,Anomaly\n")
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(f'name = "m"\n[input]\nformat = "sessions_csv"\npath = "{sessions}"\n'
                   'label_column = "Label"\n[model]\nkind = "rare"\n[split]\nkind = "none"\n')
    code, _, err = run_cli("train", "--config", str(cfg), "--models-dir", str(tmp_path / "models"),
                           "--version", version)
    assert code == 3 and "must be one folder name" in err
    assert not any(tmp_path.parent.glob("*/manifest.json")) and not (tmp_path / "models").exists()

"""Issue 11: a model folder that was forged, mixed or signed with another key never loads, and
no byte of its pickle is unpickled before the signature and checksums are checked."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import joblib
import pytest

from rca.errors import ModelError
from rca.train import load_config, train
from rca.train import signing
from rca.train.store import load_model


class _Evil:
    """A pickle payload: unpickling it creates ``marker`` (stands in for ``os.system``)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _train(tmp_path: Path, name: str = "m") -> Path:
    sessions = tmp_path / f"{name}.csv"
    rows = [f"b{i},E1 E2 E{i % 3},{'Anomaly' if i % 10 == 0 else 'Normal'}" for i in range(40)]
    sessions.write_text("BlockId,TemplateSequence,Label\n" + "\n".join(rows) + "\n")
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(f'name = "{name}"\n[input]\nformat = "sessions_csv"\npath = "{sessions}"\n'
                   'label_column = "Label"\n[model]\nkind = "rare"\n[split]\nkind = "none"\n'
                   '[output]\ndir = "models"\n')
    return train(load_config(cfg)).folder


def _rewrite_digest(folder: Path) -> None:
    """What an attacker without the key can do: recompute the checksum into the manifest."""
    manifest = json.loads((folder / "manifest.json").read_text())
    data = (folder / "model.joblib").read_bytes()
    manifest["artifacts"]["model.joblib"] = {"sha256": hashlib.sha256(data).hexdigest(),
                                             "bytes": len(data)}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))


def test_forged_pickle_with_recomputed_digest_runs_no_code(tmp_path, run_cli):
    folder = _train(tmp_path)
    marker = tmp_path / "pwned"
    joblib.dump(_Evil(marker), folder / "model.joblib")
    _rewrite_digest(folder)
    code, _, err = run_cli("predict", "--model", str(folder), str(tmp_path / "m.csv"),
                           "--out", str(tmp_path / "p.csv"))
    assert code == 4 and "signature does not match" in err and "Traceback" not in err
    assert not marker.exists() and not (tmp_path / "p.csv").exists()
    joblib.load(folder / "model.joblib")  # positive control: the payload is live
    assert marker.exists()


def test_forged_signature_without_the_key_is_refused(tmp_path):
    folder = _train(tmp_path)
    marker = tmp_path / "pwned"
    joblib.dump(_Evil(marker), folder / "model.joblib")
    _rewrite_digest(folder)
    data = (folder / "manifest.json").read_bytes()
    (folder / "manifest.sig").write_text(signing.sign(data, b"a guessed key of 32 characters!!"))
    with pytest.raises(ModelError, match="signature does not match"):
        load_model(folder)
    assert not marker.exists()


def test_swapped_artifact_from_another_model_is_refused(tmp_path):
    a, b = _train(tmp_path, "a"), _train(tmp_path, "b")
    load_model(a), load_model(b)  # both load as they are
    shutil.copy(a / "model.joblib", b / "model.joblib")
    with pytest.raises(ModelError, match="checksum mismatch"):
        load_model(b)
    # even a key holder who re-signs the mixed folder gets it refused: the model ids differ
    _rewrite_digest(b)
    data = (b / "manifest.json").read_bytes()
    (b / "manifest.sig").write_text(signing.sign(data, signing.signing_key()))
    with pytest.raises(ModelError, match="model ids differ"):
        load_model(b)


def test_model_from_another_key_or_unsigned_is_refused(tmp_path, monkeypatch):
    folder = _train(tmp_path)
    monkeypatch.setenv("RCA_MODEL_KEY", "x" * 40)
    with pytest.raises(ModelError, match="signature does not match"):
        load_model(folder)
    monkeypatch.delenv("RCA_MODEL_KEY")
    load_model(folder)
    (folder / "manifest.sig").unlink()
    with pytest.raises(ModelError, match="is not signed"):
        load_model(folder)


def test_signing_key_and_model_files_are_private(tmp_path):
    folder = _train(tmp_path)
    key = signing.key_file()
    assert key.is_file() and not key.is_relative_to(folder)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    for name in ("model.joblib", "manifest.json", "manifest.sig", "metrics.json"):
        assert stat.S_IMODE(os.stat(folder / name).st_mode) & 0o077 == 0, name

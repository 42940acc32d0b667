"""Model folders: ``<dir>/<name>/<version>/`` with ``model.joblib``, ``metrics.json``,
optional JSON state (``miner.json``), ``manifest.json`` holding the SHA-256 of every artifact and
a model id, and ``manifest.sig``, an HMAC of the manifest under a key kept outside the folder
(:mod:`rca.train.signing`).

joblib files are pickles, and loading a pickle runs code. :func:`load_model` therefore checks the
signature and every checksum *before* a byte is unpickled (the bytes hashed are the bytes
loaded), then checks that the pickle carries the manifest's model id, so an artifact from another
model is refused. Folders of an older (unsigned) or newer format are refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rca.errors import ModelError
from rca.train import signing

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MODEL_FILE = "model.joblib"
PACKAGES = ("rca", "numpy", "pandas", "scipy", "scikit-learn", "joblib")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def next_version(model_root: Path) -> str:
    """``v1``, ``v2``, ... : one more than the highest existing ``vN`` folder."""
    taken = [int(m.group(1)) for p in model_root.glob("v*")
             if (m := re.fullmatch(r"v(\d+)", p.name))] if model_root.is_dir() else []
    return f"v{max(taken, default=0) + 1}"


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(folder: Path, model: Any, manifest: dict[str, Any], metrics: dict[str, Any],
               json_artifacts: dict[str, str] | None = None) -> Path:
    """Write the model folder; the manifest is written last, so a half-written folder is
    recognisable (no manifest) and never loads."""
    import io

    import joblib

    folder = Path(folder)
    if (folder / MANIFEST).exists():
        raise ModelError(f"model folder already exists: {folder}")
    key = signing.signing_key(create=True)
    folder.mkdir(parents=True, exist_ok=True, mode=0o750)
    model_id = uuid.uuid4().hex
    buffer = io.BytesIO()
    joblib.dump({"model_id": model_id, "estimator": model}, buffer, compress=3)
    _write_atomic(folder / MODEL_FILE, buffer.getvalue())
    _write_atomic(folder / "metrics.json", json.dumps(metrics, indent=2, default=str).encode())
    for name, text in (json_artifacts or {}).items():
        _write_atomic(folder / name, text.encode("utf-8"))
    names = [MODEL_FILE, "metrics.json", *(json_artifacts or {})]
    full = {
        "format_version": FORMAT_VERSION,
        "model_id": model_id,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "packages": package_versions(),
        **manifest,
        "artifacts": {n: {"sha256": sha256_file(folder / n), "bytes": (folder / n).stat().st_size}
                      for n in names},
    }
    data = json.dumps(full, indent=2, default=str).encode()
    _write_atomic(folder / SIGNATURE, signing.sign(data, key).encode())
    _write_atomic(folder / MANIFEST, data)
    return folder


def _signed_manifest(folder: Path) -> dict[str, Any]:
    """The manifest, after its signature is checked; format version checked."""
    if not folder.is_dir():
        raise ModelError(f"model folder not found: {folder}")
    path = folder / MANIFEST
    if not path.is_file():
        raise ModelError(f"{folder} is not a model folder (no {MANIFEST})")
    data = path.read_bytes()
    try:
        manifest = json.loads(data.decode("utf-8"))
        version = manifest.get("format_version")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as exc:
        raise ModelError(f"{path} is not a valid manifest: {exc}") from None
    if not isinstance(version, int):
        raise ModelError(f"{path} has no valid format_version")
    if version > FORMAT_VERSION:
        raise ModelError(
            f"model folder {folder} has format version {version}, newer than this rca reads "
            f"({FORMAT_VERSION}); upgrade rca to load it"
        )
    if version < FORMAT_VERSION or not (folder / SIGNATURE).is_file():
        raise ModelError(f"model folder {folder} is not signed (format {version}); re-train it "
                         "with this rca")
    signature = (folder / SIGNATURE).read_bytes().decode("ascii", "replace")
    signing.verify(data, signature, signing.signing_key(), str(folder))
    return manifest


def _checked_artifacts(folder: Path, manifest: dict[str, Any]) -> dict[str, bytes]:
    """Read every artifact once and compare its SHA-256 with the (signed) manifest."""
    artifacts = manifest.get("artifacts") or {}
    if not isinstance(artifacts, dict) or MODEL_FILE not in artifacts:
        raise ModelError(f"{folder / MANIFEST} lists no {MODEL_FILE}")
    out = {}
    for name, meta in artifacts.items():
        file = folder / name
        if Path(name).name != name or name in (MANIFEST, SIGNATURE):
            raise ModelError(f"{folder / MANIFEST} names an invalid artifact: {name!r}")
        if not file.is_file():
            raise ModelError(f"model artifact missing: {file}")
        data = file.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != (meta or {}).get("sha256"):
            raise ModelError(
                f"checksum mismatch for {file}: manifest says {str(meta.get('sha256'))[:12]}..., "
                f"file is {actual[:12]}...; refusing to load a modified model"
            )
        out[name] = data
    return out


def read_manifest(folder: Path) -> dict[str, Any]:
    """Read and check the manifest (signature, format version, artifact checksums). Loads no
    pickle."""
    folder = Path(folder)
    manifest = _signed_manifest(folder)
    _checked_artifacts(folder, manifest)
    return manifest


def load_model(folder: Path) -> tuple[Any, dict[str, Any]]:
    """Verify the folder, then unpickle the very bytes that were verified. Returns
    ``(model, manifest)``."""
    import io

    import joblib

    folder = Path(folder)
    manifest = _signed_manifest(folder)
    data = _checked_artifacts(folder, manifest)[MODEL_FILE]
    try:
        payload = joblib.load(io.BytesIO(data))
    except Exception as exc:  # an unreadable pickle despite a valid signature
        raise ModelError(f"cannot load {folder / MODEL_FILE}: {exc}") from None
    if not isinstance(payload, dict) or payload.get("model_id") != manifest.get("model_id"):
        raise ModelError(f"{folder / MODEL_FILE} belongs to another model than {folder / MANIFEST}"
                         " (model ids differ); refusing to load a mixed folder")
    return payload["estimator"], manifest

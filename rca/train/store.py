"""Model folders: ``<dir>/<name>/<version>/`` with ``model.joblib``, ``metrics.json``,
optional JSON state (``miner.json``) and ``manifest.json`` holding the SHA-256 of every artifact.

joblib files are pickles, and loading a pickle runs code. :func:`load_model` therefore checks
every checksum *before* ``joblib.load`` and refuses a folder written by a newer format.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rca.errors import ModelError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
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
    import joblib

    folder = Path(folder)
    if (folder / MANIFEST).exists():
        raise ModelError(f"model folder already exists: {folder}")
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, folder / MODEL_FILE, compress=3)
    _write_atomic(folder / "metrics.json", json.dumps(metrics, indent=2, default=str).encode())
    for name, text in (json_artifacts or {}).items():
        _write_atomic(folder / name, text.encode("utf-8"))
    names = [MODEL_FILE, "metrics.json", *(json_artifacts or {})]
    full = {
        "format_version": FORMAT_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "packages": package_versions(),
        **manifest,
        "artifacts": {n: {"sha256": sha256_file(folder / n), "bytes": (folder / n).stat().st_size}
                      for n in names},
    }
    _write_atomic(folder / MANIFEST, json.dumps(full, indent=2, default=str).encode())
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    """Read and check the manifest (format version, artifact checksums). Loads no pickle."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(f"model folder not found: {folder}")
    path = folder / MANIFEST
    if not path.is_file():
        raise ModelError(f"{folder} is not a model folder (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} is not valid JSON: {exc}") from None
    version = manifest.get("format_version")
    if not isinstance(version, int):
        raise ModelError(f"{path} has no valid format_version")
    if version > FORMAT_VERSION:
        raise ModelError(
            f"model folder {folder} has format version {version}, newer than this rca reads "
            f"({FORMAT_VERSION}); upgrade rca to load it"
        )
    artifacts = manifest.get("artifacts") or {}
    if MODEL_FILE not in artifacts:
        raise ModelError(f"{path} lists no {MODEL_FILE}")
    for name, meta in artifacts.items():
        file = folder / name
        if Path(name).name != name:
            raise ModelError(f"{path} names an artifact outside the folder: {name!r}")
        if not file.is_file():
            raise ModelError(f"model artifact missing: {file}")
        actual = sha256_file(file)
        if actual != meta.get("sha256"):
            raise ModelError(
                f"checksum mismatch for {file}: manifest says {str(meta.get('sha256'))[:12]}..., "
                f"file is {actual[:12]}...; refusing to load a modified model"
            )
    return manifest


def load_model(folder: Path) -> tuple[Any, dict[str, Any]]:
    """Verify the folder, then unpickle the model. Returns ``(model, manifest)``."""
    import joblib

    manifest = read_manifest(folder)
    try:
        model = joblib.load(Path(folder) / MODEL_FILE)
    except Exception as exc:  # an unreadable pickle despite a matching checksum
        raise ModelError(f"cannot load {Path(folder) / MODEL_FILE}: {exc}") from None
    return model, manifest

"""The key that signs model folders, kept outside them (HMAC-SHA256).

A model folder's ``manifest.json`` lists the SHA-256 of every artifact; ``manifest.sig`` is an
HMAC-SHA256 of the manifest's bytes under a key that never lives in a model folder. Whoever can
write the folder but not read the key cannot make a folder that loads: a rewritten checksum breaks
the signature. The key is, in order: ``$RCA_MODEL_KEY`` (the key itself, at least 32
characters), the file named by ``$RCA_MODEL_KEY_FILE``, or ``<data dir>/model-signing.key``
(created with mode 0600 on the first ``rca train``). Threat model: docs/security.md.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from rca.errors import ModelError
from rca.paths import data_dir

KEY_ENV = "RCA_MODEL_KEY"
KEY_FILE_ENV = "RCA_MODEL_KEY_FILE"
MIN_KEY_CHARS = 32


def key_file() -> Path:
    """Where the signing key is read from (and created, when missing)."""
    named = os.environ.get(KEY_FILE_ENV)
    return Path(named).expanduser() if named else data_dir() / "model-signing.key"


def signing_key(create: bool = False) -> bytes:
    """The signing key; with ``create``, a new random key file when there is none."""
    env = os.environ.get(KEY_ENV)
    if env:
        if len(env) < MIN_KEY_CHARS:
            raise ModelError(f"${KEY_ENV} must be at least {MIN_KEY_CHARS} characters")
        return env.encode("utf-8")
    path = key_file()
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        raise ModelError(f"no model signing key ({path} is missing and ${KEY_ENV} is not set): "
                         "a model can only be loaded with the key it was signed with") from None
    except OSError as exc:
        raise ModelError(f"cannot read the model signing key {path}: {exc.strerror}") from None
    if len(key) < MIN_KEY_CHARS:
        raise ModelError(f"model signing key {path} is shorter than {MIN_KEY_CHARS} characters")
    return key


def sign(data: bytes, key: bytes) -> str:
    """Hex HMAC-SHA256 of ``data``."""
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def verify(data: bytes, signature: str, key: bytes, where: str) -> None:
    """Raise :class:`ModelError` unless ``signature`` is the HMAC of ``data`` under ``key``."""
    if not hmac.compare_digest(sign(data, key), signature.strip()):
        raise ModelError(f"{where}: signature does not match the manifest; refusing to load a "
                         "model folder that was modified or signed with another key")

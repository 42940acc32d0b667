"""Off loopback the service needs a bearer token: it refuses to start without one, and write
endpoints refuse requests that lack it."""

from __future__ import annotations

import asyncio

import pytest
from service_helpers import client

from rca.errors import ConfigError
from rca.service import ServiceConfig, create_app
from rca.service.config import is_loopback_host


def test_refuses_to_start_off_loopback_without_token(tmp_path, monkeypatch):
    monkeypatch.delenv("RCA_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="without a token"):
        create_app(ServiceConfig(host="0.0.0.0", db=str(tmp_path / "s.db")))
    create_app(ServiceConfig(host="127.0.0.1", db=str(tmp_path / "s.db")))  # loopback: fine


def test_cli_serve_off_loopback_without_token_is_a_clear_error(run_cli, monkeypatch):
    monkeypatch.delenv("RCA_TOKEN", raising=False)
    _code, _out, err = run_cli("serve", "--host", "10.1.2.3", "--port", "5999")
    assert "refusing to listen on 10.1.2.3 without a token" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("source", ["config", "env"])
def test_write_endpoints_require_the_token(tmp_path, monkeypatch, source):
    monkeypatch.delenv("RCA_TOKEN", raising=False)
    if source == "env":
        monkeypatch.setenv("RCA_TOKEN", "s3cret-0123456789abcdef")
        cfg = ServiceConfig(host="0.0.0.0", db=str(tmp_path / "s.db"))
    else:
        cfg = ServiceConfig(host="0.0.0.0", token="s3cret-0123456789abcdef", db=str(tmp_path / "s.db"))

    async def go():
        async with client(create_app(cfg)) as c:
            body = [{"message": "x", "service": "a"}]
            assert (await c.post("/v1/logs", json=body)).status_code == 401
            wrong = {"Authorization": "Bearer nope"}
            assert (await c.post("/v1/logs", json=body, headers=wrong)).status_code == 401
            assert (await c.post("/v1/metrics", content=b"a_cpu 1")).status_code == 401
            assert (await c.post("/v1/incidents/x/feedback", json={"fix": "y"})).status_code \
                == 401
            ok = {"Authorization": "Bearer s3cret-0123456789abcdef"}
            assert (await c.post("/v1/logs", json=body, headers=ok)).status_code == 202
            assert (await c.get("/healthz")).status_code == 200
            assert (await c.get("/v1/stats")).json()["stored"]["logs"] == 1

    asyncio.run(go())


def test_loopback_names():
    assert is_loopback_host("127.0.0.1") and is_loopback_host("::1")
    assert is_loopback_host("localhost") and is_loopback_host("127.3.4.5")
    assert not is_loopback_host("0.0.0.0") and not is_loopback_host("192.168.1.2")


def test_model_folder_with_wrong_checksum_is_refused(tmp_path):
    import json

    from rca.errors import ModelError

    folder = tmp_path / "model" / "v1"
    folder.mkdir(parents=True)
    (folder / "model.joblib").write_bytes(b"not the pickle the manifest describes")
    (folder / "manifest.json").write_text(json.dumps({
        "format_version": 2, "artifacts": {"model.joblib": {"sha256": "0" * 64}}}))
    with pytest.raises(ModelError, match="is not signed"):
        create_app(ServiceConfig(db=str(tmp_path / "s.db"), model_dir=str(folder)))

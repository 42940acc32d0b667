"""The service's non-HTTP sources: one Prometheus puller per database however many workers
serve it; bad ``prometheus`` settings are config errors."""

from __future__ import annotations

import asyncio

import pytest

from rca.errors import ConfigError
from rca.service import ServiceConfig
from rca.service.sources import _PullLock


def test_one_pull_lock_per_database(tmp_path):
    db = tmp_path / "svc.sqlite3"
    first = _PullLock.take(db)
    assert first is not None
    assert _PullLock.take(db) is None  # a second worker does not pull
    assert _PullLock.take(tmp_path / "other.sqlite3") is not None
    asyncio.run(first.stop())
    assert _PullLock.take(db) is not None  # released with the app


@pytest.mark.parametrize("setting, word", [
    ({"url": "ftp://x", "queries": {"a": "up"}}, "url"),
    ({"url": "http://x", "queries": {}}, "queries"),
    ({"url": "http://x", "queries": {"a": "up"}, "interval_seconds": 0}, "interval_seconds"),
    ({"url": "http://x", "queries": {"a": "up"}, "typo": 1}, "typo"),
])
def test_bad_prometheus_settings_are_config_errors(setting, word):
    with pytest.raises(ConfigError, match=word):
        ServiceConfig.load(None, prometheus=setting)

"""The dashboard in a real headless Chromium: a real server (uvicorn on a free loopback port),
an incident injected through the API, and the page must show it with its root cause."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import httpx
import pytest
from service_helpers import incident_logs, ndjson, running_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.browser


@pytest.fixture()
def server(tmp_path):
    with running_server(tmp_path / "svc.sqlite3") as base:
        yield base


def test_dashboard_shows_incident_with_root_cause(server, tmp_path):
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("CI"):
            pytest.fail("chromium is missing (tasks.py installs Debian's chromium)")
        pytest.skip("chromium not installed")
    sync_api = pytest.importorskip("playwright.sync_api")

    r = httpx.post(server + "/v1/logs", content=ndjson(incident_logs()),
                   headers={"content-type": "application/x-ndjson"}, timeout=30)
    assert r.status_code == 202
    deadline = time.monotonic() + 30
    while True:
        incs = httpx.get(server + "/v1/incidents", timeout=5).json()["incidents"]
        if incs and incs[0]["root_causes"]:
            break
        assert time.monotonic() < deadline, "no incident analysed"
        time.sleep(0.1)
    inc = incs[0]
    assert inc["root_causes"][0]["service"] == "db"

    shot = tmp_path / "dashboard.png"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(server + "/", wait_until="domcontentloaded", timeout=30_000)
            card = page.locator(f'[data-incident="{inc["id"]}"]')
            card.wait_for(timeout=20_000)
            cause = card.locator(".root-cause").first
            assert "db" in cause.inner_text()
            assert "ENOSPC" in card.inner_text()
            if inc["suggestions"]:  # fixes from the remediation library are shown too
                assert inc["suggestions"][0]["id"] in card.inner_text()
            page.locator('[data-service="db"]').wait_for(timeout=10_000)
            page.locator("#charts svg polyline").first.wait_for(state="attached", timeout=10_000)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    if os.environ.get("RCA_SAVE_SCREENSHOT"):
        dest = ROOT / "benchmarks" / "results" / "dashboard.png"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, dest)

"""Issue 11: the service answers every request generated from its OpenAPI schema (schemathesis)
and every random ingest body (hypothesis) without a 500, and one bad record cannot break
``/reliability`` (issue item 3). Bounded examples."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from rca.service import ServiceConfig, create_app

_DB = Path(tempfile.mkdtemp(prefix="rca-fuzz-")) / "svc.sqlite3"
APP = create_app(ServiceConfig(db=str(_DB), scorer="thread", analysis_interval_seconds=0.0))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
LIMITS = settings(max_examples=25, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", autouse=True)
def _runtime():
    rt = APP.state.runtime
    rt.start()
    yield
    rt.stop()


@schema.parametrize()
@LIMITS
def test_no_request_from_the_schema_gets_a_500(case):
    response = case.call()
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])


_SCALAR = (st.none() | st.booleans() | st.integers() | st.text(max_size=12)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from([1e30, -1e30, 1e300, 1700000000, 1700000000000, "9999-12-31"]))
_RECORD = st.dictionaries(st.sampled_from(["message", "msg", "service", "timestamp", "time",
                                           "level", "severity", "name", "value", "series",
                                           "ts", "labels", "attributes"]), _SCALAR, max_size=6)
_BODY = st.one_of(st.lists(_RECORD | _SCALAR, max_size=5), _RECORD, _SCALAR,
                  st.binary(max_size=200))


@LIMITS
@given(body=_BODY, path=st.sampled_from(["/v1/logs", "/v1/metrics"]),
       ctype=st.sampled_from(["application/json", "text/plain", "application/x-ndjson", ""]))
def test_random_ingest_bodies_never_get_a_500_nor_break_reads(body, path, ctype):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    with TestClient(APP) as c:
        r = c.post(path, content=data, headers={"content-type": ctype})
        assert r.status_code < 500, r.text[:300]
        for read in ("/reliability", "/v1/incidents", "/v1/stats", "/v1/scores", "/healthz"):
            assert c.get(read).status_code < 500, read


@pytest.mark.parametrize("stamp", [1e30, -1e30, "9999-12-31T00:00:00Z", 1e300])
def test_one_record_with_a_huge_timestamp_cannot_break_reliability(tmp_path, stamp):
    import time

    cfg = ServiceConfig(db=str(tmp_path / "s.sqlite3"), analysis_interval_seconds=0.0)
    for _ in range(2):  # and still after a restart
        app = create_app(cfg)
        with TestClient(app) as c:
            r = c.post("/v1/logs", json=[{"message": "x", "service": "e", "timestamp": stamp},
                                         {"message": "ok", "service": "e"}])
            assert r.status_code in (202, 400), r.text  # stored at receive time, or refused
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # let the scorer take the batch in
                st = c.get("/v1/stats").json()
                if st["scored"] == st["stored"]:
                    break
                time.sleep(0.1)
            assert c.get("/reliability").status_code == 200


def test_lines_and_records_per_request_are_bounded(tmp_path):
    cfg = ServiceConfig(db=str(tmp_path / "s.sqlite3"), max_request_events=100)
    with TestClient(create_app(cfg)) as c:
        r = c.post("/v1/logs", content=b"a\n" * 100, headers={"content-type": "text/plain"})
        assert r.status_code == 413 and "more than 100 lines" in r.text
        r = c.post("/v1/logs", json=[{"message": "m"}] * 101)  # one line, 101 records
        assert r.status_code == 413 and "more than 100 records" in r.text
        r = c.post("/v1/logs", content=b"a\n" * 99, headers={"content-type": "text/plain"})
        assert r.status_code == 202 and r.json()["accepted"] == 99


def test_big_bodies_are_validated_off_the_event_loop(tmp_path):
    from rca.service import runtime

    line = json.dumps({"message": "GET /x 200 " + "y" * 100, "service": "web"})
    body = ("\n".join([line] * 9000) + "\n").encode()
    assert len(body) >= runtime.BIG_BODY
    with TestClient(create_app(ServiceConfig(db=str(tmp_path / "s.sqlite3")))) as c:
        r = c.post("/v1/logs", content=body, headers={"content-type": "application/x-ndjson"})
        assert r.status_code == 202 and r.json()["accepted"] == 9000
    assert runtime._POOL is not None  # the spawned validation process did the parsing

"""Grouping alarms into incidents: time overlap AND (same service, a dependency, a shared
signature); a lone new signature never opens one; an alarm relating two incidents merges them."""

from __future__ import annotations

from rca.service.config import ServiceConfig
from rca.service.incidents import Incidents


def _alarm(ts, service, **kw):
    return {"ts": ts, "service": service, "kind": "logs", "name": "error_burst", "score": 1.0,
            "value": 5.0, **kw}


def test_unrelated_services_at_the_same_time_stay_apart():
    inc = Incidents(ServiceConfig(), {})
    inc.add([_alarm(100, "payments"), _alarm(110, "storage")], max_ts=110)
    assert sorted(list(i["services"]) for i in inc.open) == [["payments"], ["storage"]]


def test_a_dependency_or_a_named_service_joins_and_merges():
    cfg = ServiceConfig(deps=[{"caller": "api", "callee": "storage"}])
    inc = Incidents(cfg, {})
    inc.add([_alarm(100, "storage"), _alarm(105, "orders")], max_ts=105)
    assert len(inc.open) == 2
    # api depends on storage and its errors name orders: one incident now
    changed = inc.add([_alarm(120, "api", msg="upstream orders returned 503")], max_ts=120)
    assert len(inc.open) == 1 and set(inc.open[0]["services"]) == {"storage", "orders", "api"}
    merged = [c for c in changed if c["status"] == "merged"]
    assert len(merged) == 1 and merged[0]["merged_into"] == inc.open[0]["id"]


def test_far_apart_alarms_of_one_service_are_two_incidents():
    inc = Incidents(ServiceConfig(incident_gap_seconds=60), {})
    inc.add([_alarm(100, "storage")], max_ts=100)
    changed = inc.add([_alarm(1000, "storage")], max_ts=1000)
    assert [c["status"] for c in changed if c["status"] != "open"] == ["resolved"]
    assert len(inc.open) == 1 and inc.open[0]["start"] == 1000


def test_a_lone_new_signature_does_not_open_an_incident_but_joins_one():
    inc = Incidents(ServiceConfig(), {})
    sig = dict(kind="signature", name="new_error", opens=False, signature="t1")
    inc.add([_alarm(100, "storage", **sig)], max_ts=100)
    assert inc.open == []
    inc.add([_alarm(110, "storage"), _alarm(115, "storage", **sig)], max_ts=115)
    assert len(inc.open) == 1 and inc.open[0]["signatures"] == ["t1"]
    assert inc.open[0]["alarms"] == 2

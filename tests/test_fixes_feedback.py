"""Learning from resolved incidents: the SQLite store, similarity, and the suggest loop."""

from __future__ import annotations

import sqlite3

import pytest

from rca import api
from rca.errors import InputError
from rca.fixes import FeedbackStore, Library, incident_id
from rca.fixes.feedback import tokens
from rca.paths import data_dir

UNSEEN_A = "lease renewal failed for lock orders-leader: held by orders-7f9c8 since 10:02:11"
UNSEEN_B = "lease renewal failed for lock payments-leader: held by payments-55d1 since 23:40:09"
UNRELATED = "kafka consumer group billing-events stuck in rebalance for 300s"


@pytest.fixture()
def lib() -> Library:
    return Library.load(use_env=False)


def test_store_is_sqlite_in_wal_mode_under_the_data_dir():
    store = FeedbackStore()
    store.remember_incident("inc-1", ["a b c"], ["orders"])
    store.remember_incident("inc-1", ["a b c", "d e f"], ["orders", "db"])
    file = data_dir() / "feedback.sqlite"
    assert store.file == file and file.is_file()
    with sqlite3.connect(file) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"incidents", "feedback"} <= tables
    info = store.incident("inc-1")
    assert info["signatures"] == ["a b c", "d e f"] and info["services"] == ["orders", "db"]
    assert info["fixes"] == []


def test_reading_an_absent_store_creates_nothing():
    store = FeedbackStore()
    assert store.similar(["anything"]) == [] and store.resolved() == []
    assert not store.file.exists()


def test_record_needs_a_known_incident_or_a_signature():
    store = FeedbackStore()
    with pytest.raises(InputError, match="unknown incident 'inc-x'"):
        store.record("inc-x", "disk-full")
    store.record("inc-x", "disk-full", signature="No space left on device")
    assert store.incident("inc-x")["fixes"] == ["disk-full"]
    with pytest.raises(InputError, match="invalid fix id"):
        store.record("inc-x", "rm -rf /")


def test_masked_tokens_ignore_numbers_addresses_and_paths():
    assert tokens("timeout after 3000ms to 10.0.0.5:5432") == tokens("timeout after 12ms to 10.9.9.9:80")
    assert tokens("open /var/lib/app/x.json failed") == ["open", "<*>", "failed"]
    assert incident_id("2026-01-01T00:00:00Z", ["b", "a"], ["x"]) == incident_id(
        "2026-01-01T00:00:00Z", ["a", "b"], ["x"])


def test_learning_loop_suggests_what_fixed_a_similar_incident(lib):
    store = FeedbackStore()
    # incident A: no library entry matches its signature; the operator says clock-skew fixed it
    assert lib.suggest([("orders", UNSEEN_A)]) == []
    store.remember_incident("inc-A", [UNSEEN_A], ["orders"])
    store.record("inc-A", "clock-skew")
    # incident B: a similar, never seen signature -> clock-skew, from feedback, conf = similarity
    hits = store.similar([UNSEEN_B])
    assert hits and hits[0].fix_id == "clock-skew" and hits[0].incident_id == "inc-A"
    sug = lib.suggest([("payments", UNSEEN_B)], feedback=store)
    assert [s.id for s in sug] == ["clock-skew"]
    assert sug[0].source == "feedback" and sug[0].service == "payments"
    assert sug[0].confidence == pytest.approx(hits[0].similarity, abs=1e-3)
    assert 0.3 <= sug[0].confidence < 1.0
    assert "inc-A" in sug[0].steps[0] and sug[0].title == lib.get("clock-skew").title
    # an unrelated signature gets nothing
    assert lib.suggest([("billing", UNRELATED)], feedback=store) == []


def test_fixes_outside_the_library_are_suggested_by_name(lib):
    store = FeedbackStore()
    store.record("inc-k", "restart-kafka-consumers", signature=UNRELATED)
    sug = lib.suggest([("billing", "kafka consumer group payments-events stuck in rebalance for 120s")],
                      feedback=store)
    assert sug[0].id == "restart-kafka-consumers" and sug[0].source == "feedback"


def test_fixes_that_worked_before_are_boosted(lib):
    line = "upstream payment returned 504 Gateway Timeout (GET /api/orders/1)"
    before = {s.id: s.confidence for s in lib.suggest([("frontend", line)])}
    assert {"timeout", "upstream-5xx"} <= set(before)
    loser = min(("timeout", "upstream-5xx"), key=lambda k: before[k])
    store = FeedbackStore()
    store.record("inc-old", loser, signature="upstream payment returned 504 Gateway Timeout (GET /api/carts/7)")
    after = lib.suggest([("frontend", line)], feedback=store)
    assert after[0].id == loser and after[0].confidence > before[loser]
    assert any("inc-old" in step for step in after[0].steps)


def test_cli_feedback_then_api_suggests(run_cli):
    code, out, err = run_cli("feedback", "inc-42", "--fix", "clock-skew")
    assert code == 2 and "unknown incident" in err
    code, out, _ = run_cli("feedback", "inc-42", "--fix", "clock-skew", "--signature", UNSEEN_A)
    assert code == 0 and "inc-42" in out and "clock-skew" in out
    code, out, _ = run_cli("feedback", "inc-43", "--fix", "our-runbook-7", "--signature", "x y z")
    assert code == 0 and "not a library id" in out
    sug = api.suggest_fixes([("payments", UNSEEN_B)])
    assert sug and sug[0].id == "clock-skew"
    assert api.suggest_fixes([("payments", UNSEEN_B)], feedback=False) == []

"""Constants from evidence (rca.templates.evidence): a digit-bearing word that never varies
is a constant of its template; one that varies stays a variable. Made-up messages."""

from __future__ import annotations

import json

from rca.templates import TemplateMiner
from rca.templates.batch import add_many


def _stream(version: str, n: int, start: int = 0) -> list[str]:
    return [f"negotiated {version} with peer 10.0.0.{k % 250} in {k + 3}ms"
            for k in range(start, start + n)]


def test_a_digit_word_that_never_varies_becomes_a_constant_and_old_ids_resolve():
    miner = TemplateMiner(const_min=4)
    out = [miner.add(m) for m in _stream("http2", 6)]
    assert out[0].template == "negotiated <*> with peer <*> in <*>"  # masked at first sight
    assert out[-1].template == "negotiated http2 with peer <*> in <*>"
    assert out[-1].params == ("10.0.0.5", "8ms")  # the constant is no parameter
    assert {miner.resolve(m.template_id) for m in out} == {out[-1].template_id}
    assert len(miner) == 1 and miner.sizes[out[-1].template_id] == 6
    assert miner.match("negotiated http2 with peer 10.0.0.9 in 1ms").template_id == \
        out[-1].template_id


def test_below_the_evidence_the_position_stays_masked():
    miner = TemplateMiner(const_min=4)
    out = [miner.add(m) for m in _stream("v002", 3)]
    assert out[-1].template == "negotiated <*> with peer <*> in <*>"
    assert TemplateMiner(const_min=0).add(_stream("v002", 1)[0]).template == out[-1].template


def test_a_word_that_varies_stays_a_variable():
    miner = TemplateMiner(const_min=3)
    names = ["worker1", "worker2", "worker1", "worker3", "worker2", "worker1", "worker4"]
    out = [miner.add(f"thread {w} picked job {k}") for k, w in enumerate(names)]
    assert {m.template for m in out} == {"thread <*> picked job <*>"}
    assert out[-1].params == ("worker4", "6")


def test_a_restored_constant_that_meets_another_value_becomes_a_variable_for_good():
    miner = TemplateMiner(const_min=3)
    first = [miner.add(m) for m in _stream("sha256", 5)]
    assert first[-1].template == "negotiated sha256 with peer <*> in <*>"
    other = miner.add("negotiated sha512 with peer 10.0.0.7 in 4ms")
    assert other.template == "negotiated <*> with peer <*> in <*>"
    assert other.params == ("sha512", "10.0.0.7", "4ms")
    # the general template takes back the id it had before the constant was restored,
    # and every id handed out resolves to it
    assert other.template_id == first[0].template_id
    assert {miner.resolve(m.template_id) for m in first} == {other.template_id}
    assert len(miner) == 1 and miner.sizes[other.template_id] == 6
    # no flapping: more of the first value keep the variable
    assert {miner.add(m).template for m in _stream("sha256", 5, start=20)} == {other.template}


def test_two_constants_in_one_message_and_a_varying_neighbour():
    miner = TemplateMiner(const_min=3)
    lines = [f"PSR0={k:#x} PSR1={k * 7:#x} arch x86_64 cpu{k % 8} online" for k in range(1, 9)]
    out = [miner.add(m) for m in lines]
    assert out[-1].template == "PSR0=<*> PSR1=<*> arch x86_64 <*> online"


def test_batch_and_line_by_line_agree_with_restored_constants():
    lines = (_stream("utf8", 5) + ["negotiated utf16 with peer 10.0.0.1 in 9ms"]
             + _stream("utf8", 3, start=40) + [f"loaded log4j config {k}" for k in range(6)])
    one = TemplateMiner(const_min=3)
    ids = [one.add(m).template_id for m in lines]
    codes, batch_ids, texts = add_many(TemplateMiner(const_min=3), lines)
    assert [batch_ids[c] for c in codes] == ids
    assert "loaded log4j config <*>" in one.templates.values()


def test_state_round_trip_keeps_the_evidence():
    miner = TemplateMiner(const_min=4)
    for m in _stream("ipv6", 2):
        miner.add(m)
    again = TemplateMiner.from_json(json.loads(json.dumps(miner.to_json())))
    assert again.const_min == 4
    out = [again.add(m) for m in _stream("ipv6", 2, start=2)]
    assert out[-1].template == "negotiated ipv6 with peer <*> in <*>"


def test_identifiers_and_dotted_names_are_never_restored():
    miner = TemplateMiner(const_min=2)
    lines = [f"lease for client_1537864556_1 on host-41.example.lan renewed in {k}ms"
             for k in range(5)]
    assert miner.add(lines[0]).template == [miner.add(m) for m in lines[1:]][-1].template
    assert "client_1537864556_1" not in miner.add(lines[0]).template


def test_evidence_is_counted_when_the_caches_have_forgotten_the_message():
    def interleaved(lines):  # another event between any two: a one-entry cache forgets
        return [x for k, m in enumerate(lines) for x in (m, f"disk sda{k % 3} is full")]

    steady = TemplateMiner(const_min=3, max_cache=1)
    out = [steady.add(m) for m in interleaved(_stream("http2", 4))]
    assert out[-2].template == "negotiated http2 with peer <*> in <*>"
    varied = TemplateMiner(const_min=3, max_cache=1)
    lines = _stream("http2", 2) + ["negotiated http3 with peer 10.0.0.1 in 9ms"] + \
        _stream("http2", 4, start=10)
    assert {varied.add(m).template for m in interleaved(lines)} >= \
        {"negotiated <*> with peer <*> in <*>"}
    assert "negotiated http2 with peer <*> in <*>" not in varied.templates.values()


def test_batch_checks_restored_constants_inside_a_stretch_of_one_shape():
    lines = _stream("http2", 6) + _stream("http3", 1, start=6) + _stream("http2", 4, start=7)
    one = TemplateMiner(const_min=3)
    ids = [one.add(m).template_id for m in lines]
    batch = TemplateMiner(const_min=3)
    codes, batch_ids, _ = add_many(batch, lines[:6])  # the constant is restored in this batch
    codes2, batch_ids2, texts2 = add_many(batch, lines[6:])  # one shape: http3 mid-stretch
    got = [batch_ids[c] for c in codes] + [batch_ids2[c] for c in codes2]
    assert got == ids and ids[5] != ids[6]
    assert {texts2[c] for c in codes2} == {"negotiated <*> with peer <*> in <*>"}
    assert batch.sizes == one.sizes == {ids[6]: len(lines)}


def test_batch_sees_a_restored_constant_undone_for_every_shape():
    # peers and times of one and two digits: several shapes share the restored template
    lines = _stream("http2", 12) + _stream("http3", 1, start=12) + _stream("http2", 20, start=3)
    one = TemplateMiner(const_min=3)
    ids = [one.add(m).template_id for m in lines]
    batch = TemplateMiner(const_min=3)
    codes, batch_ids, _ = add_many(batch, lines)
    assert [batch_ids[c] for c in codes] == ids
    assert batch.sizes == one.sizes == {ids[-1]: len(lines)}

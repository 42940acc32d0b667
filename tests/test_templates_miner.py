"""The online template miner: ids, params, match vs add, generalisation, JSON state."""

from __future__ import annotations

import json
import os

import pytest

from rca.errors import InputError, ModelError
from rca.templates import TemplateMatch, TemplateMiner, template_id

LINES = [
    "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010",
    "Receiving block blk_7503483334202473044 src: /10.251.215.16:55695 dest: /10.251.215.16:50010",
    "PacketResponder 1 for block blk_38865049064139660 terminating",
    "loading module core.utils took 12ms",
    "loading module core.http took 7ms",
    "loading module core.db took 30ms",
    "Verification succeeded for blk_-4980916519894289629",
    "session opened for user root by (uid=0)",
    "session opened for user news by (uid=9)",
]


def test_add_returns_template_params_and_new_flag():
    miner = TemplateMiner()
    first = miner.add(LINES[0])
    assert isinstance(first, TemplateMatch)
    assert first.template == "Receiving block <*> src: <*> dest: <*>"
    assert first.params == ("blk_-1608999687919862906", "/10.250.19.102:54106",
                            "/10.250.19.102:50010")
    assert first.is_new and first.template_id == template_id(first.template)
    second = miner.add(LINES[1])
    assert not second.is_new and second.template_id == first.template_id
    assert second.params[0] == "blk_7503483334202473044"
    assert len(miner) == 1 and miner.sizes[first.template_id] == 2


def test_ids_are_stable_across_miners_and_shards():
    a, b = TemplateMiner(), TemplateMiner()
    ids_a = [a.add(x).template_id for x in LINES]
    ids_b = [b.add(x).template_id for x in LINES]
    assert ids_a == ids_b
    # a shard that only sees some of the lines names a shared template the same way
    shard = TemplateMiner()
    assert shard.add(LINES[6]).template_id == a.match(LINES[6]).template_id
    assert a.templates == b.templates


def test_online_generalisation_keeps_old_ids_resolvable():
    miner = TemplateMiner()
    r1 = miner.add(LINES[3])
    assert r1.template == "loading module core.utils took <*>"
    r2 = miner.add(LINES[4])  # differs in one non-word token: the template generalises
    assert r2.template == "loading module <*> took <*>"
    assert r2.params == ("core.http", "7ms")
    assert r2.template_id != r1.template_id
    assert miner.resolve(r1.template_id) == r2.template_id
    assert miner.resolve(r2.template_id) == r2.template_id
    assert r1.template_id not in miner.templates
    assert miner.sizes[r2.template_id] == 2
    # a later training line and an inference line land on the general template
    assert miner.add(LINES[5]).template_id == r2.template_id
    again = miner.add(LINES[3])  # its shape was cached for the old template
    assert again.template_id == r2.template_id and again.params == ("core.utils", "12ms")
    assert miner.match("loading module core.cache took 1ms").params == ("core.cache", "1ms")


def test_plain_words_do_not_merge_event_types():
    miner = TemplateMiner()
    a = miner.add("VM Started (Lifecycle Event)")
    b = miner.add("VM Paused (Lifecycle Event)")
    assert a.template_id != b.template_id and len(miner) == 2


def test_repeated_distinct_words_become_a_variable():
    miner = TemplateMiner()
    hives = ["SOFTWARE", "SYSTEM", "SECURITY", "SAM", "COMPONENTS", "DEFAULT"]
    out = [miner.add(f"Loading offline registry hive {h} into registry") for h in hives]
    final = {miner.resolve(m.template_id) for m in out}
    assert len(final) == 1
    assert miner.templates[final.pop()] == "Loading offline registry hive <*> into registry"


def test_variable_length_values_share_a_template():
    miner = TemplateMiner()
    a = miner.add("proxy.example.com:5070 close, 1190 bytes (1.16 KB) sent, lifetime 00:02")
    b = miner.add("www.example.com:443 close, 0 bytes sent, lifetime <1 sec")
    assert miner.resolve(a.template_id) == b.template_id
    assert b.template == "<*> close, <*> sent, lifetime <*>"
    assert b.params == ("www.example.com:443", "0 bytes", "<1 sec")


def test_match_agrees_with_add_and_does_not_learn():
    miner = TemplateMiner()
    added = [miner.add(x) for x in LINES]
    n = len(miner)
    for line, m in zip(LINES, added):
        hit = miner.match(line)
        assert hit is not None and hit.template_id == miner.resolve(m.template_id)
        assert not hit.is_new
    assert miner.match("something never seen before at all") is None
    assert len(miner) == n


def test_only_first_line_of_a_multiline_message_is_templated():
    miner = TemplateMiner()
    m = miner.add("request failed for 42\nTraceback (most recent call last):\n  File x")
    assert m.template == "request failed for <*>" and m.params == ("42",)


def test_json_round_trip_keeps_ids_and_behaviour(tmp_path):
    miner = TemplateMiner()
    for x in LINES:
        miner.add(x)
    state = miner.to_json()
    json.dumps(state)  # plain JSON
    again = TemplateMiner.from_json(json.loads(json.dumps(state)))
    assert again.templates == miner.templates
    for x in LINES:
        assert again.match(x) == miner.match(x)
    # both keep learning the same way
    nxt = "loading module core.auth took 3ms"
    assert again.add(nxt) == miner.add(nxt)
    path = miner.save(tmp_path / "state" / "miner.json")
    loaded = TemplateMiner.load(path)
    assert loaded.templates == miner.templates
    assert loaded.resolve(template_id("loading module core.utils took <*>")) == \
        miner.add(nxt).template_id


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "miner.json"
    miner = TemplateMiner()
    miner.add(LINES[0])
    miner.save(path)
    before = path.read_text()
    miner.add(LINES[2])

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("rca.templates.state.json.dump", boom)
    with pytest.raises(OSError):
        miner.save(path)
    assert path.read_text() == before  # the old state is intact
    assert os.listdir(tmp_path) == ["miner.json"]  # no temporary file left behind


def test_load_errors_are_one_line_rca_errors(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        TemplateMiner.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        TemplateMiner.load(bad)
    bad.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ModelError, match="not a template miner state"):
        TemplateMiner.load(bad)
    state = TemplateMiner().to_json()
    del state["templates"]
    with pytest.raises(ModelError, match="damaged"):
        TemplateMiner.from_json(state)


def test_fit_transform_returns_final_templates():
    miner = TemplateMiner()
    out = miner.fit_transform(LINES[3:6])
    assert {m.template for m in out} == {"loading module <*> took <*>"}
    assert [m.params for m in out][0] == ("core.utils", "12ms")


def test_cache_limit_bounds_memory():
    miner = TemplateMiner(max_cache=8)
    for k in range(200):
        miner.add(f"worker w{'x' * (k % 50)} state {'y' * k} ready")
    assert len(miner._cache) <= 8 and len(miner._fast) <= 8


def test_variable_length_list_becomes_one_variable_on_evidence():
    from rca.templates import TemplateMiner

    miner = TemplateMiner()
    first = miner.add("nodes down: 10.0.0.1 10.0.0.2 10.0.0.3")
    assert first.template == "nodes down: <*> <*> <*>"  # one length seen: items kept
    second = miner.add("nodes down: 10.0.0.4 10.0.0.5 10.0.0.6 10.0.0.7 10.0.0.8")
    assert second.template == "nodes down: <*>"
    assert miner.resolve(first.template_id) == second.template_id  # the old id follows
    assert miner.add("nodes down: 10.1.1.1 10.1.1.2 10.1.1.3 10.1.1.4").template_id == \
        second.template_id
    # a list whose length never varies keeps its slots: a different item is another event
    a = miner.add("Fan speeds ( 3552 3534 3375 **** 3515 3479 )")
    b = miner.add("Fan speeds ( 3552 3534 3375 3405 3515 3479 )")
    assert a.template_id != b.template_id
    again = TemplateMiner.from_json(miner.to_json())
    assert again.match("nodes down: 10.2.2.2 10.2.2.3 10.2.2.4 10.2.2.5 10.2.2.6 10.2.2.7") \
        .template_id == second.template_id


def test_an_optional_decorated_part_is_one_event_in_either_order():
    # the decorated form first: the plain form turns it into the plain template, old id resolves
    miner = TemplateMiner()
    a = miner.add("connected to pool(3) after 5ms")
    assert a.template == "connected to pool(<*>) after <*>"
    b = miner.add("connected to 10.0.0.1 after 7ms")
    assert b.template == "connected to <*> after <*>" and b.params == ("10.0.0.1", "7ms")
    assert miner.resolve(a.template_id) == b.template_id and len(miner) == 1
    c = miner.add("connected to pool(4) after 1ms")
    assert c.template_id == b.template_id and c.params == ("pool(4)", "1ms")
    # the plain form first: the decorated one joins it, and inference finds it too
    other = TemplateMiner()
    first = other.add("connected to 10.0.0.1 after 7ms")
    assert other.add("connected to pool(3) after 5ms").template_id == first.template_id
    assert other.match("connected to shard[9] after 2ms").template_id == first.template_id
    again = TemplateMiner.from_json(json.loads(json.dumps(miner.to_json())))
    assert again.add("connected to pool(8) after 2ms").template_id == b.template_id


def test_different_wording_around_a_variable_stays_apart():
    miner = TemplateMiner()
    a = miner.add("read from cache(3) in 5ms")
    b = miner.add("read from disk(4) in 5ms")
    assert a.template_id != b.template_id and len(miner) == 2
    c = TemplateMiner(skeleton_merge=False)
    c.add("connected to pool(3) after 5ms")
    assert c.add("connected to 10.0.0.1 after 7ms").is_new

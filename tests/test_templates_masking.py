"""Masking rules (rca/templates/masking.yaml) and the Masker."""

from __future__ import annotations

import pytest

from rca.errors import ConfigError
from rca.templates.masking import Masker, MaskRule, load_rules


@pytest.fixture(scope="module")
def masker() -> Masker:
    return Masker.default()


@pytest.mark.parametrize("text, value", [
    ("10.250.19.102", "10.250.19.102"),
    ("/10.250.19.102:50010", "/10.250.19.102:50010"),
    ("2001:db8::8a2e:370:7334", "2001:db8::8a2e:370:7334"),
    ("fe80::1", "fe80::1"),
    ("0x7f3a", "0x7f3a"),
    ("113d3a99c3da401fbd62cc2caa5b96d2", "113d3a99c3da401fbd62cc2caa5b96d2"),
    ("b9000564-fe1a-409b-b8cc-1e88b294cd1d", "b9000564-fe1a-409b-b8cc-1e88b294cd1d"),
    ("/var/lib/nova/instances/_base", "/var/lib/nova/instances/_base"),
    ("https://example.com/a?b=1", "https://example.com/a?b=1"),
    ("2017-05-16 00:00:00.008", "2017-05-16 00:00:00.008"),
    ("2017-05-16T00:00:00Z", "2017-05-16T00:00:00Z"),
    ("Sun Jul  3 10:05:25 2005", "Sun Jul  3 10:05:25 2005"),
    ("18:01:47", "18:01:47"),
    ("12ms", "12ms"),
    ("3.5s", "3.5s"),
    ("blk_-1608999687919862906", "blk_-1608999687919862906"),
    ("ops@example.com", "ops@example.com"),
    ("00:0d:60:e9:1d:dc", "00:0d:60:e9:1d:dc"),
    ("proxy.cse.cuhk.edu.hk:5070", "proxy.cse.cuhk.edu.hk:5070"),
    ("1.16 KB", "1.16 KB"),
    ("12345", "12345"),
])
def test_each_rule_masks_the_whole_value(masker, text, value):
    masked, values = masker.mask(f"got {text} here")
    assert masked == "got <*> here"
    assert values == (value,)


def test_words_delimiters_and_function_names_stay(masker):
    msg = "jk2_init() Found child in scoreboard slot, state=ready"
    masked, values = masker.mask(msg)
    assert masked == "jk2_init() Found child in scoreboard slot, state=<*>"
    assert values == ("ready",)


def test_values_in_order_and_digits_inside_tokens(masker):
    masked, values = masker.mask("Receiving block blk_-16 src: /10.0.0.1:54106 dest: /10.0.0.2:50010")
    assert masked == "Receiving block <*> src: <*> dest: <*>"
    assert values == ("blk_-16", "/10.0.0.1:54106", "/10.0.0.2:50010")
    assert masker.mask("task_201 attempt x86")[0] == "<*> attempt <*>"


def test_shape_cache_gives_each_message_its_own_values(masker):
    a = masker.mask("took 12ms for user 7")
    b = masker.mask("took 98ms for user 3")  # same shape: served from the cache
    assert a == ("took <*> for user <*>", ("12ms", "7"))
    assert b == ("took <*> for user <*>", ("98ms", "3"))


def test_custom_rules_from_yaml(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - name: ticket\n    regex: 'TICKET-\\d+'\n")
    rules = load_rules(path)
    assert rules == (MaskRule("ticket", r"TICKET-\d+"),)
    m = Masker(rules)
    assert m.mask("closed TICKET-42 at 5") == ("closed <*> at 5", ("TICKET-42",))
    assert Masker.from_json(m.to_json()).rules == rules


@pytest.mark.parametrize("text, needle", [
    ("rules:\n  - name: bad\n    regex: '(\\d+)'\n", "capturing"),
    ("rules:\n  - name: bad\n    regex: '(?:'\n", "bad regex"),
    ("rules: 3\n", "rules"),
    ("rules:\n  - regex: 'x'\n", "name"),
])
def test_bad_rules_are_config_errors(tmp_path, text, needle):
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        Masker(load_rules(path))


def test_missing_rules_file_is_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_rules(tmp_path / "nope.yaml")


def test_hex_shape_cache_serves_ids_but_checks_words():
    m = Masker.default()
    first = m.mask("req 3f2a9c1e-0b4d-4e6f-8a7b-9c0d1e2f3a4b done flag false")
    assert first == ("req <*> done flag <*>", ("3f2a9c1e-0b4d-4e6f-8a7b-9c0d1e2f3a4b", "false"))
    # another UUID (other letters, same hex shape): served from the cache, right values
    masked, spans, via = m.resolve("req 9e1b8d0c-7a6f-4b5e-9c3d-2b1a0f9e8d7c done flag false")
    assert via == "hex" and masked == "req <*> done flag <*>"
    # "balsa" has the hex shape of "false" but is no boolean: the rules must run again
    masked, spans, via = m.resolve("req 9e1b8d0c-7a6f-4b5e-9c3d-2b1a0f9e8d7c done flag balsa")
    assert via == "scan" and masked == "req <*> done flag balsa"


def test_shape_cache_also_serves_messages_that_keep_digits():
    """A digit-bearing constant (``jk2_init()`` before "(") stays in the masked text, so the
    shape cannot give the text, but it gives the spans: no second scan, and each message gets
    its own text back."""
    m = Masker(load_rules())
    first = m.resolve("jk2_init() Found child 6725 in scoreboard slot 10", remember=False)
    second = m.resolve("jk3_init() Found child 1234 in scoreboard slot 77", remember=False)
    assert first[0] == "jk2_init() Found child <*> in scoreboard slot <*>"
    assert first[2] == "scan"
    assert second[:2] == ("jk3_init() Found child <*> in scoreboard slot <*>",
                          ((23, 27), (47, 49)))
    assert second[2] == "shape"


def test_cached_masking_equals_scanning_on_real_logs(bench_data):
    """Every cache path (digit shape, hex shape, kept digits) gives what a fresh scan gives,
    on all 24,000 messages of the 12 Loghub systems, in either pass."""
    import csv

    msgs = []
    for d in sorted((bench_data / "loghub_2k").iterdir()):
        for f in d.glob("*_structured_corrected.csv"):
            with open(f, encoding="utf-8", newline="") as fh:
                msgs += [r["Content"] for r in csv.DictReader(fh)]
    assert len(msgs) == 24_000
    scanner = Masker(load_rules())  # (_scan reads no cache)
    want = [scanner._scan(x, remember=False) for x in msgs]
    for remember in (False, True):
        m = Masker(load_rules())
        for _ in range(2):
            assert [m.resolve(x, remember)[:2] for x in msgs] == want

"""Masking: replace variable parts of a message (IPs, ids, numbers...) by ``<*>``.

Rules are data (``masking.yaml`` next to this file); they are compiled into ONE regular
expression wrapped in a single capturing group, so one ``re.split`` call returns the constant
text and the masked values at once.

>>> m = Masker.default()
>>> m.mask("Receiving block blk_-160899 src: /10.250.19.102:54106 dest: /10.250.19.102:50010")
('Receiving block <*> src: <*> dest: <*>', ('blk_-160899', '/10.250.19.102:54106', '/10.250.19.102:50010'))
>>> m.mask("Took 3.5s to spawn 2 instances")[0]
'Took <*> to spawn <*> instances'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

from rca.errors import ConfigError

WILDCARD = "<*>"


@dataclass(frozen=True, slots=True)
class MaskRule:
    """One masking rule: a name and a regex without capturing groups."""

    name: str
    regex: str


def load_rules(path: str | Path | None = None) -> tuple[MaskRule, ...]:
    """Read masking rules from a YAML file (default: the packaged ``masking.yaml``)."""
    import yaml

    if path is None:
        text = resources.files("rca.templates").joinpath("masking.yaml").read_text("utf-8")
        where = "rca/templates/masking.yaml"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read masking rules {path}: {exc.strerror}") from None
        where = str(path)
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ConfigError(f"{where}: expected a mapping with a 'rules' list")
    rules = []
    for k, item in enumerate(data["rules"]):
        if not isinstance(item, dict) or not {"name", "regex"} <= item.keys():
            raise ConfigError(f"{where}: rule {k + 1} needs 'name' and 'regex'")
        rules.append(MaskRule(str(item["name"]), str(item["regex"])))
    return tuple(rules)


def compile_rules(rules: Iterable[MaskRule]) -> re.Pattern[str]:
    """Combine rules into one pattern with exactly one capturing group (the masked value)."""
    parts = []
    for rule in rules:
        try:
            rx = re.compile(rule.regex)
        except re.error as exc:
            raise ConfigError(f"masking rule {rule.name!r}: bad regex: {exc}") from None
        if rx.groups:
            raise ConfigError(f"masking rule {rule.name!r}: use (?:...) instead of capturing groups")
        parts.append(f"(?:{rule.regex})")
    if not parts:
        return re.compile("(?!x)x")  # never matches; split returns the message whole
    return re.compile("(" + "|".join(parts) + ")")


#: Every digit maps to "0": messages that differ only in their digits share a *shape*.
_SHAPE = bytes.maketrans(b"123456789", b"000000000")  # bytes.translate: a C table, fast


_DIGIT = re.compile(r"[0-9]")


def shape(message: str) -> bytes:
    """The message with every digit replaced by ``0`` (UTF-8 bytes; cheap, C speed)."""
    return message.encode("utf-8", "surrogatepass").translate(_SHAPE)


def shape_safe(masked: str) -> bool:
    """True when a masked text holds no digit: then messages of the same shape mask alike."""
    return _DIGIT.search(masked) is None


class Masker:
    """Applies masking rules. ``mask(msg) -> (masked_text, values)``.

    Results are cached by the message's *shape* (all digits replaced by ``0``, same length):
    rules must not tell one digit from another (none of the packaged rules does), so two
    messages with the same shape are masked at the same character spans. Log lines that differ
    only in their numbers (ids, counters, addresses) then cost one ``str.translate`` and a
    dictionary look-up instead of a regex scan.
    """

    __slots__ = ("rules", "_finditer", "_cache", "max_cache")

    def __init__(self, rules: Sequence[MaskRule], max_cache: int = 50_000):
        self.rules = tuple(rules)
        self._finditer = compile_rules(self.rules).finditer
        self._cache: dict[bytes, tuple[str, tuple[tuple[int, int], ...]]] = {}
        self.max_cache = max_cache

    @classmethod
    def default(cls) -> "Masker":
        """The packaged default rules (cached)."""
        return _default_masker()

    def mask(self, message: str) -> tuple[str, tuple[str, ...]]:
        """Return the masked message and the masked values, in order."""
        masked, spans = self.mask_spans(message)
        if not spans:
            return masked, ()
        return masked, tuple([message[a:b] for a, b in spans])

    def mask_spans(self, message: str) -> tuple[str, tuple[tuple[int, int], ...]]:
        """Return the masked message and the ``(start, end)`` span of each masked value."""
        hit = self._cache.get(shape(message))
        return self._scan(message) if hit is None else hit

    def _scan(self, message: str) -> tuple[str, tuple[tuple[int, int], ...]]:
        pieces, spans, pos = [], [], 0
        for m in self._finditer(message):
            a, b = m.span()
            if a == b:
                continue
            pieces.append(message[pos:a])
            spans.append((a, b))
            pos = b
        pieces.append(message[pos:])
        hit = (WILDCARD.join(pieces), tuple(spans))
        if _DIGIT.search(hit[0]):
            return hit  # digits left unmasked: the shape does not determine the result
        cache = self._cache
        if len(cache) >= self.max_cache:
            for key in list(cache)[: max(1, self.max_cache // 4)]:
                del cache[key]
        cache[shape(message)] = hit
        return hit

    def to_json(self) -> list[dict[str, str]]:
        return [{"name": r.name, "regex": r.regex} for r in self.rules]

    @classmethod
    def from_json(cls, data: list[dict[str, str]]) -> "Masker":
        return cls([MaskRule(d["name"], d["regex"]) for d in data])


@lru_cache(maxsize=1)
def _default_masker() -> Masker:
    return Masker(load_rules())

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
    from rca.ingest.safe_yaml import load_yaml

    if path is None:
        text = resources.files("rca.templates").joinpath("masking.yaml").read_text("utf-8")
        where = "rca/templates/masking.yaml"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read masking rules {path}: {exc.strerror}") from None
        where = str(path)
    data = load_yaml(text, where) or {}
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
_HEX_SHAPE = bytes.maketrans(b"123456789abcdefABCDEF", b"000000000000000000000")


def _bounded_put(cache: dict, key, value, limit: int) -> None:
    """Insert, first dropping the oldest quarter when the dict is full (bounded memory)."""
    if len(cache) >= limit:
        for old in list(cache)[: max(1, limit // 4)]:
            del cache[old]
    cache[key] = value


def shape(message: str) -> bytes:
    """The message with every digit replaced by ``0`` (UTF-8 bytes; cheap, C speed)."""
    return message.encode("utf-8", "surrogatepass").translate(_SHAPE)


def _masked_text(message: str, spans: tuple[tuple[int, int], ...]) -> str:
    """``message`` with each span replaced by the wildcard."""
    pieces, pos = [], 0
    for a, b in spans:
        pieces.append(message[pos:a])
        pos = b
    pieces.append(message[pos:])
    return WILDCARD.join(pieces)


def shape_safe(masked: str) -> bool:
    """True when a masked text holds no digit: then messages of the same shape mask alike."""
    return _DIGIT.search(masked) is None


class Masker:
    """Applies masking rules. ``mask(msg) -> (masked_text, values)``.

    Results are cached by the message's *shape* (all digits replaced by ``0``, same length):
    rules must not tell one digit from another (none of the packaged rules does), so two
    messages with the same shape are masked at the same character spans. Log lines that differ
    only in their numbers (ids, counters, addresses) then cost one ``str.translate`` and a
    dictionary look-up instead of a regex scan. When digits stay in the masked text (a
    constant such as ``jk2_init()``), the shape still gives the spans and each message's
    masked text is rebuilt from its own characters.
    """

    __slots__ = ("rules", "_finditer", "_cache", "_hex", "max_cache")

    def __init__(self, rules: Sequence[MaskRule], max_cache: int = 50_000):
        self.rules = tuple(rules)
        self._finditer = compile_rules(self.rules).finditer
        self._cache: dict[bytes, tuple[str, tuple[tuple[int, int], ...]]] = {}
        self._hex: dict[bytes, tuple] = {}
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

    def mask_spans(self, message: str, remember: bool = True
                   ) -> tuple[str, tuple[tuple[int, int], ...]]:
        """Return the masked message and the ``(start, end)`` span of each masked value.
        ``remember=False``: do not cache by digit shape (the caller keeps its own cache)."""
        return self.resolve(message, remember)[:2]

    def resolve(self, message: str, remember: bool = True
                ) -> tuple[str, tuple[tuple[int, int], ...], str]:
        """:meth:`mask_spans` plus how it was found: ``"shape"`` (digit-shape cache),
        ``"hex"`` (hex-shape cache, verified) or ``"scan"`` (the rules ran).

        The hex shape also sets the letters a-f to ``0``, so ids such as UUIDs or hashes hit it
        too; as letters matter to some rules, a hit is only used when the text outside the
        masked spans is identical and each masked value holds a digit or equals the cached one.
        """
        hit = self._cache.get(shape(message))
        if hit is not None:
            if hit[0] is None:  # digits stay in the masked text: the same spans, its own text
                return _masked_text(message, hit[1]), hit[1], "shape"
            return hit[0], hit[1], "shape"
        hkey = message.encode("utf-8", "surrogatepass").translate(_HEX_SHAPE)
        h = self._hex.get(hkey)
        if h is not None:
            masked, spans, ref = h
            if all(message[a:b] == old or _DIGIT.search(message[a:b])
                   for (a, b), old in zip(spans, ref)) and _masked_text(message, spans) == masked:
                return masked, spans, "hex"
        masked, spans = self._scan(message, remember)
        if not _DIGIT.search(masked):
            _bounded_put(self._hex, hkey, (masked, spans, tuple([message[a:b] for a, b in spans])),
                         self.max_cache)
        return masked, spans, "scan"

    def _scan(self, message: str, remember: bool = True
              ) -> tuple[str, tuple[tuple[int, int], ...]]:
        spans = tuple(sp for sp in (m.span() for m in self._finditer(message)) if sp[0] != sp[1])
        hit = (_masked_text(message, spans), spans)
        if not _DIGIT.search(hit[0]):
            if remember:
                _bounded_put(self._cache, shape(message), hit, self.max_cache)
        else:  # digits left unmasked (``jk2_init()``): the shape fixes the spans, not the text;
            # kept whatever ``remember`` says, as no caller can cache such a result by shape
            _bounded_put(self._cache, shape(message), (None, hit[1]), self.max_cache)
        return hit

    def to_json(self) -> list[dict[str, str]]:
        return [{"name": r.name, "regex": r.regex} for r in self.rules]

    @classmethod
    def from_json(cls, data: list[dict[str, str]]) -> "Masker":
        return cls([MaskRule(d["name"], d["regex"]) for d in data])


@lru_cache(maxsize=1)
def _default_masker() -> Masker:
    return Masker(load_rules())

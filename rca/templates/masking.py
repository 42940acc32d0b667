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


class Masker:
    """Applies masking rules. ``mask(msg) -> (masked_text, values)``."""

    __slots__ = ("rules", "_split")

    def __init__(self, rules: Sequence[MaskRule]):
        self.rules = tuple(rules)
        self._split = compile_rules(self.rules).split

    @classmethod
    def default(cls) -> "Masker":
        """The packaged default rules (cached)."""
        return _default_masker()

    def mask(self, message: str) -> tuple[str, tuple[str, ...]]:
        """Return the masked message and the masked values, in order."""
        parts = self._split(message)
        if len(parts) == 1:
            return message, ()
        return WILDCARD.join(parts[0::2]), tuple(parts[1::2])

    def to_json(self) -> list[dict[str, str]]:
        return [{"name": r.name, "regex": r.regex} for r in self.rules]

    @classmethod
    def from_json(cls, data: list[dict[str, str]]) -> "Masker":
        return cls([MaskRule(d["name"], d["regex"]) for d in data])


@lru_cache(maxsize=1)
def _default_masker() -> Masker:
    return Masker(load_rules())

"""One remediation entry: how it is written in YAML, validated and matched against a line.

An entry in a library file (a YAML list of mappings)::

    - id: disk-full                      # [a-z0-9-], unique; a user entry with the same id wins
      title: Disk full
      summary: One sentence.              # optional
      specificity: 1.0                    # optional, 0..1: lower for generic symptoms (timeout)
      signature:                          # at least one of:
        patterns: ['No space left on device(?:: ''(?P<path>[^''\\n]{1,300})'')?']
        exceptions: [java.io.IOException] # exception type names, matched as whole words
        errno: [ENOSPC]                   # names; also match "[Errno 28]" and "No space left..."
        levels: [ERROR, FATAL]            # optional: other levels lower the confidence
        metrics: [disk up]                # metric hints "<kind> <up|down>"
      params: {path: /}                   # defaults for parameters no pattern captured
      steps: ['Check `df -h {path}` ...']  # {name} = a named group, a default, or {service}
      commands: ['df -h {path}']          # parameters are shell-quoted here
      docs: [https://...]

Patterns are case-insensitive and must pass :mod:`rca.fixes.regex_guard` (bounded repeats, no
backtracking groups), so a hostile 100 kB line cannot stall the matcher. Numbers in patterns
(``\\d{2,5}``...) also match the ``<*>`` of a mined template (:func:`template_tolerant`), so
entries work on raw messages and on templates alike; a masked value never fills a parameter.
"""

from __future__ import annotations

import errno as _errno
import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Mapping

from rca.detect.kinds import kind_of
from rca.detect.kinds import words as metric_words
from rca.errors import ConfigError
from rca.fixes.regex_guard import check_pattern
from rca.ingest.levels import normalize_level

#: How much each kind of signature hit is worth before specificity/level/position weights.
BASE_CONFIDENCE = {"pattern": 0.9, "errno": 0.8, "exception": 0.8, "metric": 0.7}
#: Lines are cut to this many characters before matching.
MAX_TEXT = 4096

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}\Z")
_PLACEHOLDER = re.compile(r"\{(\w{1,40})\}")
_ENTRY_KEYS = {"id", "title", "summary", "specificity", "signature", "params", "steps",
               "commands", "docs"}
_SIGNATURE_KEYS = {"patterns", "exceptions", "errno", "levels", "metrics"}
# Metric hints are normalised to "<kind> <up|down>"; kinds are those of rca.detect.kinds.
_DOWN = frozenset({"down", "dropped", "drop", "falling", "fell", "low", "zero", "silent",
                   "stopped", "decrease", "decreasing", "gone", "missing"})


def normalize_metric_hint(hint: str | None) -> str | None:
    """Map free text such as ``"orders_mem rising"`` or ``"memory up"`` to ``"memory up"``.

    >>> normalize_metric_hint("carts_mem rising")
    'memory up'
    >>> normalize_metric_hint("no logs since 09:12 (silent)")
    'logs down'
    """
    if not hint:
        return None
    text = str(hint)[:200]
    kind = kind_of(text)
    if kind is None:
        return None
    words = set(metric_words(text))
    if words & _DOWN or "no" in words:
        return f"{kind.name} down"
    return f"{kind.name} up"


def _level(value: str, where: str) -> str:
    level = normalize_level(value)
    if level is None:
        raise ConfigError(f"{where}: {value!r} is not a log level")
    return level


_QUANT = re.compile(r"\{\d{1,4}(?:,\d{0,4})?\}\??")
_NUMERIC_ATOMS = ("\\d", "[0-9a-f]", "[0-9a-fA-F]", "[\\d.]")


def template_tolerant(pattern: str) -> str:
    r"""Let a number in a pattern also match the ``<*>`` a template miner left in its place:
    ``\d{2,5}`` -> ``(?:\d{2,5}|<\*>)`` outside character classes; a ``\b`` right after
    it also accepts the end of ``<*>``.

    >>> print(template_tolerant(r"port (?P<port>\d{2,5})\b in [\d.]{1,12}"))
    port (?P<port>(?:\d{2,5}|<\*>))(?:\b|(?<=>)) in (?:[\d.]{1,12}|<\*>)
    """
    out: list[str] = []
    i = 0
    while i < len(pattern):
        atom = next((a for a in _NUMERIC_ATOMS if pattern.startswith(a, i)), None)
        if atom is not None and not (i and pattern[i - 1] == "\\"):
            m = _QUANT.match(pattern, i + len(atom))
            if m is not None:
                out.append(f"(?:{atom}{m.group(0)}|<\\*>)")
                i = m.end()
                j = i
                while j < len(pattern) and pattern[j] == ")":
                    j += 1
                if pattern.startswith("\\b", j):
                    out.append(pattern[i:j] + "(?:\\b|(?<=>))")
                    i = j + 2
                continue
        if pattern[i] == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if pattern[i] == "[":  # copy a whole character class untouched
            j = i + 1
            if j < len(pattern) and pattern[j] == "^":
                j += 1
            if j < len(pattern) and pattern[j] == "]":
                j += 1
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            out.append(pattern[i:j + 1])
            i = j + 1
            continue
        out.append(pattern[i])
        i += 1
    return "".join(out)


def _errno_regex(names: list[str]) -> str:
    parts = []
    for name in names:
        code = getattr(_errno, name, None)
        parts.append(r"\b" + re.escape(name) + r"\b")
        if code is not None:
            parts.append(rf"\[Errno {code}\]")
            parts.append(rf"\({code}: ")
            parts.append(re.escape(os.strerror(code)))
    return "|".join(parts)


def _exception_regex(names: list[str]) -> str:
    # "java.lang.OutOfMemoryError" also matches a bare "OutOfMemoryError".
    short = sorted({n.rsplit(".", 1)[-1] for n in names})
    return "|".join(r"(?<!\w)" + re.escape(n) + r"\b" for n in short)


@dataclass(frozen=True)
class FixMatch:
    """How an entry matched one text: the kind of hit, the matched span and captured params."""

    kind: str
    matched: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FixEntry:
    """A validated remediation entry (see the module docstring for the YAML form)."""

    id: str
    title: str
    summary: str = ""
    specificity: float = 1.0
    patterns: tuple[re.Pattern, ...] = ()
    exceptions: tuple[str, ...] = ()
    errno: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    params: Mapping[str, str] = field(default_factory=dict)
    steps: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    docs: tuple[str, ...] = ()
    origin: str = ""
    _exception_re: re.Pattern | None = None
    _errno_re: re.Pattern | None = None

    @property
    def regexes(self) -> tuple[re.Pattern, ...]:
        """Every compiled regex this entry runs on a line (patterns, errno, exceptions)."""
        extra = tuple(r for r in (self._errno_re, self._exception_re) if r is not None)
        return self.patterns + extra

    # -- matching --------------------------------------------------------------------------
    def match_text(self, text: str) -> FixMatch | None:
        """The first signature hit in ``text`` (patterns first, then errno, then exceptions)."""
        if not text:
            return None
        text = text[:MAX_TEXT]
        params: dict[str, str] = {}
        first: str | None = None
        for pattern in self.patterns:  # ordered most specific first; all may add params
            m = pattern.search(text)
            if m is not None:
                first = m.group(0) if first is None else first
                for key, value in m.groupdict().items():
                    if value and value != "<*>" and key not in params:
                        params[key] = value
        if first is not None:
            return FixMatch("pattern", first, params)
        for kind, regex in (("errno", self._errno_re), ("exception", self._exception_re)):
            if regex is not None:
                m = regex.search(text)
                if m is not None:
                    return FixMatch(kind, m.group(0), {})
        return None

    def match_metric(self, hint: str | None) -> FixMatch | None:
        """A hit when the normalised metric hint is one of this entry's ``metrics``."""
        norm = normalize_metric_hint(hint)
        if norm is not None and norm in self.metrics:
            return FixMatch("metric", str(hint))
        return None

    # -- filling ---------------------------------------------------------------------------
    def fill(self, params: Mapping[str, str], service: str | None = None
             ) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
        """Steps and commands with ``{name}`` replaced: captured values, then defaults, then
        ``<name>``. Values are shell-quoted inside commands. Returns (steps, commands, values)."""
        values: dict[str, str] = {"service": service or "SERVICE"}
        for key, default in self.params.items():
            values[key] = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)),
                                           str(default))
        values.update({k: v for k, v in params.items() if v})

        def sub(text: str, quote: bool) -> str:
            def one(m: re.Match) -> str:
                value = values.get(m.group(1))
                if value is None:
                    return m.group(0)
                return shlex.quote(value) if quote else value
            return _PLACEHOLDER.sub(one, text)

        return (tuple(sub(s, False) for s in self.steps),
                tuple(sub(c, True) for c in self.commands), values)

    def to_dict(self) -> dict[str, Any]:
        """Plain form for JSON and ``rca fixes show``."""
        return {
            "id": self.id, "title": self.title, "summary": self.summary,
            "specificity": self.specificity,
            "signature": {"patterns": [p.pattern for p in self.patterns],
                          "exceptions": list(self.exceptions), "errno": list(self.errno),
                          "levels": list(self.levels), "metrics": list(self.metrics)},
            "params": dict(self.params), "steps": list(self.steps),
            "commands": list(self.commands), "docs": list(self.docs), "origin": self.origin,
        }


def entry_from_dict(raw: Any, origin: str) -> FixEntry:
    """Validate one YAML mapping. Any problem -> :class:`ConfigError` naming file and entry."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin}: each entry must be a mapping, got {type(raw).__name__}")
    ident = raw.get("id")
    where = f"{origin}: entry {ident!r}"
    if not isinstance(ident, str) or not _ID.match(ident):
        raise ConfigError(f"{where}: 'id' must be lowercase letters, digits and dashes")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ConfigError(f"{where}: 'title' is required")
    sig = raw.get("signature") or {}
    if not isinstance(sig, dict):
        raise ConfigError(f"{where}: 'signature' must be a mapping")
    unknown = set(sig) - _SIGNATURE_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown signature key(s) {', '.join(sorted(unknown))}")

    def str_list(container: dict, key: str) -> tuple[str, ...]:
        value = container.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            raise ConfigError(f"{where}: '{key}' must be a list of strings")
        return tuple(str(v) for v in value)

    patterns = []
    for i, text in enumerate(str_list(sig, "patterns"), 1):
        text = template_tolerant(text)
        try:
            compiled = re.compile(text, re.IGNORECASE)
            check_pattern(text, re.IGNORECASE)
        except re.error as exc:
            raise ConfigError(f"{where}: pattern {i} does not compile: {exc}") from None
        except ValueError as exc:
            raise ConfigError(f"{where}: pattern {i} is unsafe: {exc}") from None
        patterns.append(compiled)
    exceptions = str_list(sig, "exceptions")
    errnos = tuple(n.upper() for n in str_list(sig, "errno"))
    for name in errnos:
        if not hasattr(_errno, name):
            raise ConfigError(f"{where}: unknown errno name {name!r}")
    levels = tuple(_level(v, where) for v in str_list(sig, "levels"))
    metrics = []
    for hint in str_list(sig, "metrics"):
        norm = normalize_metric_hint(hint)
        if norm is None:
            raise ConfigError(f"{where}: metric hint {hint!r} is not '<kind> <up|down>'")
        metrics.append(norm)
    if not (patterns or exceptions or errnos or metrics):
        raise ConfigError(f"{where}: the signature needs patterns, exceptions, errno or metrics")
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError(f"{where}: 'params' must be a mapping")
    steps, commands, docs = (str_list(raw, k) for k in ("steps", "commands", "docs"))
    if not steps:
        raise ConfigError(f"{where}: 'steps' must list at least one step")
    known = {"service"} | set(params) | {n for p in patterns for n in p.groupindex}
    for text in steps + commands:
        for name in _PLACEHOLDER.findall(text):
            if name not in known:
                raise ConfigError(f"{where}: placeholder {{{name}}} is neither a named group, "
                                  f"a param nor {{service}}")
    try:
        specificity = float(raw.get("specificity", 1.0))
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: 'specificity' must be a number") from None
    if not 0.0 < specificity <= 1.0:
        raise ConfigError(f"{where}: 'specificity' must be in (0, 1]")
    return FixEntry(
        id=ident, title=title.strip(), summary=str(raw.get("summary") or "").strip(),
        specificity=specificity, patterns=tuple(patterns), exceptions=exceptions,
        errno=errnos, levels=levels, metrics=tuple(metrics),
        params={str(k): str(v) for k, v in params.items()}, steps=steps, commands=commands,
        docs=docs, origin=origin,
        _exception_re=re.compile(_exception_regex(list(exceptions))) if exceptions else None,
        _errno_re=re.compile(_errno_regex(list(errnos)), re.IGNORECASE) if errnos else None,
    )

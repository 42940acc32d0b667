"""The one way rca reads YAML that a user wrote: no aliases, bounded size and depth.

``yaml.safe_load`` builds no objects, but it still expands aliases: a 700-byte "billion laughs"
document (anchors referring to anchors) becomes gigabytes. :func:`load_yaml` refuses any alias
(``*name``) while composing, before anything is expanded, refuses documents over ``max_bytes``
and nesting deeper than the parser's recursion allows, and turns every failure into one line.

>>> load_yaml("a: [1, 2]", "x.yaml")
{'a': [1, 2]}
>>> load_yaml("a: &x [1]\\nb: *x", "x.yaml")
Traceback (most recent call last):
...
rca.errors.ConfigError: x.yaml: YAML aliases (*name) are not allowed (line 2)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rca.errors import ConfigError, RcaError

#: Largest YAML document read (configs, dependency graphs, remediation entries).
MAX_YAML_BYTES = 1 << 20
#: Deepest nesting of lists and mappings read (a config is a few levels deep).
MAX_DEPTH = 64


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that stops at the first alias instead of expanding it."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not allowed",
                                              mark)
        return super().compose_node(parent, index)


def load_yaml(text: str, where: str, error: type[RcaError] = ConfigError,
              max_bytes: int = MAX_YAML_BYTES) -> Any:
    """Parse one YAML document from ``text``; ``where`` names it in errors of type ``error``."""
    if len(text) > max_bytes:
        raise error(f"{where}: larger than {max_bytes} bytes; refusing to parse")
    fast = getattr(yaml, "CSafeLoader", None)  # libyaml: ~10x faster (start-up of every run)
    try:
        if fast is None:
            return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
        _check_events(text, fast, where, error)  # the same refusals, before composing
        return yaml.load(text, Loader=fast)  # noqa: S506 - libyaml's safe loader
    except yaml.MarkedYAMLError as exc:
        line = f" (line {exc.problem_mark.line + 1})" if exc.problem_mark else ""
        raise error(f"{where}: {exc.problem or exc.context or 'not valid YAML'}{line}") from None
    except yaml.YAMLError as exc:
        raise error(f"{where}: not valid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise error(f"{where}: YAML nested too deeply") from None


def _check_events(text: str, loader, where: str, error: type[RcaError]) -> None:
    """Refuse an alias, or nesting deeper than :data:`MAX_DEPTH`, from the event stream (no
    node built yet; libyaml's composer would expand aliases and recurse in C)."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not allowed",
                                              event.start_mark)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise error(f"{where}: YAML nested too deeply")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def read_yaml(path: str | Path, error: type[RcaError] = ConfigError,
              max_bytes: int = MAX_YAML_BYTES) -> Any:
    """Read and parse a YAML file with :func:`load_yaml` (size checked before reading)."""
    p = Path(path)
    try:
        if p.stat().st_size > max_bytes:
            raise error(f"{p}: larger than {max_bytes} bytes; refusing to parse")
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{p}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise error(f"{p}: not a UTF-8 text file") from None
    return load_yaml(text, str(p), error, max_bytes)

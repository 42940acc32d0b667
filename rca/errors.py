"""Errors the library raises. Fronts turn them into one-line messages and exit codes."""


class RcaError(Exception):
    """Base class: the message is shown to the user as is, without a traceback."""

    exit_code = 1


class InputError(RcaError):
    """A file is missing, unreadable, empty, or holds nothing usable."""

    exit_code = 2


class UnsupportedMediaType(InputError):
    """A body whose content type or encoding is not understood (HTTP 415); ``accepted`` lists
    what would be."""

    def __init__(self, message: str, accepted: tuple[str, ...]):
        super().__init__(message)
        self.accepted = accepted


class ConfigError(RcaError):
    """A config file or option is invalid (unknown key, wrong type, missing value)."""

    exit_code = 3


def as_field_error(check, value):
    """``check(value)`` inside a pydantic validator: its :class:`ConfigError` becomes the
    ``ValueError`` pydantic reports against the field (so the one-line config error names it).
    Returns what ``check`` returns."""
    try:
        return check(value)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


class ModelError(RcaError):
    """A model folder is unusable: checksum mismatch, newer format, missing artifact."""

    exit_code = 4


def describe_validation_error(exc, where: str, allowed=None) -> str:
    """One line naming the first bad field of a pydantic ``ValidationError`` (and how many more
    there are). ``allowed(section)`` lists the keys of a section for "unknown key" errors."""
    errs = exc.errors(include_url=False)
    first = errs[0]
    parts = [str(p) for p in first["loc"] if not isinstance(p, int) and p != "[key]"]
    msg = str(first["msg"]).removeprefix("Value error, ")
    more = f" (and {len(errs) - 1} more problem(s))" if len(errs) > 1 else ""
    if first["type"] in ("extra_forbidden", "unexpected_keyword_argument", "missing"):
        keys = allowed(".".join(parts[:-1])) if allowed else None
        hint = f" (allowed: {', '.join(sorted(keys))})" if keys else ""
        what = "missing required" if first["type"] == "missing" else "unknown"
        return f"{where}: {what} key {'.'.join(parts)!r}{hint if what == 'unknown' else ''}{more}"
    got = "" if first["type"] == "value_error" else f" (got {first['input']!r:.60})"
    return f"{where}: {'.'.join(parts) + ': ' if parts else ''}{msg}{got}{more}"

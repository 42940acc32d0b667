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


class ModelError(RcaError):
    """A model folder is unusable: checksum mismatch, newer format, missing artifact."""

    exit_code = 4

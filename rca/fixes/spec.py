"""The YAML schema of a remediation entry, as pydantic models (field-level errors for free).

:func:`rca.fixes.entry.entry_from_dict` validates with :class:`EntrySpec`, then compiles the
signature. ``steps``, ``commands``, ``docs`` and ``examples`` (real messages of the fault,
see :mod:`rca.fixes.similar`) are optional; a signature needs at least one
of ``patterns``, ``exceptions``, ``errno``, ``status`` or ``metrics``.

>>> EntrySpec.model_validate({"id": "x", "title": "X", "signature": {"errno": "enospc"}}).signature.errno
['ENOSPC']
"""

from __future__ import annotations

import errno as _errno

from pydantic import (BaseModel, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)

from rca.fixes.signature import check_status_codes, normalize_metric_hint

StrList = list[str | int]



def _each(values, normalize, problem: str) -> list:
    """Each value through ``normalize`` (None means invalid: ``problem`` names the value)."""
    out = []
    for value in values:
        norm = normalize(str(value))
        if norm is None:
            raise ValueError(problem.format(value))
        out.append(norm)
    return out

class SignatureSpec(BaseModel):
    """``signature:`` of an entry, as written in YAML."""

    model_config = ConfigDict(extra="forbid")
    patterns: StrList = []
    exceptions: StrList = []
    errno: StrList = []
    status: StrList = []
    levels: StrList = []
    metrics: StrList = []

    @field_validator("*", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        return [] if v is None else [v] if isinstance(v, (str, int)) else v

    @field_validator("errno")
    @classmethod
    def _known_errno(cls, v):
        names = [str(n).upper() for n in v]
        bad = [n for n in names if not hasattr(_errno, n)]
        if bad:
            raise ValueError(f"unknown errno name {bad[0]!r}")
        return names

    @field_validator("status")
    @classmethod
    def _known_status(cls, v):
        return check_status_codes([str(c) for c in v])

    @field_validator("levels")
    @classmethod
    def _log_levels(cls, v):
        from rca.ingest.levels import normalize_level

        return _each(v, normalize_level, "{!r} is not a log level")

    @field_validator("metrics")
    @classmethod
    def _metric_hints(cls, v):
        return _each(v, normalize_metric_hint, "metric hint {!r} is not '<kind> <up|down>'")

    @model_validator(mode="after")
    def _something(self):
        if not (self.patterns or self.exceptions or self.errno or self.status or self.metrics):
            raise ValueError("the signature needs patterns, exceptions, errno, status or metrics")
        return self


class EntrySpec(BaseModel):
    """One remediation entry, as written in YAML (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    title: str = Field(min_length=1)
    summary: str = ""
    specificity: float = Field(1.0, gt=0.0, le=1.0)
    signature: SignatureSpec
    params: dict[str, str | int | float] = {}
    steps: StrList = []
    commands: StrList = []
    docs: StrList = []
    examples: StrList = []

    @field_validator("steps", "commands", "docs", "examples", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        return [] if v is None else [v] if isinstance(v, str) else v

    @field_validator("title")
    @classmethod
    def _not_blank(cls, v):
        if not v.strip():
            raise ValueError("'title' is required")
        return v.strip()


def first_problem(exc: ValidationError) -> str:
    """One line for the user: unknown keys first (typos), else the first field error."""
    errors = exc.errors()
    extra = [".".join(str(p) for p in e["loc"]) for e in errors if e["type"] == "extra_forbidden"]
    if extra:
        return "unknown key(s) " + ", ".join(extra)
    err = errors[0]
    loc = ".".join(str(p) for p in err["loc"] if not isinstance(p, int)) or "entry"
    return f"{loc}: {err['msg'].removeprefix('Value error, ')}"

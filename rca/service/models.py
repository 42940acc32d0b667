"""Request and response bodies of the HTTP API as pydantic models (field-level errors, and
the schema ``docs/http-api.md`` is generated from)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Feedback(BaseModel):
    """What fixed an incident: ``{"fix": "disk-full", "resolved": true, "note": "..."}``."""

    model_config = ConfigDict(extra="forbid")

    fix: str | None = Field(None, min_length=1, max_length=200, description="a fix id")
    resolved: bool = True
    note: str = Field("", max_length=2000)

    @model_validator(mode="before")
    @classmethod
    def _needs_something(cls, data: Any) -> Any:
        if isinstance(data, dict) and not (data.get("fix") or "resolved" in data):
            raise ValueError("feedback needs 'fix' (a fix id) and/or 'resolved'")
        return data


class Accepted(BaseModel):
    """An ingest acknowledgement: the batch is durably stored (or was, under its key)."""

    accepted: int = Field(description="events stored by this batch")
    duplicate: bool = Field(False, description="the Idempotency-Key was seen before: the "
                                               "batch was not stored again")
    truncated: int = Field(0, description="records cut at max_line_bytes")


class ErrorBody(BaseModel):
    error: str

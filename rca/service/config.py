"""Settings of the scoring service (a pydantic model with strict types), read from an explicit
YAML/JSON file or given in code. Unknown keys, wrong types (``max_body_bytes: lots``,
``thresholds: {memory: high}``), out-of-range values (``port: 99999``) and a token that is not a
string of at least 16 characters are one-line field-level errors."""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rca import api
from rca.errors import ConfigError, as_field_error, describe_validation_error
from rca.service.prometheus_pull import PrometheusPull
from rca.paths import data_dir

#: Health thresholds the service starts from, by metric kind (the one table,
#: :mod:`rca.detect.kinds`); the ``thresholds`` setting overrides them by any name of a kind.
DEFAULT_THRESHOLDS: dict[str, float] = api.metric_thresholds()


#: Shortest bearer token accepted (config or ``$RCA_TOKEN``).
MIN_TOKEN_CHARS = 16


def check_token(token: Any, where: str = "token") -> str:
    """A bearer token is a string of at least :data:`MIN_TOKEN_CHARS` characters."""
    if not isinstance(token, str) or len(token) < MIN_TOKEN_CHARS or token != token.strip():
        raise ConfigError(f"{where} must be a string of at least {MIN_TOKEN_CHARS} characters "
                          "without surrounding spaces")
    return token


class ServiceConfig(BaseModel):
    """Everything ``create_app`` needs.

    >>> ServiceConfig(port=6000).port
    6000
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    host: str = "127.0.0.1"
    port: int = Field(5050, ge=1, le=65535)
    db: str | None = None  # default: <data_dir>/service.sqlite3
    token: str | None = None  # else $RCA_TOKEN; required when host is not loopback
    max_body_bytes: int = Field(8 * 1024 * 1024, gt=0)
    max_line_bytes: int = Field(64 * 1024, ge=16)
    max_request_events: int = Field(50_000, gt=0)  # lines/records in one request (else 413)
    queue_max_events: int = Field(200_000, gt=0)  # accepted, not yet durably written
    write_batch_events: int = Field(50_000, gt=0)  # most events one group commit writes
    durable: Literal["FULL", "NORMAL", "EXTRA"] = "FULL"  # SQLite synchronous mode
    scorer: Literal["thread", "process", "off"] = "thread"
    score_batch: int = Field(5000, gt=0)  # rows the scorer reads per step
    bucket_seconds: float = Field(10.0, gt=0)  # log counts per service are scored per bucket
    alarm_threshold: float | None = Field(None, gt=0, le=1)  # None: the detector's default
    warmup_points: int = Field(50, ge=1)  # points a learned detector sees before it may alarm
    burst_errors: int = Field(3, ge=1)  # errors in one bucket (over the error-rate threshold)
    metric_alarm_window: int = Field(5, ge=1)  # a metric alarms when min_count of the last
    metric_alarm_min_count: int = Field(3, ge=1)  # window scores reach the threshold
    incident_gap_seconds: float = Field(300.0, gt=0)  # alarms further apart: new incident
    analysis_interval_seconds: float = Field(2.0, ge=0)  # least wall time between analyses
    analysis_lookback_seconds: float = Field(900.0, gt=0)  # normal data before the onset
    health_window_seconds: float = Field(60.0, gt=0)  # error rate shown per service
    silence_seconds: float = Field(60.0, gt=0)  # silent longer than this (wall time): anomalous
    retention_days: float = Field(7.0, gt=0, allow_inf_nan=False)  # raw batches and logs kept
    model_dir: str | None = None  # trained log model folder (manifest checksum checked)
    deps: list[dict[str, str]] = Field(default_factory=list)  # [{caller, callee}]
    thresholds: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    syslog_port: int | None = Field(None, ge=0, le=65535)  # syslog (TCP and UDP); None: off
    syslog_host: str = "127.0.0.1"  # syslog has no authentication: loopback unless set
    prometheus: PrometheusPull | None = None  # pull PromQL queries on an interval

    @field_validator("durable", mode="before")
    @classmethod
    def _upper(cls, v: Any) -> Any:
        return v.upper() if isinstance(v, str) else v

    @field_validator("thresholds", mode="before")
    @classmethod
    def _merge_thresholds(cls, v: Any) -> Any:
        if v is not None and not isinstance(v, dict):
            return v
        return as_field_error(api.metric_thresholds, v)

    @field_validator("token")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value is not None:
            as_field_error(check_token, value)
        return value

    @classmethod
    def build(cls, where: str = "service config", **values: Any) -> "ServiceConfig":
        """Validate ``values``; a problem is a one-line :class:`ConfigError` naming the field."""
        try:
            return cls(**values)
        except ValidationError as exc:
            names = set(cls.model_fields)
            raise ConfigError(describe_validation_error(
                exc, where, lambda sec: names if sec == "" else None)) from None

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, **overrides: Any) -> "ServiceConfig":
        """Read ``path`` (YAML or JSON mapping) if given, then apply non-None ``overrides``."""
        values: dict[str, Any] = {}
        if path is not None:
            values.update(_read_file(Path(path)))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.build(str(path) if path is not None else "service config", **values).checked()

    def checked(self) -> "ServiceConfig":
        """Check what the field types cannot (a token from ``$RCA_TOKEN``); return self."""
        self.effective_token()
        return self

    def with_(self, **changes: Any) -> "ServiceConfig":
        return self.build(**{**self.model_dump(), **changes})

    @property
    def db_path(self) -> Path:
        return Path(self.db) if self.db else data_dir() / "service.sqlite3"

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)

    def effective_token(self) -> str | None:
        """The bearer token: config, else ``$RCA_TOKEN``; None when neither is set."""
        token = self.token or os.environ.get("RCA_TOKEN") or None
        return check_token(token, "RCA_TOKEN") if token and not self.token else token

    def as_dict(self) -> dict[str, Any]:
        d = self.model_dump()
        d["token"] = "***" if d["token"] else None
        return d


def _read_file(p: Path) -> dict[str, Any]:
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {p}: {exc.strerror or exc}") from None
    if p.suffix == ".json":
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"config {p} is not valid JSON: {exc}") from None
    else:
        loaded = api.load_yaml(text, f"config {p}")  # no aliases, bounded size
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"config {p} must be a mapping of settings")
    return loaded.get("service", loaded) if isinstance(loaded.get("service"), dict) else loaded


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host in {"localhost", "ip6-localhost"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False

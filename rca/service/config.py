"""Settings of the scoring service, read from an explicit YAML/JSON file or given in code."""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from rca.errors import ConfigError
from rca.paths import data_dir

#: Default health thresholds (issue 4): error rate, response time (ms), memory and CPU fractions.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "error_rate": 0.01,
    "response_time_ms": 1000.0,
    "memory": 0.8,
    "cpu": 0.7,
}


@dataclass(frozen=True)
class ServiceConfig:
    """Everything ``create_app`` needs. Unknown keys in a config file are an error.

    >>> ServiceConfig(port=6000).port
    6000
    """

    host: str = "127.0.0.1"
    port: int = 5050
    db: str | None = None  # default: <data_dir>/service.sqlite3
    token: str | None = None  # else $RCA_TOKEN; required when host is not loopback
    max_body_bytes: int = 8 * 1024 * 1024
    max_line_bytes: int = 64 * 1024
    queue_max_events: int = 200_000  # events accepted but not yet durably written
    write_batch_events: int = 50_000  # most events one group commit writes
    durable: str = "FULL"  # SQLite synchronous mode: FULL (fsync per commit) or NORMAL
    scorer: str = "thread"  # thread | process | off
    score_batch: int = 5000  # rows the scorer reads per step
    bucket_seconds: float = 10.0  # log counts per service are scored per bucket of event time
    alarm_threshold: float | None = None  # calibrated score of an alarm; None: the detector's
    incident_gap_seconds: float = 300.0  # alarms further apart than this start a new incident
    analysis_interval_seconds: float = 2.0  # least wall time between re-analyses of an incident
    silence_seconds: float = 60.0  # a service silent longer than this (wall time) is anomalous
    model_dir: str | None = None  # trained log model folder (manifest checksum checked)
    deps: list[dict[str, str]] = field(default_factory=list)  # [{caller, callee}]
    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, **overrides: Any) -> "ServiceConfig":
        """Read ``path`` (YAML or JSON mapping) if given, then apply non-None ``overrides``."""
        values: dict[str, Any] = {}
        if path is not None:
            p = Path(path)
            try:
                text = p.read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"cannot read config {p}: {exc.strerror or exc}") from None
            try:
                import yaml

                loaded = yaml.safe_load(text) if p.suffix != ".json" else json.loads(text)
            except Exception as exc:  # yaml.YAMLError, json.JSONDecodeError
                raise ConfigError(f"config {p} is not valid YAML/JSON: {exc}") from None
            if loaded is None:
                loaded = {}
            if not isinstance(loaded, dict):
                raise ConfigError(f"config {p} must be a mapping of settings")
            values.update(loaded.get("service", loaded) if "service" in loaded else loaded)
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(f"unknown service setting(s): {', '.join(unknown)}")
        if "thresholds" in values:
            merged = dict(DEFAULT_THRESHOLDS)
            merged.update(values["thresholds"] or {})
            values["thresholds"] = merged
        try:
            cfg = cls(**values)
        except TypeError as exc:
            raise ConfigError(f"invalid service config: {exc}") from None
        return cfg.checked()

    def checked(self) -> "ServiceConfig":
        """Validate value ranges; return self."""
        if self.scorer not in {"thread", "process", "off"}:
            raise ConfigError("scorer must be one of: thread, process, off")
        if self.durable.upper() not in {"FULL", "NORMAL", "EXTRA"}:
            raise ConfigError("durable must be FULL, EXTRA or NORMAL")
        for name in ("max_body_bytes", "max_line_bytes", "queue_max_events", "score_batch"):
            if int(getattr(self, name)) <= 0:
                raise ConfigError(f"{name} must be positive")
        if self.alarm_threshold is not None and not 0 < self.alarm_threshold <= 1:
            raise ConfigError("alarm_threshold must be in (0, 1]")
        return self

    def with_(self, **changes: Any) -> "ServiceConfig":
        return replace(self, **changes)

    @property
    def db_path(self) -> Path:
        return Path(self.db) if self.db else data_dir() / "service.sqlite3"

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)

    def effective_token(self) -> str | None:
        """The bearer token: config, else ``$RCA_TOKEN``; None when neither is set."""
        return self.token or os.environ.get("RCA_TOKEN") or None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["token"] = "***" if d["token"] else None
        return d


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host in {"localhost", "ip6-localhost"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False

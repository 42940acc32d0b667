"""Declarative training configs (TOML, read with :mod:`tomllib`, checked with pydantic).

A config names what is read, how it is cut into sessions or windows, which features and model
are used, how it is split for evaluation and where the model goes. Every key is checked by the
pydantic models below (strict types: ``train_fraction = "lots"`` or ``novelty = "false"`` is an
error, never a silent conversion); an unknown key or a wrong type is a one-line
:class:`~rca.errors.ConfigError` naming the field. Paths may use ``${RCA_BENCH_DATA}`` (the
benchmark data folder) or ``${VAR}`` from the environment; relative paths are relative to the
config file, never to the current directory. The key reference is docs/config.md.

To add a key, add a field to its section model; :data:`SCHEMA` and :data:`CHOICES` (used by the
docs check) follow from the models.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rca.errors import ConfigError, as_field_error, describe_validation_error

SUPERVISED = ("forest", "gbdt", "logreg")
UNSUPERVISED = ("pca", "invariants", "rare", "iforest", "ngram", "sequence")
#: Target false-alarm rate of the kinds with no threshold of their own (ngram, sequence).
DEFAULT_TARGET_FAR = 0.005
FORMATS = ("sessions_csv", "sequences", "structured_csv", "log")
WINDOWS = ("none", "session", "fixed", "sliding")

#: A duration: ``"1h"``, ``"5min"`` or a number of seconds.
Duration = Optional[Union[str, float]]
Scalar = Union[str, int, bool]
_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class InputFile(_Section):
    path: str
    label: Optional[Scalar] = None
    split: Optional[str] = None


class InputSection(_Section):
    format: Literal["sessions_csv", "sequences", "structured_csv", "log"]
    path: Optional[str] = None
    files: Optional[list[InputFile]] = None
    id_column: Optional[str] = None
    sequence_column: Optional[str] = None
    label_column: Optional[str] = None
    split_column: Optional[str] = None
    time_column: Optional[str] = None
    event_column: Optional[str] = None
    level_column: Optional[str] = None
    service_column: Optional[str] = None
    message_column: Optional[str] = None
    header: bool = True
    log_format: Optional[str] = None
    normal_labels: list[Scalar] = Field(default_factory=lambda: ["0", "normal", "-", "false"])

    @model_validator(mode="after")
    def _one_source(self) -> "InputSection":
        if (self.path is None) == (self.files is None):
            raise ValueError("give exactly one of input.path or [[input.files]]")
        return self


class WindowingSection(_Section):
    kind: Literal["none", "session", "fixed", "sliding"] = "none"
    id_pattern: Optional[str] = None
    size: Duration = None
    step: Duration = None
    by: Optional[str] = None
    horizon: Duration = None
    labels_path: Optional[str] = None
    labels_id_column: Optional[str] = None
    labels_column: Optional[str] = None

    @field_validator("id_pattern")
    @classmethod
    def _regex(cls, value: Optional[str]) -> Optional[str]:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regex: {exc}") from None
        return value

    @model_validator(mode="after")
    def _needs(self) -> "WindowingSection":
        if self.kind == "session" and not self.id_pattern:
            raise ValueError("windowing.kind = 'session' needs windowing.id_pattern")
        if self.kind in ("fixed", "sliding") and not self.size:
            raise ValueError("time windows need windowing.size (e.g. '1h')")
        return self


class FeaturesSection(_Section):
    weighting: Literal["none", "tfidf", "binary"] = "none"
    novelty: bool = True
    levels: bool = False
    normalize: bool = False


class ModelSection(_Section):
    kind: Literal["forest", "gbdt", "logreg", "pca", "invariants", "rare", "iforest", "ngram",
                  "sequence"]
    target: Literal["binary", "type"] = "binary"
    train_on: Literal["all", "normal"] = "all"
    params: dict[str, Any] = Field(default_factory=dict)
    #: unsupervised kinds alarm on about this share of normal sessions (threshold = that
    #: quantile of their scores on held-back training sessions; unset: each model's own
    #: threshold, and DEFAULT_TARGET_FAR for ngram/sequence)
    target_far: Optional[float] = Field(None, gt=0, lt=1)
    #: a fixed alarm threshold on the ``score`` column instead (any kind; ``rca predict
    #: --threshold`` overrides both)
    threshold: Optional[float] = Field(None, allow_inf_nan=False)


class SplitSection(_Section):
    kind: Literal["column", "ratio", "files", "none"] = "ratio"
    train_fraction: float = Field(0.8, gt=0, lt=1)
    order: Literal["file", "time", "random"] = "file"
    seed: int = 0


def check_version(value: str) -> str:
    """A model version must be one plain folder name (no ``/``, ``..`` or absolute path)."""
    if not isinstance(value, str) or not re.fullmatch(_NAME, value) or ".." in value:
        raise ConfigError(f"model version {value!r} must be one folder name: letters, digits, "
                          "'_', '-' or '.' (no '/' or '..')")
    return value


class OutputSection(_Section):
    dir: Optional[str] = None
    version: Optional[str] = None

    @field_validator("version")
    @classmethod
    def _version(cls, value: Optional[str]) -> Optional[str]:
        if value is not None:
            as_field_error(check_version, value)
        return value


class EngineSection(_Section):
    """Where training work runs: ``local``, or ``dask`` (``workers``: a local cluster of N
    processes, or ``scheduler``: an existing cluster; ``work_dir`` for parsed events,
    ``partition_size`` such as ``"16MB"``)."""

    kind: Literal["local", "dask"] = "local"
    workers: Optional[int] = None
    scheduler: Optional[str] = None
    work_dir: Optional[str] = None
    partition_size: Optional[Union[str, int]] = None


class TrainConfig(_Section):
    """The whole config file."""

    name: str = Field(pattern=f"^{_NAME}$")
    description: str = ""
    input: InputSection
    windowing: WindowingSection = Field(default_factory=WindowingSection)
    features: FeaturesSection = Field(default_factory=FeaturesSection)
    model: ModelSection
    split: SplitSection = Field(default_factory=SplitSection)
    output: OutputSection = Field(default_factory=OutputSection)
    engine: EngineSection = Field(default_factory=EngineSection)

    @model_validator(mode="after")
    def _windowed(self) -> "TrainConfig":
        if self.input.format in ("structured_csv", "log") and self.windowing.kind == "none":
            raise ValueError(f"input.format = {self.input.format!r} needs a [windowing] kind")
        return self


SECTIONS = ("input", "windowing", "features", "model", "split", "output", "engine")


def _schema() -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str], tuple[str, ...]]]:
    """Allowed keys per section with their defaults, and the choices of every enumerated key."""
    models = {"": TrainConfig, "input.files": InputFile,
              **{sec: TrainConfig.model_fields[sec].annotation for sec in SECTIONS}}
    schema: dict[str, dict[str, Any]] = {}
    choices: dict[tuple[str, str], tuple[str, ...]] = {}
    for sec, model in models.items():
        schema[sec] = {}
        for key, info in model.model_fields.items():
            schema[sec][key] = None if info.is_required() else info.get_default(
                call_default_factory=True)
            if typing.get_origin(info.annotation) is Literal:
                choices[(sec, key)] = typing.get_args(info.annotation)
    return schema, choices


#: Allowed keys per section with their defaults (None = optional, no default), from the models.
SCHEMA, CHOICES = _schema()


@dataclass
class PipelineConfig:
    """A validated config: plain dicts per section with defaults filled in."""

    name: str
    description: str
    input: dict[str, Any]
    windowing: dict[str, Any]
    features: dict[str, Any]
    model: dict[str, Any]
    split: dict[str, Any]
    output: dict[str, Any]
    engine: dict[str, Any] = field(default_factory=lambda: {"kind": "local"})
    source: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def supervised(self) -> bool:
        return self.model["kind"] in SUPERVISED


def _check_engine(engine: dict[str, Any], where: str) -> None:
    from rca.engine import EngineSpec
    from rca.engine.partition import parse_size

    workers = engine.get("workers")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)):
        raise ConfigError(f"{where}: engine.workers must be a whole number, not {workers!r}")
    try:
        EngineSpec.from_options(workers, engine.get("scheduler"), engine["kind"])
        if engine.get("partition_size") is not None:
            parse_size(engine["partition_size"])
    except ConfigError as exc:
        raise ConfigError(f"{where}: engine: {exc}") from None


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def resolve_path(value: str, base: Path | None) -> Path:
    """Expand ``${RCA_BENCH_DATA}``/``${VAR}`` and make relative paths relative to ``base``."""
    from rca.paths import bench_data_dir

    def sub(m: re.Match[str]) -> str:
        var = m.group(1)
        if var == "RCA_BENCH_DATA":
            return str(bench_data_dir())
        if var not in os.environ:
            raise ConfigError(f"path {value!r} uses ${{{var}}}, which is not set")
        return os.environ[var]

    path = Path(_VAR.sub(sub, str(value))).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    return path


def parse_config(data: dict[str, Any], source: Path | None = None) -> PipelineConfig:
    """Validate a config mapping (as read from TOML)."""
    where = str(source) if source else "config"
    try:
        model = TrainConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, where, lambda sec: SCHEMA.get(sec))) from None
    sections = {sec: getattr(model, sec).model_dump(exclude_none=True) for sec in SECTIONS}
    inp = sections["input"]
    files = inp.pop("files", None) or [{"path": inp.pop("path")}]
    inp["files"] = files
    inp["normal_labels"] = [str(v).lower() for v in inp["normal_labels"]]
    _check_engine(sections["engine"], where)
    return PipelineConfig(name=model.name, description=model.description, source=source,
                          raw=copy.deepcopy(data), **sections)


def load_config(path: str | Path) -> PipelineConfig:
    """Read and validate a TOML config file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file") from None
    return parse_config(data, source=path.resolve())

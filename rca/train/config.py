"""Declarative training configs (TOML, read with :mod:`tomllib`).

A config names what is read, how it is cut into sessions or windows, which features and model
are used, how it is split for evaluation and where the model goes. Every key is checked: an
unknown key is a :class:`~rca.errors.ConfigError` naming it. Paths may use ``${RCA_BENCH_DATA}``
(the benchmark data folder) or ``${VAR}`` from the environment; relative paths are relative to
the config file, never to the current directory.

Sections and keys (defaults in brackets)::

    name = "hdfs_sessions"            # model name -> models/<name>/<version>/
    description = ""
    [input]   format = "sessions_csv" | "sequences" | "structured_csv" | "log"
              path = "..." or [[input.files]] path/label/split (constant label or split per file)
              id_column, sequence_column, label_column, split_column, time_column,
              event_column, level_column, log_format, normal_labels = ["0", "Normal", "-"]
    [windowing] kind = "none" | "session" | "fixed" | "sliding"   ["none"]
              id_pattern, size, step, by, horizon, labels_path, labels_id_column,
              labels_column
    [features] weighting = "none" | "tfidf" | "binary" ["none"]; novelty [true]; levels [false];
              normalize [false]
    [model]   kind = "forest" | "gbdt" | "logreg" | "pca" | "invariants" | "rare" | "iforest"
                     | "ngram" | "sequence"
              target = "binary" | "type" ["binary"]; train_on = "all" | "normal" ["all"];
              params = { ... } passed to the estimator;
              target_far: unsupervised kinds alarm on about this share of normal sessions
                (threshold = that quantile of their scores on held-back training sessions;
                unset: each model's own threshold, and DEFAULT_TARGET_FAR for ngram/sequence);
              threshold: a fixed alarm threshold on the ``score`` column instead (any kind;
                ``rca predict --threshold`` overrides both)
    [split]   kind = "column" | "ratio" | "files" | "none"  ["ratio"]; train_fraction [0.8];
              order = "time" | "random" | "file" ["file"]; seed [0]
    [output]  dir ["models" beside the config's parent folder]; version [next free "vN"]
    [engine]  kind = "local" | "dask" ["local"]; workers (a local Dask cluster of N
              processes) or scheduler ("tcp://host:8786", an existing cluster); work_dir
              (parsed events; shared storage on a remote cluster); partition_size ["16MB"]
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rca.errors import ConfigError

SUPERVISED = ("forest", "gbdt", "logreg")
UNSUPERVISED = ("pca", "invariants", "rare", "iforest", "ngram", "sequence")
#: Target false-alarm rate of the kinds with no threshold of their own (ngram, sequence).
DEFAULT_TARGET_FAR = 0.005
FORMATS = ("sessions_csv", "sequences", "structured_csv", "log")
WINDOWS = ("none", "session", "fixed", "sliding")

#: Allowed keys per section with their defaults (None = optional, no default).
SCHEMA: dict[str, dict[str, Any]] = {
    "": {"name": None, "description": "", "input": None, "windowing": None, "features": None,
         "model": None, "split": None, "output": None, "engine": None},
    "input": {"format": None, "path": None, "files": None, "id_column": None,
              "sequence_column": None, "label_column": None, "split_column": None,
              "time_column": None, "event_column": None, "level_column": None,
              "service_column": None, "message_column": None, "header": True,
              "log_format": None, "normal_labels": ["0", "normal", "-", "false"]},
    "input.files": {"path": None, "label": None, "split": None},
    "windowing": {"kind": "none", "id_pattern": None, "size": None, "step": None, "by": None,
                  "horizon": None, "labels_path": None, "labels_id_column": None,
                  "labels_column": None},
    "features": {"weighting": "none", "novelty": True, "levels": False, "normalize": False},
    "model": {"kind": None, "target": "binary", "train_on": "all", "params": {},
              "target_far": None, "threshold": None},
    "split": {"kind": "ratio", "train_fraction": 0.8, "order": "file", "seed": 0},
    "output": {"dir": None, "version": None},
    "engine": {"kind": "local", "workers": None, "scheduler": None, "work_dir": None,
               "partition_size": None},
}

CHOICES = {
    ("input", "format"): FORMATS,
    ("windowing", "kind"): WINDOWS,
    ("features", "weighting"): ("none", "tfidf", "binary"),
    ("model", "kind"): SUPERVISED + UNSUPERVISED,
    ("model", "target"): ("binary", "type"),
    ("model", "train_on"): ("all", "normal"),
    ("split", "kind"): ("column", "ratio", "files", "none"),
    ("split", "order"): ("file", "time", "random"),
    ("engine", "kind"): ("local", "dask"),
}


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
    source: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    engine: dict[str, Any] = field(default_factory=lambda: {"kind": "local"})

    @property
    def supervised(self) -> bool:
        return self.model["kind"] in SUPERVISED


def _check_keys(section: str, table: dict[str, Any], where: str) -> dict[str, Any]:
    allowed = SCHEMA[section]
    for key in table:
        if key not in allowed:
            name = f"{section}.{key}" if section else key
            hint = ", ".join(sorted(allowed))
            raise ConfigError(f"{where}: unknown key {name!r} (allowed: {hint})")
    out = {k: copy.deepcopy(v) for k, v in allowed.items() if v is not None}
    out.update(table)
    for (sec, key), choices in CHOICES.items():
        if sec == section and key in out and out[key] not in choices:
            raise ConfigError(
                f"{where}: {section}.{key} = {out[key]!r} is not one of {', '.join(choices)}"
            )
    return out


def _check_threshold(model: dict[str, Any], where: str) -> None:
    far, thr = model.get("target_far"), model.get("threshold")
    if far is not None and (isinstance(far, bool) or not isinstance(far, (int, float)) or not 0 < far < 1):
        raise ConfigError(f"{where}: model.target_far = {far!r} must be a number between 0 and 1")
    if thr is not None and (isinstance(thr, bool) or not isinstance(thr, (int, float))):
        raise ConfigError(f"{where}: model.threshold = {thr!r} must be a number")


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
    top = _check_keys("", data, where)
    for required in ("name", "input", "model"):
        if required not in data:
            raise ConfigError(f"{where}: missing required key {required!r}")
    name = str(top["name"])
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ConfigError(f"{where}: name {name!r} must be letters, digits, '_', '-' or '.'")
    sections = {}
    for sec in ("input", "windowing", "features", "model", "split", "output", "engine"):
        table = top.get(sec) or {}
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{sec}] must be a table")
        sections[sec] = _check_keys(sec, table, where)
    inp = sections["input"]
    if "format" not in inp:
        raise ConfigError(f"{where}: missing required key 'input.format'")
    if ("path" in inp) == ("files" in inp):
        raise ConfigError(f"{where}: give exactly one of input.path or [[input.files]]")
    files = inp.pop("files", None) or [{"path": inp.pop("path")}]
    inp["files"] = [_check_keys("input.files", dict(f), where) for f in files]
    for f in inp["files"]:
        if "path" not in f:
            raise ConfigError(f"{where}: every [[input.files]] needs a path")
    inp["normal_labels"] = [str(v).lower() for v in inp["normal_labels"]]
    if "kind" not in sections["model"]:
        raise ConfigError(f"{where}: missing required key 'model.kind'")
    if not isinstance(sections["model"]["params"], dict):
        raise ConfigError(f"{where}: model.params must be a table")
    _check_threshold(sections["model"], where)
    win = sections["windowing"]
    if win["kind"] == "session" and not win.get("id_pattern"):
        raise ConfigError(f"{where}: windowing.kind = 'session' needs windowing.id_pattern")
    if win["kind"] in ("fixed", "sliding") and not win.get("size"):
        raise ConfigError(f"{where}: time windows need windowing.size (e.g. '1h')")
    if inp["format"] in ("structured_csv", "log") and win["kind"] == "none":
        raise ConfigError(f"{where}: input.format = {inp['format']!r} needs a [windowing] kind")
    if not 0 < float(sections["split"]["train_fraction"]) < 1:
        raise ConfigError(f"{where}: split.train_fraction must be between 0 and 1")
    _check_engine(sections["engine"], where)
    return PipelineConfig(name=name, description=str(top["description"]), source=source,
                          raw=copy.deepcopy(data), **sections)


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

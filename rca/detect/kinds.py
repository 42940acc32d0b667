"""Metric kinds: the one table that says what a series measures, its default threshold and unit.

A series name (``carts_mem``, ``orders_lat_99``, ``container_cpu_usage_seconds_total``,
``MemoryUsageRate(%)``) is split into lowercase words (at ``_ . : - /`` spaces, brackets and
camel-case humps); the LAST word that names a kind decides (a metric name ends with what it
measures, and a service called ``storage`` must not make ``storage_lat`` a disk series).

Default thresholds are the seed's ``errorRate 0.01, responseTime 1000 ms, memoryUsage 0.8,
cpuUsage 0.7``, plus disk 0.9; :func:`thresholds` merges overrides whose keys are any name of a kind
(``mem``, ``memoryUsage``, ``response_time_ms``...). :func:`normalize` puts a series' values
into the unit of its kind's threshold: a fraction (percent series are divided by 100), or
milliseconds for response times.

>>> kind_of("carts_mem").name, kind_of("storage_lat_99").name, kind_of("errorRate").name
('memory', 'response_time', 'error_rate')
>>> kind_of("queue_depth") is None
True
>>> threshold_for("orders_cpu"), threshold_for("carts_mem", {"memoryUsage": 0.9})
(0.7, 0.9)
>>> normalize("carts_cpu", [12.0, 55.0]).tolist(), normalize("carts_mem", [300.0, 310.0])
([0.12, 0.55], None)
"""

from __future__ import annotations

import math

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

import numpy as np

from rca.errors import ConfigError

__all__ = ["DEFAULT_THRESHOLDS", "FRACTION_MAX", "KINDS", "MetricKind", "kind_of", "normalize", "threshold_for",
           "thresholds", "words"]


@dataclass(frozen=True, slots=True)
class MetricKind:
    """One kind of metric.

    ``words``: name words that mark it; ``threshold``: default health threshold (None: no
    default, may be configured); ``unit``: ``"fraction"`` (0..1 of a capacity; percent series
    are rescaled), ``"ms"`` (durations) or ``""`` (counts, rates: compared as they are);
    ``symptom``: a golden-signal metric (latency, errors, traffic) that travels up the call
    graph to every caller, unlike a resource (cpu, memory, disk) that stays with its service.
    """

    name: str
    words: frozenset[str]
    threshold: float | None = None
    unit: str = ""
    symptom: bool = False


KINDS: tuple[MetricKind, ...] = (
    MetricKind("error_rate", frozenset({"error", "errors", "err", "5xx", "4xx", "failures",
                                        "timeouts"}), 0.01, "fraction", symptom=True),
    MetricKind("response_time", frozenset({"lat", "latency", "duration", "response", "p50",
                                           "p90", "p95", "p99"}), 1000.0, "ms", symptom=True),
    MetricKind("throughput", frozenset({"rps", "qps", "tps", "throughput", "requests", "traffic",
                                        "load", "lod", "workload"}), symptom=True),
    MetricKind("memory", frozenset({"mem", "memory", "rss", "heap", "ram", "swap", "oom"}), 0.8,
               "fraction"),
    MetricKind("cpu", frozenset({"cpu", "processor"}), 0.7, "fraction"),
    MetricKind("disk", frozenset({"disk", "fs", "filesystem", "storage", "volume", "inode",
                                  "inodes", "partition"}), 0.9, "fraction"),
    MetricKind("fds", frozenset({"fd", "fds", "files", "handles"})),
    MetricKind("restarts", frozenset({"restarts", "restart"})),
    MetricKind("logs", frozenset({"logs", "log", "lines"})),
)
BY_NAME: dict[str, MetricKind] = {k.name: k for k in KINDS}
_BY_WORD: dict[str, MetricKind] = {w: k for k in KINDS for w in k.words}

#: Default thresholds by kind name (the kinds that have one).
DEFAULT_THRESHOLDS: dict[str, float] = {k.name: k.threshold for k in KINDS
                                        if k.threshold is not None}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")
_PERCENT_WORDS = frozenset({"pct", "perc", "percent", "percentage", "utilisation",
                            "utilization"})
#: Largest value still read as a fraction (a share may exceed 1 a little: 120 % of a request).
FRACTION_MAX = 1.5
_SECOND_WORDS = frozenset({"s", "sec", "secs", "seconds"})
_MICRO_WORDS = frozenset({"us", "micros", "microseconds"})


def words(name: str) -> list[str]:
    """Lowercase words of a metric name (camel case split, punctuation dropped)."""
    return [w for w in _SPLIT.split(_CAMEL.sub(" ", str(name)).lower()) if w]


def kind_of(name: str) -> MetricKind | None:
    """The kind of a series (or of a metric name or a config key), None when unknown."""
    return _kind_of(str(name))


@lru_cache(maxsize=4096)
def _kind_of(name: str) -> MetricKind | None:
    if name in BY_NAME:
        return BY_NAME[name]
    for word in reversed(words(name)):
        kind = _BY_WORD.get(word)
        if kind is not None:
            return kind
    return None


def thresholds(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Thresholds by kind name: the defaults merged with ``overrides``, whose keys may be any
    name of a kind (``memoryUsage``, ``mem``, ``response_time_ms``). An unknown key or a value
    that is not a finite number raises :class:`rca.errors.ConfigError`."""
    table = dict(DEFAULT_THRESHOLDS)
    for key, value in (overrides or {}).items():
        kind = kind_of(str(key))
        if kind is None:
            raise ConfigError(f"unknown metric kind {key!r} in thresholds "
                              f"(known: {', '.join(BY_NAME)})")
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(value, bool) or not math.isfinite(number):
            raise ConfigError(f"threshold {key!r} must be a number, got {value!r} "
                              "(thresholds are finite numbers)")
        table[kind.name] = number
    return table


def threshold_for(series: str, overrides: Mapping[str, float] | None = None) -> float | None:
    """The threshold that applies to a series (its kind's), or None."""
    kind = kind_of(series)
    if kind is None:
        return None
    return thresholds(overrides).get(kind.name)


def normalize(series: str, values: Iterable[float]) -> np.ndarray | None:
    """``values`` in the unit of the series' kind threshold, or None when they cannot be.

    Fraction kinds: a name marked as percent (``%``, ``pct``, ``percent``, ``utilization``) is
    divided by 100; otherwise values up to :data:`FRACTION_MAX` are fractions, values up to 100
    percentages, and larger values are absolute amounts (bytes, MiB, millicores) that no
    fraction threshold fits.
    Durations: ``s``/``seconds`` in the name -> ms, ``us`` -> ms, else taken as ms.
    """
    v = np.asarray(values, dtype=float)
    kind = kind_of(series)
    if kind is None or kind.unit == "":
        return v
    marks = set(words(series))
    if kind.unit == "ms":
        if marks & _SECOND_WORDS:
            return v * 1000.0
        return v / 1000.0 if marks & _MICRO_WORDS else v
    finite = v[np.isfinite(v)]
    if "%" in series or marks & _PERCENT_WORDS:
        return v / 100.0
    if finite.size == 0 or (finite.min() >= 0.0 and finite.max() <= FRACTION_MAX):
        return v
    if finite.min() >= 0.0 and finite.max() <= 100.0:
        return v / 100.0
    return None

"""The remediation library: loading entries (package + user folders) and suggesting fixes.

>>> lib = Library.load()
>>> [s.id for s in lib.suggest([("orders", "Error: listen EADDRINUSE: address already in use :::3000")])][:1]
['port-in-use']
>>> lib.suggest([("orders", "Error: listen EADDRINUSE: address already in use :::3000")])[0].commands[0]
"ss -ltnp 'sport = :3000'"
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, NamedTuple, Sequence

from rca.errors import ConfigError, InputError
from rca.fixes.entry import BASE_CONFIDENCE, FixEntry, FixMatch, entry_from_dict, normalize_level
from rca.fixes.similar import ExampleIndex
from rca.ingest.safe_yaml import read_yaml
from rca.types import Suggestion

if TYPE_CHECKING:
    from rca.fixes.feedback import FeedbackStore

#: Folder of the entries shipped with rca.
PACKAGE_DIR = Path(__file__).resolve().parent / "library"
#: Environment variable with extra entry folders (``os.pathsep``-separated).
ENV_VAR = "RCA_FIXES_PATH"


class Clue(NamedTuple):
    """One thing the suggester looks at. ``text`` is a log message or template (raw messages
    are better: their values fill the step parameters); ``metric`` is a hint such as
    ``"memory up"``, ``"orders_mem rising"`` or ``"logs down"``."""

    service: str | None
    text: str | None = None
    level: str | None = None
    metric: str | None = None


@dataclass(frozen=True)
class _Hit:
    entry: FixEntry
    match: FixMatch
    confidence: float
    index: int
    clue: Clue


class Library:
    """A set of validated :class:`~rca.fixes.entry.FixEntry`, keyed by id.

    Build it with :meth:`load`; ``Library(entries)`` only stores what it is given.
    """

    def __init__(self, entries: Sequence[FixEntry] = ()):
        self.entries = tuple(entries)
        self._examples: ExampleIndex | None = None  # built on first use

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def load(cls, extra_dirs: Iterable[str | os.PathLike] = (), use_env: bool = True) -> Library:
        """Entries shipped in ``rca/fixes/library/``, then folders in ``$RCA_FIXES_PATH``,
        then ``extra_dirs``; a later entry replaces an earlier one with the same id.

        Every ``*.yaml``/``*.yml`` file of a folder is read; a file holds one entry (a
        mapping) or a list of entries. Problems raise :class:`ConfigError` naming the file
        and the entry.
        """
        dirs: list[Path] = [PACKAGE_DIR]
        if use_env and os.environ.get(ENV_VAR):
            dirs += [Path(p).expanduser() for p in os.environ[ENV_VAR].split(os.pathsep) if p]
        dirs += [Path(d).expanduser() for d in extra_dirs]
        by_id: dict[str, FixEntry] = {}
        for folder in dirs:
            for entry in _read_folder(folder):
                by_id[entry.id] = entry
        return cls(sorted(by_id.values(), key=lambda e: e.id))

    # -- lookup ----------------------------------------------------------------------------
    @property
    def ids(self) -> list[str]:
        return [e.id for e in self.entries]

    def get(self, fix_id: str) -> FixEntry:
        """The entry with this id; unknown id -> :class:`InputError` listing the known ones."""
        for entry in self.entries:
            if entry.id == fix_id:
                return entry
        raise InputError(f"unknown fix id {fix_id!r}; known ids: {', '.join(self.ids)}")

    def __contains__(self, fix_id: object) -> bool:
        return any(e.id == fix_id for e in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    # -- suggesting ------------------------------------------------------------------------
    def suggest(
        self,
        items: Iterable[Clue | tuple | str],
        *,
        feedback: FeedbackStore | None = None,
        limit: int = 5,
        min_confidence: float = 0.15,
        min_similarity: float = 0.3,
    ) -> list[Suggestion]:
        """Rank fixes for an incident.

        ``items`` are :class:`Clue` or plain tuples ``(service, text[, level[, metric]])``
        (a bare string is a text without service), **ordered by importance**: the root-cause
        evidence first. An item's weight is ``.7 ** k * .93 ** j`` (floor .3) where ``k`` is
        the rank of its service by first appearance and ``j`` its position among that
        service's items: evidence of the top service outweighs that of the next ones.

        Confidence of an entry = base of the hit kind (pattern .9, errno/exception .8, metric
        hint .7) x entry ``specificity`` x item weight (x .7 when the line's level is not
        among the entry's ``levels``); on one line, entries other than the best one get
        x .85; a few more matching items add up to +.06.

        With ``feedback`` (a :class:`~rca.fixes.feedback.FeedbackStore`), fixes that resolved
        incidents with similar signatures are boosted (``c + (1 - c) * .5 * similarity``) and,
        when the library has no entry for them, added with ``confidence = similarity``
        (``source="feedback"``) if the similarity is at least ``min_similarity``.

        Returns at most ``limit`` :class:`rca.types.Suggestion`, best first, with steps and
        commands filled from the matched line (``matched`` holds the matched text).
        """
        clues = _dedupe(_as_clue(it) for it in items)
        best: dict[str, _Hit] = {}
        counts: dict[str, int] = {}
        for index, (clue, weight) in enumerate(zip(clues, _weights(clues))):
            for hit in self._hits(index, clue, weight):
                counts[hit.entry.id] = counts.get(hit.entry.id, 0) + 1
                kept = best.get(hit.entry.id)
                if kept is None or hit.confidence > kept.confidence:
                    best[hit.entry.id] = hit
        scored: dict[str, tuple[float, int, Suggestion]] = {}
        for fix_id, hit in best.items():
            conf = min(0.99, hit.confidence + 0.02 * min(3, counts[fix_id] - 1))
            scored[fix_id] = (conf, hit.index, _suggestion(hit.entry, hit.match, hit.clue, conf))
        if feedback is not None:
            self._apply_feedback(feedback, clues, scored, min_similarity)
        ranked = sorted(scored.values(), key=lambda t: (-t[0], t[1], t[2].id))
        return [s for conf, _, s in ranked if conf >= min_confidence][: max(0, limit)]

    def _hits(self, index: int, clue: Clue, weight: float) -> list[_Hit]:
        level = normalize_level(clue.level)
        hits: list[_Hit] = []
        similar = self._similar(clue.text)
        for entry in self.entries:
            match = entry.match_text(clue.text or "") or similar.get(entry.id)
            metric = entry.match_metric(clue.metric)
            if match is None or (metric is not None
                                 and BASE_CONFIDENCE["metric"] > BASE_CONFIDENCE[match.kind]):
                match = metric or match
            if match is None:
                continue
            conf = BASE_CONFIDENCE[match.kind] * entry.specificity * weight
            if match.kind == "similar":
                conf *= min(1.0, 0.5 + float(match.params.get("similarity", 0)))
            if match.kind != "metric" and entry.levels and level and level not in entry.levels:
                conf *= 0.7
            hits.append(_Hit(entry, match, conf, index, clue))
        if len(hits) > 1:
            top = max(h.confidence for h in hits)
            hits = [h if h.confidence >= top else
                    _Hit(h.entry, h.match, h.confidence * 0.85, h.index, h.clue) for h in hits]
        return hits

    def _similar(self, text: str | None) -> dict[str, FixMatch]:
        """``similar`` hits: entries whose closest real example resembles ``text``."""
        if self._examples is None:
            self._examples = ExampleIndex({e.id: e.examples for e in self.entries})
        return {fid: FixMatch("similar", example, {"similarity": f"{sim:.3f}"})
                for fid, sim, example in self._examples.query(text)}

    def _apply_feedback(self, feedback: FeedbackStore, clues: list[Clue],
                        scored: dict[str, tuple[float, int, Suggestion]],
                        min_similarity: float) -> None:
        texts = [(i, c) for i, c in enumerate(clues) if c.text]
        if not texts:
            return
        for hit in feedback.similar([c.text for _, c in texts]):
            if hit.similarity < min_similarity:
                continue
            index, clue = texts[hit.query_index]
            note = (f"Incident {hit.incident_id} with a similar signature "
                    f"(similarity {hit.similarity:.2f}) was resolved by this fix.")
            if hit.fix_id in scored:
                conf, idx, sug = scored[hit.fix_id]
                conf = min(0.99, conf + (1 - conf) * 0.5 * hit.similarity)
                scored[hit.fix_id] = (conf, idx, _replace(sug, confidence=round(conf, 3),
                                                          steps=sug.steps + (note,)))
                continue
            conf = round(hit.similarity, 3)
            if hit.fix_id in self:
                entry = self.get(hit.fix_id)
                sug = _suggestion(entry, FixMatch("feedback", clue.text or ""), clue, conf)
                sug = _replace(sug, steps=(note,) + sug.steps, source="feedback")
            else:
                sug = Suggestion(
                    id=hit.fix_id, title=f"What fixed incident {hit.incident_id}",
                    confidence=conf, service=clue.service or None,
                    steps=(note, f"Apply '{hit.fix_id}' again if the situation matches."),
                    matched=(clue.text or "")[:300], source="feedback")
            scored[hit.fix_id] = (conf, index, sug)


_CACHE: dict[tuple, list[FixEntry]] = {}


def _read_folder(folder: Path) -> list[FixEntry]:
    """Entries of one folder; cached while its files' names, sizes and mtimes are unchanged."""
    if not folder.is_dir():
        raise ConfigError(f"fixes folder not found: {folder}")
    files = sorted(list(folder.glob("*.yaml")) + list(folder.glob("*.yml")))
    key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if key not in _CACHE:
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[key] = _parse_files(files)
    return _CACHE[key]


def _parse_files(files: list[Path]) -> list[FixEntry]:
    entries: list[FixEntry] = []
    seen: dict[str, str] = {}
    for path in files:
        data = read_yaml(path)  # no aliases, bounded size: one-line ConfigError
        if data is None:
            continue
        if isinstance(data, dict) and "fixes" in data and "id" not in data:
            data = data["fixes"]
        raw_entries = [data] if isinstance(data, dict) else data
        if not isinstance(raw_entries, list):
            raise ConfigError(f"{path}: expected a list of entries or one entry")
        for raw in raw_entries:
            entry = entry_from_dict(raw, str(path))
            if entry.id in seen:
                raise ConfigError(f"{path}: entry {entry.id!r} is also defined in {seen[entry.id]}")
            seen[entry.id] = str(path)
            entries.append(entry)
    return entries


def _as_clue(item: Clue | tuple | str) -> Clue:
    if isinstance(item, Clue):
        return item
    if isinstance(item, str):
        return Clue(None, item)
    if isinstance(item, (tuple, list)) and 1 <= len(item) <= 4:
        return Clue(*item)
    raise TypeError(f"a clue is (service, text[, level[, metric]]), got {item!r}")


def _weights(clues: list[Clue]) -> list[float]:
    services: dict[object, int] = {}
    seen: dict[object, int] = {}
    out = []
    for clue in clues:
        k = services.setdefault(clue.service, len(services))
        j = seen.get(clue.service, 0)
        seen[clue.service] = j + 1
        out.append(max(0.3, 0.7 ** k * 0.93 ** j))
    return out


def _dedupe(clues: Iterable[Clue]) -> list[Clue]:
    seen: set[tuple] = set()
    out: list[Clue] = []
    for clue in clues:
        key = (clue.service, clue.text, clue.metric)
        if key not in seen:
            seen.add(key)
            out.append(clue)
    return out


def _suggestion(entry: FixEntry, match: FixMatch, clue: Clue, conf: float) -> Suggestion:
    steps, commands, _ = entry.fill(match.params, clue.service)
    matched = clue.text if match.kind != "metric" else (clue.metric or "")
    return Suggestion(
        id=entry.id, title=entry.title, confidence=round(conf, 3),
        service=clue.service or None, steps=steps, matched=(matched or "")[:300],
        docs=entry.docs, commands=commands)


def _replace(sug: Suggestion, **changes) -> Suggestion:
    from dataclasses import replace

    return replace(sug, **changes)

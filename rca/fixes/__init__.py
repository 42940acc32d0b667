"""Remediation: the fix library (YAML entries as data), the suggester, and learning from
resolved incidents.

- :class:`Library` - ``Library.load(extra_dirs=())`` then ``.suggest(clues, feedback=...)``.
- :class:`Clue` - ``(service, text, level, metric)`` items given to ``suggest``.
- :class:`FeedbackStore` - SQLite record of what fixed past incidents.
"""

from rca.fixes.entry import FixEntry
from rca.fixes.feedback import FeedbackHit, FeedbackStore
from rca.fixes.signature import normalize_metric_hint
from rca.fixes.library import Clue, Library
from rca.rank.incident import incident_id

__all__ = ["Clue", "FeedbackHit", "FeedbackStore", "FixEntry", "Library", "incident_id",
           "normalize_metric_hint"]

"""Feature frames: the events frame (:mod:`rca.features.events`), sessions and time windows
over parsed events, and the transformers that turn them into model inputs (event counts,
TF-IDF, novelty, level ratios).

Everything here takes plain pandas frames and hands back frames or arrays; nothing reads files
except :func:`read_sessions_csv` (sessions that were parsed elsewhere).
"""

from rca.features.counts import EventCounts, as_sequences
from rca.features.events import EVENT_COLUMNS, events_frame, events_from_records
from rca.features.labels import failure_ahead, failure_onsets, median_lead_time
from rca.features.levels import LevelRatios
from rca.features.sequences import parse_sequence, read_sessions_csv, template_key
from rca.features.sessions import sessions_from_events
from rca.features.windows import time_windows

__all__ = [
    "EVENT_COLUMNS",
    "EventCounts",
    "LevelRatios",
    "as_sequences",
    "events_frame",
    "events_from_records",
    "failure_ahead",
    "failure_onsets",
    "median_lead_time",
    "parse_sequence",
    "read_sessions_csv",
    "sessions_from_events",
    "template_key",
    "time_windows",
]

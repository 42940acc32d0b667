"""Incident ids: the one function that names an incident, for ``rca analyze``, the service and
the feedback store alike.

>>> incident_id("2026-01-01T00:00:00Z", ["b", "a"], ["x"]) == incident_id(
...     "2026-01-01T00:00:00Z", ["a", "b", "a"], ["x"])
True
>>> incident_id(None, ["orders"])[:4]
'inc-'
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Iterable


def incident_id(start: datetime | float | str | None, services: Iterable[str],
                signatures: Iterable[str] = ()) -> str:
    """A stable short id for an incident: ``inc-`` + 10 hex of its start, its services (as a
    set) and up to 50 of its error signatures (as a set). Same inputs, same id."""
    key = json.dumps([str(start or ""), sorted(set(services)), sorted(set(signatures))[:50]])
    return "inc-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]

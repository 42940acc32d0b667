"""An :class:`rca.types.Analysis` as plain JSON-ready data (the ``rca analyze --json`` shape)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rca.types import Analysis, Evidence


def _iso(ts: datetime | None) -> str | None:
    return None if ts is None else ts.isoformat().replace("+00:00", "Z")


def _num(x: float | None) -> float | None:
    if x is None or x != x:  # NaN
        return None
    return float(x)


def evidence_to_dict(e: Evidence) -> dict[str, Any]:
    out: dict[str, Any] = {"source": e.source, "line": e.line, "text": e.text}
    if e.timestamp is not None:
        out["timestamp"] = _iso(e.timestamp)
    if e.metric is not None:
        out["metric"] = e.metric
        out["value"] = _num(e.value)
    return out


def analysis_to_dict(analysis: Analysis) -> dict[str, Any]:
    """``{"incident": {...} | null, "root_causes": [...], "suggestions": [...], "notes": [...]}``.

    The one serialisation of an analysis, for every front (``rca analyze --json``, the HTML
    report, the HTTP service): root causes keep their ``reasons``, suggestions their
    ``commands``.

    >>> analysis_to_dict(Analysis(incident=None))["incident"] is None
    True
    """
    inc = analysis.incident
    incident = None if inc is None else {
        "id": inc.id, "start": _iso(inc.start), "end": _iso(inc.end), "onset": _iso(inc.onset),
        "services": list(inc.services)}
    causes = [{"rank": c.rank, "service": c.service, "score": round(float(c.score), 4),
               "anomalous": c.anomalous, "metric": c.metric, "template": c.template,
               "evidence": [evidence_to_dict(e) for e in c.evidence],
               "reasons": list(c.reasons)} for c in analysis.root_causes]
    suggestions = [{"id": s.id, "title": s.title, "confidence": round(float(s.confidence), 4),
                    "service": s.service, "steps": list(s.steps), "matched": s.matched,
                    "docs": list(s.docs), "source": s.source, "commands": list(s.commands)}
                   for s in analysis.suggestions]
    return {"incident": incident, "root_causes": causes, "suggestions": suggestions,
            "notes": list(analysis.notes)}

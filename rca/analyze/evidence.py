"""Evidence for each ranked candidate: log lines and metric peaks a person can open to check
the claim, as :class:`rca.types.RootCause` items."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rca.ingest.error_fields import headline
from rca.types import Evidence, RootCause

#: Candidates given evidence (every service is ranked), and evidence lines per candidate.
TOP_K = 5
EVIDENCE_LINES = 3


def as_datetime(ts):
    """A pandas/NumPy time as a ``datetime`` (None for None/NaT)."""
    return None if ts is None or pd.isna(ts) else pd.Timestamp(ts).to_pydatetime()


def root_causes(ranked, events, metric_table, onset, metrics_source) -> list[RootCause]:
    """Every ranked service (a frame from :func:`rca.rank.combine.combine`) as a root cause;
    the first :data:`TOP_K` anomalous ones carry their log and metric evidence."""
    causes = []
    for i, row in enumerate(ranked.itertuples(index=False), start=1):
        shown = bool(row.anomalous) and i <= TOP_K
        evidence = (log_evidence(events, row, onset)
                    + metric_evidence(metric_table, row, metrics_source)) if shown else []
        causes.append(RootCause(rank=i, service=row.service, score=round(float(row.score), 4),
                                metric=row.series, template=row.template,
                                evidence=tuple(evidence), reasons=tuple(row.reasons),
                                anomalous=bool(row.anomalous)))
    return causes


def log_evidence(events, row, onset) -> list[Evidence]:
    """Up to :data:`EVIDENCE_LINES` log lines of the candidate's template after the onset (the
    last line of a silent service)."""
    if events is None or events.empty:
        return []
    sel = (events["service"] == row.service) & (events["timestamp"] >= onset)
    if row.template_id is not None:
        lines = events[sel & (events["template_id"] == row.template_id)].head(EVIDENCE_LINES)
    elif row.silent:
        lines = events[events["service"] == row.service].tail(1)
    else:
        lines = events.iloc[:0]
    return [Evidence(source=Path(str(r.source)).name or str(r.source), line=int(r.line) or None,
                     text=headline(str(r.message)), timestamp=as_datetime(r.timestamp))
            for r in lines.itertuples(index=False)]


def metric_evidence(table, row, source) -> list[Evidence]:
    """The peak of the candidate's series, against its normal median."""
    if table is None or row.series is None:
        return []
    hit = table[table["series"] == row.series]
    if hit.empty:
        return []
    r = hit.iloc[0]
    return [Evidence(source=source, metric=row.series, value=float(r["peak"]),
                     timestamp=as_datetime(r["peak_time"]),
                     text=f"{row.series} peaked at {r['peak']:.4g} (normal median "
                          f"{r['baseline']:.4g}), {r['score']:.1f} robust deviations")]

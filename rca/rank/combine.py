"""Join log and metric evidence per service into one ranking of root-cause candidates.

Every service seen in the inputs is ranked. Those with evidence (a surging log signature, a
silence, a metric beyond :data:`rca.rank.metrics.ANOMALY_Z`) are ``anomalous`` and come first;
the others follow with a weak score below :data:`MIN_SHARE`, ordered by how far their metrics
moved. Each source is scaled to [0, 1] by its strongest service (metrics by their ``strength``, see
:func:`rca.rank.metrics.service_table`), the sources present are averaged,
and two propagation rules adjust the result:

* victim: a service with anomalous callees (given or inferred edges, direct or further down)
  that started no later is scaled by :data:`VICTIM` once per such callee — its errors are most
  likely their fault showing through, the more so the more hops away;
* timing: without a callee to blame, services that became anomalous later than the first one
  are scaled by ``1 / (1 + delay / tau)``, ``tau`` being :data:`TAU` of the incident's span
  (at least a second).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from rca.rank.graph import victims
from rca.rank.metrics import ANOMALY_Z

#: Factor applied to a service explained by an anomalous callee that started first.
VICTIM = 0.35
#: Timing scale as a fraction of the incident's span.
TAU = 0.02
#: Relative strength (of the top service) below which a source does not make a service anomalous.
MIN_SHARE = 0.05

COLUMNS = ["service", "score", "log_score", "metric_score", "start", "template_id", "template",
           "series", "silent", "victim_of", "reasons", "anomalous", "raw"]


def combine(log_services: pd.DataFrame | None, metric_services: pd.DataFrame | None,
            edges: Iterable[tuple[str, str]] = (), onset: pd.Timestamp | None = None,
            end: pd.Timestamp | None = None, services: Iterable[str] = ()) -> pd.DataFrame:
    """Rank services, best first: the anomalous ones, then every other service of
    ``services`` and of the two frames. Inputs are :func:`rca.rank.logs.service_table` and
    :func:`rca.rank.metrics.service_table` (with an optional ``start`` column) frames."""
    rows: dict[str, dict] = {}
    raw = _raw_metric(metric_services)
    sources = 0
    for kind, frame in (("log", log_services), ("metric", metric_services)):
        if frame is None or frame.empty:
            continue
        key = "strength" if "strength" in frame.columns else "score"
        top = float(frame[key].max())
        if top <= 0:
            continue
        sources += 1
        for r in frame.to_dict("records"):
            share = float(r[key]) / top
            if share < MIN_SHARE:
                continue
            row = rows.setdefault(r["service"], _empty(r["service"]))
            row[f"{kind}_score"] = share
            start = r.get("start")
            if start is not None and not pd.isna(start):
                row["start"] = start if pd.isna(row["start"]) else min(row["start"], start)
            if kind == "log":
                row["template_id"], row["template"] = r.get("template_id"), r.get("template")
                row["silent"] = bool(r.get("silent", False))
                if row["template"]:
                    row["reasons"].append("new or surging error signature")
                if row["silent"]:
                    row["reasons"].append("went silent (stopped logging)")
            else:
                row["series"] = r.get("series")
                row["reasons"].append(f"metric {r.get('series')} moved {float(r['score']):.1f} "
                                      "robust deviations")
    table = pd.DataFrame(list(rows.values()), columns=COLUMNS)
    table["anomalous"] = True
    table["score"] = (table["log_score"] + table["metric_score"]) / max(sources, 1)
    table = _propagate(table, edges, onset, end)
    others = sorted(set(services) | set(raw) | _names(log_services) - set(rows))
    weak = pd.DataFrame([{**_empty(s), "anomalous": False,
                          "score": MIN_SHARE * raw.get(s, 0.0) / (raw.get(s, 0.0) + ANOMALY_Z),
                          "reasons": ["below the anomaly threshold"]}
                         for s in others if s not in rows], columns=COLUMNS)
    table = pd.concat([table, weak], ignore_index=True) if len(weak) else table
    table["raw"] = table["service"].map(raw).fillna(0.0)
    return table.sort_values(["anomalous", "score", "start", "raw"],
                             ascending=[False, False, True, False], kind="stable",
                             na_position="last").reset_index(drop=True)


def _raw_metric(frame: pd.DataFrame | None) -> dict[str, float]:
    if frame is None or frame.empty:
        return {}
    return {s: float(v) for s, v in frame.groupby("service")["score"].max().items()}


def _names(frame: pd.DataFrame | None) -> set[str]:
    return set() if frame is None or frame.empty else set(frame["service"])


def _propagate(table: pd.DataFrame, edges, onset, end) -> pd.DataFrame:
    """Victim and timing factors (see the module), then scores scaled to the top one."""
    if table.empty:
        return table
    starts = {s: (None if pd.isna(t) else t) for s, t in zip(table["service"], table["start"])}
    blamed = victims(starts, edges)
    known = [t for t in starts.values() if t is not None]
    first = min(known) if known else None
    ref_end = end if end is not None else (max(known) if known else None)
    tau = None
    if first is not None and ref_end is not None:
        tau = max((ref_end - (onset if onset is not None else first)).total_seconds() * TAU, 1.0)
    factors = []
    for i, svc in enumerate(table["service"]):
        f = 1.0
        if svc in blamed:
            f *= VICTIM ** len(blamed[svc])
            table.at[i, "victim_of"] = blamed[svc][0]
            table.at[i, "reasons"] = table.at[i, "reasons"] + [
                "likely a victim: " + ", ".join(blamed[svc]) + " (called by it) went wrong first"]
        elif tau is not None and starts[svc] is not None:
            delay = (starts[svc] - first).total_seconds()
            f /= 1.0 + delay / tau
        factors.append(f)
    table["score"] = table["score"] * np.array(factors)
    top = table["score"].max()
    if top > 0:
        table["score"] = table["score"] / top
    return table


def _empty(service: str) -> dict:
    return {"service": service, "score": 0.0, "log_score": 0.0, "metric_score": 0.0,
            "start": pd.NaT, "template_id": None, "template": None, "series": None,
            "silent": False, "victim_of": None, "reasons": [], "anomalous": True, "raw": 0.0}

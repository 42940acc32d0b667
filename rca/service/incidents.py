"""Alarms -> incidents, and each incident's analysis by the ``rca analyze`` analyzer.

An alarm joins an open incident only when it overlaps it in time (within
``incident_gap_seconds``) AND is related: the same service, a dependency (configured, or
inferred from error messages naming another service), or a shared error signature. Otherwise
an alarm that may open one (``opens``) starts a new incident; a lone new signature does not.
An alarm related to several open incidents merges them (the others say ``merged_into``).
The onset is the first abnormal evidence; the analysis window reaches
``analysis_lookback_seconds`` before it so the analyzer sees normal data to compare with.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timezone

from rca import api
from rca.report.as_dict import analysis_to_dict

log = logging.getLogger("rca.service")
TOP_ALARMS = 20
ANALYSES_PER_STEP = 2


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat().replace("+00:00", "Z")


class Incidents:
    """The open incidents in the scorer's ``state["incidents"]``."""

    def __init__(self, config, state: dict):
        self.config = config
        self.open: list[dict] = state.setdefault("incidents", [])
        self.edges = {(d["caller"], d["callee"]) for d in config.deps
                      if "caller" in d and "callee" in d}

    def related(self, inc: dict, a: dict) -> bool:
        if a["service"] in inc["services"]:
            return True
        if a.get("signature") and a["signature"] in inc["signatures"]:
            return True
        if any((a["service"], s) in self.edges or (s, a["service"]) in self.edges
               for s in inc["services"]):
            return True
        texts = [(a["service"], a.get("msg") or "")] + [tuple(t) for t in inc["texts"]]
        services = set(inc["services"]) | {a["service"]}
        return any(a["service"] in e for e in api.infer_dependencies(texts, services))

    def add(self, alarms: list[dict], max_ts: float | None) -> list[dict]:
        """Group ``alarms``; returns the incidents that changed or were resolved."""
        gap = self.config.incident_gap_seconds
        touched: dict[str, dict] = {}
        for a in sorted(alarms, key=lambda a: a["ts"]):
            hits = [i for i in self.open if i["start"] - gap <= a["ts"] <= i["end"] + gap
                    and self.related(i, a)]
            if not hits:
                if not a.get("opens", True):
                    continue
                hits = [self._new(a)]
                self.open.append(hits[0])
            inc = hits[0]
            for other in hits[1:]:  # the alarm relates open incidents: they become one
                self._merge(inc, other)
                self.open.remove(other)
                touched[other["id"]] = other
            self._join(inc, a)
            touched[inc["id"]] = inc
        for inc in list(self.open):
            if max_ts is not None and max_ts - inc["end"] > gap:
                inc["status"] = "resolved"
                inc["dirty"] = True
                self.open.remove(inc)
                touched[inc["id"]] = inc
        return list(touched.values())

    @staticmethod
    def _new(a: dict) -> dict:
        start = datetime.fromtimestamp(a["ts"], tz=timezone.utc)
        return {"id": api.incident_id(start, [a["service"]], [a.get("signature") or a["name"]]),
                "status": "open", "start": a["ts"], "end": a["ts"], "services": {},
                "signatures": [], "texts": [], "alarms": 0, "top": [], "analyzed": 0.0,
                "dirty": True}

    @staticmethod
    def _join(inc: dict, a: dict) -> None:
        inc["start"] = min(inc["start"], a["ts"])
        inc["end"] = max(inc["end"], a["ts"])
        inc["services"].setdefault(a["service"], a["ts"])
        if a.get("signature") and a["signature"] not in inc["signatures"]:
            inc["signatures"].append(a["signature"])
        if a.get("msg") and len(inc["texts"]) < 50:
            inc["texts"].append([a["service"], a["msg"]])
        inc["alarms"] += 1
        inc["dirty"] = True
        top = inc["top"]
        top.append({k: v for k, v in a.items() if k not in ("msg", "opens")})
        top.sort(key=lambda x: (-x["score"], x["ts"]))
        del top[TOP_ALARMS:]

    @staticmethod
    def _merge(inc: dict, other: dict) -> None:
        inc["start"], inc["end"] = min(inc["start"], other["start"]), max(inc["end"], other["end"])
        for svc, ts in other["services"].items():
            inc["services"][svc] = min(ts, inc["services"].get(svc, ts))
        inc["signatures"] += [x for x in other["signatures"] if x not in inc["signatures"]]
        inc["texts"] = (inc["texts"] + other["texts"])[:50]
        inc["alarms"] += other["alarms"]
        inc["top"] = sorted(inc["top"] + other["top"], key=lambda x: (-x["score"], x["ts"]))[
            :TOP_ALARMS]
        other.update(status="merged", merged_into=inc["id"], dirty=True)

    def due(self, changed: list[dict], wall: float, busy: bool) -> list[dict]:
        """Incidents to (re-)analyse now: resolved ones (a last time), and the open ones that
        changed, at most every ``analysis_interval_seconds``, the stalest first, at most
        ``ANALYSES_PER_STEP`` of them, and none while a backlog is being scored (``busy``:
        their windows are still moving)."""
        out = [i for i in changed if i["status"] != "open"]
        if busy:
            return out
        stale = [i for i in self.open if i["dirty"]
                 and wall - i["analyzed"] >= self.config.analysis_interval_seconds]
        return out + sorted(stale, key=lambda i: i["analyzed"])[:ANALYSES_PER_STEP]

    def window(self, inc: dict) -> tuple[float, float]:
        """Event-time range the analysis reads."""
        return (inc["start"] - self.config.analysis_lookback_seconds,
                inc["end"] + self.config.bucket_seconds)


def analyse(inc: dict, records, metrics, edges, wall: float) -> dict:
    """The incident body: the service's bookkeeping plus the analyzer's answer, serialised
    by :func:`rca.report.as_dict.analysis_to_dict` (the ``rca analyze --json`` shape)."""
    import pandas as pd

    try:
        an = api.analyze_records(records, metrics, edges)
        if an.incident is None:  # the alarms say when; let the analyzer rank from there
            times = [r.timestamp for r in records if r.timestamp is not None]
            if metrics is not None and len(metrics):
                times += [metrics["timestamp"].min().to_pydatetime(),
                          metrics["timestamp"].max().to_pydatetime()]
            fault = pd.Timestamp(inc["start"], unit="s", tz="UTC")
            if times and min(times) < fault:
                an = api.analyze_records(records, metrics, edges,
                                         fault_time=min(fault, pd.Timestamp(max(times))))
    except Exception as exc:  # noqa: BLE001 - an analysis must never stop scoring
        log.warning("incident analysis failed: %s", exc)
        an = None
    inc["analyzed"], inc["dirty"] = wall, False
    body = {"incident": None, "root_causes": [], "suggestions": [], "notes": []}
    if an is not None:
        if an.incident is not None:
            an = dataclasses.replace(an, incident=dataclasses.replace(an.incident, id=inc["id"]))
        body = analysis_to_dict(an)
    onset = (body["incident"] or {}).get("onset")
    return {"id": inc["id"], "status": inc["status"], "start": iso(inc["start"]),
            "end": iso(inc["end"]), "onset": min(filter(None, [onset, iso(inc["start"])])),
            "services": sorted(inc["services"], key=inc["services"].get),
            "alarms": inc["alarms"],
            "top_alarms": [{**a, "ts": iso(a["ts"])} for a in inc["top"][:10]],
            **({"merged_into": inc["merged_into"]} if inc.get("merged_into") else {}),
            **body, "updated": iso(wall)}

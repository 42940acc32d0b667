"""The per-service summary the scorer stores, and the reliability view (``GET /reliability``).

A service's health agrees with what is shown: ``degraded`` when its error rate over the last
``health_window_seconds`` or a metric is over its threshold, or a learned detector alarms;
``down`` when silent. The overall status is never ``up`` while an incident is open.
Forecasts count from the series' own last sample time (``eta`` = last sample + ETA).
"""

from __future__ import annotations

import time
from typing import Any

from rca import api
from rca.service import queries
from rca.service.incidents import iso

ORDER = {"up": 0, "degraded": 1, "down": 2}


def service_view(state: dict, thresholds: dict[str, float], warming: dict[str, str]
                 ) -> dict[str, Any]:
    """``{service: {error_rate, silent, log_score, metrics, forecasts, warming_up}}``."""
    out: dict[str, Any] = {}

    def entry(name: str) -> dict:
        return out.setdefault(name, {"error_rate": None, "silent": False, "log_score": 0.0,
                                     "metrics": {}, "forecasts": [], "warming_up": []})

    for name, s in state["svc"].items():
        entry(name).update(error_rate=s["error_rate"], silent=s["silent"], log_score=s["score"])
    for key, progress in warming.items():
        name = key.split(" ", 1)[0]
        if name in state["svc"]:
            entry(name)["warming_up"].append(f"{key}: {progress}")
        elif name in state["series"]:
            entry(state["series"][name]["service"])["warming_up"].append(f"{key}: {progress}")
    forecasts = api.forecast_points({k: sr["recent"] for k, sr in state["series"].items()},
                                    thresholds)
    for series, sr in state["series"].items():
        v = entry(sr["service"])
        f = forecasts.get(series)
        v["metrics"][series] = {"value": sr.get("last") if f is None else f.value,
                                "score": sr["score"], "limit": None if f is None else f.threshold,
                                "stale": bool(f is not None and f.stale)}
        if f is not None:
            v["forecasts"].append({"series": series, "limit": f.threshold, "value": f.value,
                                   "last_sample": f.last_time, "stale": f.stale,
                                   "seconds_to_threshold": f.eta_seconds,
                                   "eta_low": f.eta_low, "eta_high": f.eta_high,
                                   "risk": f.risk, "message": f.message})
    return out


def _checks(v: dict, error_limit: float) -> dict[str, dict]:
    checks: dict[str, dict] = {}
    if v.get("error_rate") is not None:
        checks["error_rate"] = {"value": round(float(v["error_rate"]), 6), "limit": error_limit,
                                "ok": bool(v["error_rate"] <= error_limit)}
    for series, m in v.get("metrics", {}).items():
        if m.get("limit") is not None and m.get("value") is not None:
            checks[series] = {"value": round(float(m["value"]), 6), "limit": m["limit"],
                              "ok": bool(m["value"] < m["limit"])}
    return checks


def _service(v: dict, row: dict, thresholds: dict, alarm_threshold: float) -> tuple:
    checks = _checks(v, thresholds["error_rate"])
    scores = [v.get("log_score") or 0.0] + [m.get("score") or 0.0
                                            for m in v.get("metrics", {}).values()]
    risk = max(scores)
    forecasts = []
    for f in v.get("forecasts", []):
        eta = f.get("seconds_to_threshold")
        at = (f.get("last_sample") or 0) + eta if eta is not None else None
        forecasts.append({**f, "last_sample": iso(f.get("last_sample")), "eta": iso(at)})
        risk = max(risk, f.get("risk") or 0.0)  # continuous in the ETA and its spread
    if v.get("silent"):
        status, risk = "down", 1.0
    elif any(not c["ok"] for c in checks.values()) or max(scores) >= alarm_threshold:
        status = "degraded"
    else:
        status = "up"
    system = {"status": status, "last_seen": iso(row.get("last_seen")),
              "last_event": iso(row.get("last_event")), "logs": row.get("logs", 0),
              "errors": row.get("errors", 0), "samples": row.get("samples", 0),
              "detectors": "warming up" if v.get("warming_up") else "ready",
              "warming_up": v.get("warming_up", [])}
    prediction = {"failure_risk": round(float(risk), 4), "time_to_threshold": forecasts}
    return status, system, {"status": status, "checks": checks}, prediction


def reliability(reader, thresholds: dict[str, float], alarm_threshold: float,
                now: float | None = None) -> dict[str, Any]:
    """``{timestamp, systems, errors, health, predictions, incidents, thresholds}``."""
    now = time.time() if now is None else now
    view = queries.view(reader)
    rows = queries.services(reader)
    systems, health, predictions = {}, {}, {}
    worst = "up"
    for name in sorted(set(rows) | set(view)):
        status, systems[name], health[name], predictions[name] = _service(
            view.get(name, {}), rows.get(name, {}), thresholds, alarm_threshold)
        worst = max(worst, status, key=ORDER.get)
    open_incidents = queries.open_incidents(reader)
    if open_incidents and worst == "up":
        worst = "degraded"
    errors = queries.recent_errors(reader)
    for e in errors:
        e["first_seen"], e["last_seen"] = iso(e["first_seen"]), iso(e["last_seen"])
    return {
        "timestamp": iso(now), "systems": systems, "errors": errors,
        "health": {"overall": {"status": worst, "open_incidents": open_incidents,
                               "degraded": sum(h["status"] != "up" for h in health.values()),
                               "services": len(health)},
                   "services": health},
        "predictions": predictions, "thresholds": thresholds,
    }

"""The unified reliability view (``GET /reliability``) from what the scorer stored."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from rca.service.store import Reader
from rca.service.worker import VIEW_KEY

RECENT_ERRORS = 20
SOON_SECONDS = 900.0  # a threshold forecast closer than this raises the failure risk


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def _fraction(v: float | None) -> float | None:
    """CPU/memory as a fraction: values above 1 are read as percentages."""
    if v is None:
        return None
    return v / 100.0 if v > 1.0 else v


def _checks(view: dict, thresholds: dict[str, float]) -> dict[str, dict]:
    checks: dict[str, dict] = {}

    def put(name: str, value: float | None) -> None:
        if value is None:
            return
        prev = checks.get(name)
        if prev is None or value > prev["value"]:
            limit = thresholds[name]
            checks[name] = {"value": round(float(value), 6), "limit": limit,
                            "ok": bool(value <= limit)}

    put("error_rate", view.get("error_rate"))
    for series, m in view.get("metrics", {}).items():
        name = series.split("_", 1)[1].lower() if "_" in series else series.lower()
        v = m.get("value")
        if v is None:
            continue
        if "cpu" in name:
            put("cpu", _fraction(v))
        elif "mem" in name:
            put("memory", _fraction(v))
        elif "error" in name:
            put("error_rate", v)
        elif "lat" in name or "response" in name or "duration" in name:
            put("response_time_ms", v)
    return checks


def reliability(reader: Reader, thresholds: dict[str, float], alarm_threshold: float,
                silence_seconds: float, now: float | None = None) -> dict[str, Any]:
    """``{timestamp, systems, errors, health, predictions, thresholds}``."""
    now = time.time() if now is None else now
    view = reader.kv(VIEW_KEY, {}) or {}
    services = {r["service"]: r for r in reader.q("SELECT * FROM services")}
    systems, health, predictions = {}, {}, {}
    worst = "up"
    order = {"up": 0, "degraded": 1, "down": 2}
    for name in sorted(set(services) | set(view)):
        row = services.get(name, {})
        v = view.get(name, {})
        checks = _checks(v, thresholds)
        silent = bool(v.get("silent"))
        scores = [v.get("log_score") or 0.0] + [
            m.get("score") or 0.0 for m in v.get("metrics", {}).values()]
        risk = max(scores)
        forecasts = []
        for f in v.get("forecasts", []):
            eta = f.get("seconds_to_threshold")
            forecasts.append({**f, "eta": _iso(now + eta) if eta is not None else None})
            if eta is not None:
                risk = max(risk, 1.0 - min(eta, SOON_SECONDS) / SOON_SECONDS)
        if silent:
            risk = 1.0
        if silent:
            status = "down"
        elif any(not c["ok"] for c in checks.values()) or max(scores) >= alarm_threshold:
            status = "degraded"
        else:
            status = "up"
        worst = max(worst, status, key=order.get)
        systems[name] = {"status": status, "last_seen": _iso(row.get("last_seen")),
                         "last_event": _iso(row.get("last_event")),
                         "logs": row.get("logs", 0), "errors": row.get("errors", 0),
                         "samples": row.get("samples", 0)}
        health[name] = {"status": status, "checks": checks}
        predictions[name] = {"failure_risk": round(float(risk), 4),
                             "time_to_threshold": forecasts}
    errors = reader.q(
        "SELECT service, template_id, template, level, count, first_seen, last_seen "
        "FROM signatures WHERE level IN ('ERROR','FATAL') ORDER BY last_seen DESC LIMIT ?",
        (RECENT_ERRORS,))
    for e in errors:
        e["first_seen"], e["last_seen"] = _iso(e["first_seen"]), _iso(e["last_seen"])
    return {
        "timestamp": _iso(now),
        "systems": systems,
        "errors": errors,
        "health": {"overall": {"status": worst,
                               "degraded": sum(h["status"] != "up" for h in health.values()),
                               "services": len(health)},
                   "services": health},
        "predictions": predictions,
        "thresholds": thresholds,
    }

"""Services of a simulated system, their log formats and who calls whom."""

from __future__ import annotations

import random
from dataclasses import dataclass

#: Candidate services by tier (callers above callees). ``frontend`` and ``db`` are always in.
TIERS: tuple[tuple[str, ...], ...] = (
    ("frontend",),
    ("orders", "cart", "users", "search"),
    ("payment", "inventory", "catalog", "shipping", "auth", "notifications"),
    ("db",),
)
#: Order in which middle services join as ``n_services`` grows.
_JOIN_ORDER = ("orders", "payment", "inventory", "cart", "catalog", "users", "shipping", "auth",
               "search", "notifications")
#: Services that talk to the database.
_DB_USERS = {"orders", "payment", "inventory", "cart", "catalog", "users", "auth"}
#: Log formats of application services and the language they imply.
APP_FORMATS = ("pino", "winston", "python", "java")
#: ``vary=True``: JSON formats that carry the error in fields (ECS ``error.*``, OTel
#: ``exception.*`` attributes) join, and services get other names.
VARIED_FORMATS = APP_FORMATS + ("ecs", "otel")
LANGUAGE = {"pino": "node", "winston": "node", "python": "python", "java": "java",
            "postgres": "postgres", "ecs": "java", "otel": "python"}
VARIED_NAMES = {"frontend": "edge-gateway", "orders": "checkout-api", "cart": "basket",
                "users": "identity", "search": "finder", "payment": "billing-svc",
                "inventory": "stockkeeper", "catalog": "product-info", "shipping": "logistics",
                "auth": "tokens", "notifications": "mailer", "db": "pg-main"}
MIN_SERVICES, MAX_SERVICES = 3, 12


@dataclass(frozen=True)
class Topology:
    services: tuple[str, ...]
    formats: dict[str, str]
    edges: tuple[tuple[str, str], ...]  # (caller, callee)
    tier: dict[str, int]

    def callers(self, service: str) -> list[str]:
        return sorted(a for a, b in self.edges if b == service)

    def callees(self, service: str) -> list[str]:
        return sorted(b for a, b in self.edges if a == service)

    def upstream_paths(self, root: str) -> dict[str, tuple[int, str]]:
        """Every transitive caller of ``root`` -> (hops from root, the callee it sees failing)."""
        seen: dict[str, tuple[int, str]] = {}
        frontier = [(root, 0)]
        while frontier:
            nxt = []
            for svc, depth in frontier:
                for caller in self.callers(svc):
                    if caller not in seen and caller != root:
                        seen[caller] = (depth + 1, svc)
                        nxt.append((caller, depth + 1))
            frontier = sorted(nxt)
        return seen


def build_topology(n_services: int, rng: random.Random, vary: bool = False) -> Topology:
    """A tiered call graph of ``n_services`` (3..12) with formats mixed across services
    (``vary``: more formats and other service names, see :data:`VARIED_NAMES`)."""
    n = max(MIN_SERVICES, min(MAX_SERVICES, int(n_services)))
    middle = list(_JOIN_ORDER[: n - 2])
    services = ["frontend", *middle, "db"]
    tier = {s: next(i for i, t in enumerate(TIERS) if s in t) for s in services}
    if not any(tier[s] == 1 for s in middle) and middle:
        tier[middle[0]] = 1  # small systems: the first middle service faces the frontend
    formats = {"frontend": rng.choice(("pino", "winston")), "db": "postgres"}
    cycle = list(VARIED_FORMATS if vary else APP_FORMATS)
    rng.shuffle(cycle)
    for i, svc in enumerate(middle):
        formats[svc] = cycle[i % len(cycle)]
    by_tier = {t: [s for s in services if tier[s] == t] for t in range(4)}
    edges: set[tuple[str, str]] = set()
    for svc in by_tier[1]:
        edges.add(("frontend", svc))
    for svc in by_tier[2]:
        upper = by_tier[1] or ["frontend"]
        edges.add((rng.choice(upper), svc))
        if len(upper) > 1 and rng.random() < 0.4:
            edges.add((rng.choice(upper), svc))
    for svc in by_tier[1]:
        if by_tier[2] and not any(a == svc for a, _ in edges):
            edges.add((svc, rng.choice(by_tier[2])))
    users = [s for s in middle if s in _DB_USERS] or middle[:1]
    for svc in users:
        edges.add((svc, "db"))
    if vary:
        n = VARIED_NAMES
        return Topology(tuple(n[s] for s in services), {n[s]: f for s, f in formats.items()},
                        tuple(sorted((n[a], n[b]) for a, b in edges)),
                        {n[s]: t for s, t in tier.items()})
    return Topology(tuple(services), formats, tuple(sorted(edges)), tier)

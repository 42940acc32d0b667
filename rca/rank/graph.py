"""Service dependency graph: given edges, edges inferred from errors, and propagation.

A fault spreads from a callee to its callers: when ``orders`` dies, ``front-end`` logs
"connection refused to orders" a moment later. So among anomalous services, one whose callee is
also anomalous and started no later is most likely a victim, and the most downstream anomalous
service is the most likely cause.

>>> parse_edges([{"caller": "front-end", "callee": "orders"}, ["orders", "db"]])
[('front-end', 'orders'), ('orders', 'db')]
>>> parse_edges({"front-end": ["orders", "carts"]})
[('front-end', 'orders'), ('front-end', 'carts')]
"""

from __future__ import annotations

import re
from typing import Any, Iterable

import pandas as pd

from rca.errors import InputError


def parse_edges(data: Any) -> list[tuple[str, str]]:
    """Edges from a loaded YAML/JSON document: a list of ``{caller, callee}`` maps or
    ``[caller, callee]`` pairs, a ``{caller: [callee, ...]}`` map, or ``{"edges": [...]}``."""
    if isinstance(data, dict) and "edges" in data:
        data = data["edges"]
    edges: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for caller, callees in data.items():
            callees = [callees] if isinstance(callees, str) else (callees or [])
            if not isinstance(callees, list):
                raise InputError(f"dependency graph: callees of {str(caller)[:40]!r} must be a "
                                 "list of names")
            edges.extend((str(caller), str(c)) for c in callees)
        return edges
    if not isinstance(data, list):
        raise InputError("dependency graph: expected a list of {caller, callee} edges")
    for item in data:
        if isinstance(item, dict) and "caller" in item and "callee" in item:
            edges.append((str(item["caller"]), str(item["callee"])))
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            edges.append((str(item[0]), str(item[1])))
        else:
            raise InputError(f"dependency graph: cannot read edge {item!r} "
                             "(expected {caller: a, callee: b})")
    return edges


def infer_edges(texts: pd.DataFrame, services: Iterable[str]) -> list[tuple[str, str]]:
    """Caller -> callee edges from error messages of one service that name another one
    ("upstream payment returned 503" in front-end gives front-end -> payment). ``texts`` has
    columns ``service`` and ``text`` (raw messages: templates may have masked the name)."""
    names = sorted({s for s in services if s and len(s) >= 2}, key=len, reverse=True)
    if texts.empty or not names:
        return []
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w-])",
                         re.IGNORECASE)
    lower = {n.lower(): n for n in names}
    edges = set()
    for service, text in zip(texts["service"], texts["text"].astype(str)):
        for m in pattern.finditer(text[:2000]):
            callee = lower[m.group(1).lower()]
            if callee != service:
                edges.add((service, callee))
    return sorted(edges)


def downstream(edges: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Every service's transitive callees."""
    direct: dict[str, set[str]] = {}
    for a, b in edges:
        direct.setdefault(a, set()).add(b)
    closure: dict[str, set[str]] = {}
    for start in direct:
        seen: set[str] = set()
        stack = list(direct[start])
        while stack:
            node = stack.pop()
            if node in seen or node == start:
                continue
            seen.add(node)
            stack.extend(direct.get(node, ()))
        closure[start] = seen
    return closure


def victims(starts: dict[str, pd.Timestamp | None], edges: Iterable[tuple[str, str]],
            slack: pd.Timedelta = pd.Timedelta(0)) -> dict[str, list[str]]:
    """Anomalous services explained by anomalous callees (direct or further down) that started
    no later than them (within ``slack``): ``{victim: [callee, ...]}``, earliest callee first.
    ``starts`` holds only anomalous services (start None = unknown, never later)."""
    closure = downstream(edges)
    out: dict[str, list[str]] = {}
    for svc, t in starts.items():
        blamed = []
        for callee in closure.get(svc, ()):
            if callee not in starts:
                continue
            tc = starts[callee]
            if t is None or tc is None or pd.isna(t) or pd.isna(tc) or tc <= t + slack:
                blamed.append(callee)
        if blamed:
            far = pd.Timestamp.max.tz_localize("UTC")
            out[svc] = sorted(blamed, key=lambda c: (far if starts[c] is None or pd.isna(starts[c])
                                                     else starts[c], c))
    return out

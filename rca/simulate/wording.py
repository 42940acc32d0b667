"""What simulated services write: normal traffic, benign noise, red herrings and the symptom
lines callers log when a callee fails, per language (data and small generators)."""

from __future__ import annotations

import random

from rca.simulate.render import Line

# Benign recurring errors (present before and after the fault) and unrelated warnings.
BENIGN_ERRORS = {
    "node": ("failed to flush metrics to statsd: connect ECONNREFUSED 127.0.0.1:8125",
             "token refresh for analytics sink failed: 401 Unauthorized"),
    "python": ("token refresh for partner feed failed: 401 Unauthorized, retrying in 60s",
               "failed to flush metrics to statsd: [Errno 111] Connection refused"),
    "java": ("Health check for legacy-reports failed: Read timed out after 2000ms",
             "Failed to send span batch to collector: 401 Unauthorized"),
    "postgres": ('duplicate key value violates unique constraint "sessions_pkey"',),
}
# A one-off new error in an unrelated service shortly after the fault (a red herring).
RED_HERRINGS = {
    "node": "failed to refresh feature flags: Request failed with status code 500",
    "python": "task reports.generate_daily failed: KeyError('region')",
    "java": "Scheduled task 'syncCatalog' failed: java.lang.NullPointerException",
    "postgres": "canceling statement due to statement timeout",
}
WARNINGS = {
    "node": ("deprecated option 'useUnifiedTopology' has no effect",
             "slow request GET /api/items/{n} took {ms}ms", "cache miss rate {pct}% above 20%"),
    "python": ("slow query ({ms} ms): SELECT * FROM products WHERE category_id = %s",
               "retrying kafka commit for partition {n} (attempt 1)",
               "DeprecationWarning: datetime.utcnow() is deprecated"),
    "java": ("HHH000104: firstResult/maxResults specified with collection fetch; applying in memory!",
             "Slow SQL: {ms}ms for select o from Order o where o.status = ?1",
             "Retrying request to config server (attempt 1)"),
    "postgres": ("checkpoints are occurring too frequently ({n} seconds apart)",),
}



_ROUTES = ("items", "orders", "carts", "users", "quotes", "labels", "stock", "sessions")


def normal_line(svc: str, lang: str, t: float, r: random.Random) -> Line:
    x = r.random()
    if lang == "postgres":
        if x < 0.6:
            return Line(t, "INFO", f"duration: {r.uniform(0.2, 40):.3f} ms  statement: SELECT * FROM "
                                   f"{r.choice(_ROUTES)} WHERE id = {r.randint(1, 99999)}")
        if x < 0.85:
            return Line(t, "INFO", f"connection received: host=10.0.{r.randint(1, 9)}.{r.randint(2, 250)} "
                                   f"port={r.randint(30000, 60000)}")
        if x < 0.95:
            return Line(t, "INFO", f'automatic vacuum of table "shop.public.{r.choice(_ROUTES)}": '
                                   f"index scans: {r.randint(0, 3)}")
        return Line(t, "INFO", "checkpoint starting: time")
    method = r.choice(("GET", "GET", "GET", "POST", "PUT"))
    path = f"/api/{r.choice(_ROUTES)}/{r.randint(1, 99999)}"
    status = r.choice((200, 200, 200, 200, 201, 204, 304, 404))
    ms = r.randint(2, 120)
    if x < 0.8:
        if lang == "node":
            return Line(t, "INFO", "request completed",
                        fields=(("req", {"method": method, "url": path}),
                                ("res", {"statusCode": status}), ("responseTime", ms)))
        if lang == "python":
            return Line(t, "INFO", f'10.0.{r.randint(1, 9)}.{r.randint(2, 250)} - "{method} {path} HTTP/1.1" '
                                   f"{status} {ms}ms", logger="uvicorn.access")
        return Line(t, "INFO", f"{method} {path} -> {status} ({ms} ms)")
    if x < 0.9:
        return Line(t, "DEBUG", f"cache {'hit' if r.random() < 0.8 else 'miss'} for key "
                                f"{r.choice(_ROUTES)}:{r.randint(1, 99999)}")
    if x < 0.97:
        return Line(t, "INFO", f"processed batch of {r.randint(10, 500)} events in {r.randint(5, 400)}ms")
    return Line(t, "INFO", f"scheduled job cleanup-{r.choice(_ROUTES)} finished, removed "
                           f"{r.randint(0, 50)} rows")


def banner(svc: str, lang: str) -> str:
    return {"node": f"{svc} starting (node v20.11.1)",
            "python": f"Booting worker for {svc}",
            "java": f"Starting {svc.capitalize()}Application v2.4.1 using Java 17.0.9",
            "postgres": "database system is ready to accept connections"}[lang]


def symptom_line(lang: str, kind: str, callee: str, root_symptom: str,
                 r: random.Random, callee_is_db: bool = False) -> tuple[str, str | None]:
    path = f"/api/{r.choice(_ROUTES)}/{r.randint(1, 99999)}"
    if callee_is_db and kind != "upper":
        return {"node": ("query failed: Connection terminated unexpectedly", None),
                "python": ("database error: server closed the connection unexpectedly",
                           "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) "
                           "server closed the connection unexpectedly"),
                "java": ("could not execute statement; SQL [n/a]",
                         "org.springframework.dao.DataAccessResourceFailureException: "
                         "could not execute statement")}[lang]
    if kind == "upper":
        status = "504 Gateway Timeout" if root_symptom == "timeout" else r.choice(
            ("502 Bad Gateway", "503 Service Unavailable"))
        return {"node": (f"upstream {callee} returned {status} (GET {path})", None),
                "python": (f"call to {callee} failed: {status} for url: http://{callee}:8080{path}", None),
                "java": (f"{status} from GET http://{callee}:8080{path}",
                         f"org.springframework.web.client.HttpServerErrorException: {status}")}[lang]
    if kind == "timeout":
        return {"node": (f"request to {callee} failed: timeout of 3000ms exceeded", None),
                "python": (f"HTTPConnectionPool(host='{callee}', port=8080): Read timed out. (read timeout=3.0)",
                           f"requests.exceptions.ReadTimeout: HTTPConnectionPool(host='{callee}', port=8080): "
                           "Read timed out. (read timeout=3.0)"),
                "java": (f'I/O error on GET request for "http://{callee}:8080{path}": Read timed out',
                         "java.net.SocketTimeoutException: Read timed out")}[lang]
    if kind == "refused":
        ip = f"10.0.{r.randint(1, 9)}.{r.randint(2, 250)}"
        return {"node": (f"call to {callee} failed: connect ECONNREFUSED {ip}:8080", None),
                "python": (f"HTTPConnectionPool(host='{callee}', port=8080): Max retries exceeded with url: "
                           f"{path} (Caused by NewConnectionError('Failed to establish a new connection: "
                           "[Errno 111] Connection refused'))", None),
                "java": (f'I/O error on GET request for "http://{callee}:8080{path}": Connection refused',
                         "java.net.ConnectException: Connection refused")}[lang]
    status = r.choice(("500 Internal Server Error", "503 Service Unavailable"))
    return {"node": (f"upstream {callee} returned {status} (POST {path})", None),
            "python": (f"call to {callee} failed: {status} for url: http://{callee}:8080{path}", None),
            "java": (f"{status} from POST http://{callee}:8080{path}",
                     f"org.springframework.web.client.HttpServerErrorException: {status}")}[lang]

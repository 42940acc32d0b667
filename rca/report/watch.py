"""What `rca watch` prints after each pass: counts, failing checks, warm-up, and incidents
only when their status, top cause or first fix changed since last said."""

from __future__ import annotations

from rich.console import Console


class WatchReporter:
    """Callable given to ``rca.api.watch(on_pass=...)``; remembers what it has said."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.shown: dict[str, tuple] = {}

    def __call__(self, result: dict) -> None:
        line = f"{result['logs']} log lines, {result['checks']} health checks"
        if result["failed"]:
            line += f", FAILING: {', '.join(result['failed'])}"
        if result.get("warming_up"):
            line += f"; warming up: {', '.join(sorted(result['warming_up']))}"
        self.console.print(line, soft_wrap=True)
        for inc in result.get("incidents", [])[:3]:
            top = inc["root_causes"][0] if inc.get("root_causes") else {}
            fix = inc["suggestions"][0]["id"] if inc.get("suggestions") else None
            said = (inc["status"], top.get("service"), fix)
            if self.shown.get(inc["id"]) == said:
                continue
            self.shown[inc["id"]] = said
            self.console.print(f"incident {inc['id']} ({inc['status']}): root cause "
                               f"{top.get('service', 'not ranked yet')}"
                               + (f", suggested fix {fix}" if fix else ""), soft_wrap=True)

"""A readable terminal summary of an :class:`rca.types.Analysis` (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from rca.types import Analysis


def _t(ts) -> str:
    return "-" if ts is None else ts.strftime("%Y-%m-%d %H:%M:%S UTC")


def render_terminal(analysis: Analysis, console: Console) -> None:
    """Print the incident, its ranked candidates with evidence, and the suggested fixes."""
    inc = analysis.incident
    if inc is None:
        console.print(Text("No incident found.", style="bold green"))
        for note in analysis.notes:
            console.print(Text(note, style="dim"))
        return
    onset = "" if inc.onset is None else f"  (onset detected at {_t(inc.onset)})"
    console.print(Text(f"Incident {inc.id}: {_t(inc.start)} -> {_t(inc.end)}{onset}",
                       style="bold"))
    table = Table(title="Root-cause candidates", show_lines=False, expand=False)
    table.add_column("#", justify="right")
    table.add_column("service", style="bold")
    table.add_column("score", justify="right")
    table.add_column("signature / metric", overflow="fold")
    shown = [c for c in analysis.root_causes if c.anomalous or c.rank <= 3]
    for c in shown:
        what = c.template or ""
        if c.metric:
            what = f"{what}\n[metric] {c.metric}" if what else f"[metric] {c.metric}"
        table.add_row(str(c.rank), c.service, f"{c.score:.2f}", Text(what))
    console.print(table)
    rest = analysis.root_causes[len(shown):]
    if rest:
        console.print(Text(f"{len(rest)} more service(s) ranked below the anomaly threshold: "
                           + ", ".join(c.service for c in rest[:12])
                           + (" ..." if len(rest) > 12 else "") + " (all in --json)", style="dim"))
    for c in analysis.root_causes[:3]:
        if not c.evidence and not c.reasons:
            continue
        console.print(Text(f"#{c.rank} {c.service}: " + "; ".join(c.reasons), style="bold"))
        for e in c.evidence:
            where = f"{e.source}:{e.line}" if e.line else e.source
            first = e.text.split("\n", 1)[0]
            console.print(Text("  ") + Text(where, style="cyan") + Text(f"  {first}"))
    if analysis.suggestions:
        console.print(Text("Suggested fixes", style="bold"))
        for s in analysis.suggestions[:5]:
            svc = f" [{s.service}]" if s.service else ""
            console.print(Text(f"  {s.id}{svc} ({s.confidence:.0%}): {s.title}"))
            for step in s.steps[:4]:
                console.print(Text(f"    - {step}", style="dim"))
    for note in analysis.notes:
        console.print(Text(note, style="dim"))

"""Terminal renderings of the remediation library (``rca fixes list|show|match``)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def render_fix_list(entries, console: Console) -> None:
    """One row per entry: id, title, what it matches, where it comes from."""
    table = Table(title=f"{len(entries)} remediation entries", show_lines=False)
    for col in ("id", "title", "signature", "from"):
        table.add_column(col, overflow="fold")
    for e in entries:
        parts = [f"{len(e.patterns)} patterns"] if e.patterns else []
        parts += [", ".join(e.errno)] if e.errno else []
        parts += [", ".join(e.metrics)] if e.metrics else []
        origin = "shipped" if "/rca/fixes/library/" in e.origin.replace("\\", "/") else e.origin
        table.add_row(e.id, e.title, "; ".join(parts), origin)
    console.print(table)


def render_fix(entry, console: Console) -> None:
    """One entry in full: signature, parameters, steps, commands, docs, origin."""
    data = entry.to_dict()
    out = console
    out.print(f"[bold]{entry.id}[/]: {entry.title}")
    if entry.summary:
        out.print(entry.summary, soft_wrap=True)
    sig = data["signature"]
    for key in ("patterns", "exceptions", "errno", "levels", "metrics"):
        if sig.get(key):
            _items(out, key, sig[key])
    if entry.params:
        _items(out, "parameters (defaults)", [f"{k}: {v}" for k, v in entry.params.items()])
    out.print("\n[bold]steps[/]")
    for i, step in enumerate(entry.steps, 1):
        out.print(f"  {i}. {step}", markup=False, soft_wrap=True)
    for title, items in (("commands", entry.commands), ("docs", entry.docs)):
        if items:
            _items(out, title, items)
    out.print(f"\nfrom {entry.origin}", markup=False, soft_wrap=True)


def _items(out: Console, title: str, items) -> None:
    out.print(f"\n[bold]{title}[/]")
    for item in items:
        out.print(f"  {item}", markup=False, soft_wrap=True)


def render_suggestions(suggestions, console: Console) -> None:
    """Each suggestion with what it matched, its filled-in steps and commands."""
    if not suggestions:
        console.print("no entry matches", markup=False)
    for s in suggestions:
        console.print(f"[bold]{s.id}[/] ({s.confidence:.2f}) {s.title}")
        console.print(f"  matched: {s.matched}", markup=False, soft_wrap=True)
        for step in s.steps:
            console.print(f"  - {step}", markup=False, soft_wrap=True)
        for cmd in s.commands:
            console.print(f"  $ {cmd}", markup=False, soft_wrap=True)

"""Terminal table of time-to-threshold forecasts (``rca forecast``)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from rca.detect.forecast import human_duration


def _dur(seconds: float | None) -> str:
    return "-" if seconds is None else human_duration(seconds, short=True)


def render_forecasts(rows: list[dict], console: Console) -> None:
    """One row per series: value now, threshold, ETA with its band, risk, and a status."""
    if not rows:
        console.print(Text("No series heading for its threshold.", style="bold green"))
        return
    table = Table(title="Time to threshold", expand=False)
    for col, just in (("series", "left"), ("now", "right"), ("threshold", "right"),
                      ("in", "right"), ("band", "right"), ("at", "left"), ("risk", "right"),
                      ("status", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in rows:
        eta = r["eta_seconds"]
        if r["stale"]:
            status = Text("stale", style="bold yellow")
        elif eta == 0:
            status = Text("above", style="bold red")
        elif eta is not None:
            status = Text("rising", style="red" if r["risk"] >= 0.5 else "yellow")
        else:
            status = Text("ok", style="green")
        band = "-" if r["eta_low"] is None else f"{_dur(r['eta_low'])}..{_dur(r['eta_high']) if r['eta_high'] is not None else 'never'}"
        table.add_row(r["series"], f"{r['value']:.3g}", f"{r['threshold']:g}", _dur(eta), band,
                      r["eta"] or "-", f"{r['risk']:.0%}", status)
    console.print(table)

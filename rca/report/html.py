"""A self-contained HTML incident report: tables plus inline PNG plots (matplotlib)."""

from __future__ import annotations

import base64
import html
import io

from rca.report.as_dict import analysis_to_dict
from rca.types import Analysis

_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#f3f3f3}code{font-size:90%}
.ev{font-family:monospace;font-size:85%;color:#444}.dim{color:#777}"""


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _plots(analysis: Analysis) -> list[tuple[str, str]]:
    # Figure objects render without pyplot, so the caller's backend (a notebook's inline
    # backend, say) is left alone.
    from matplotlib.figure import Figure

    out = []
    onset = analysis.incident.start if analysis.incident else None
    if analysis.timeline is not None and not analysis.timeline.empty:
        fig = Figure(figsize=(9, 3.2))
        ax = fig.subplots()
        tl = analysis.timeline
        top = tl.sum().sort_values(ascending=False).index[:8]
        for svc in top:
            ax.plot(tl.index, tl[svc], label=str(svc))
        if onset is not None:
            ax.axvline(onset, color="red", linestyle="--", label="onset")
        ax.set_ylabel("warnings+errors per bin")
        ax.legend(fontsize=8, ncol=3)
        out.append(("Errors per service over time", _png(fig)))
    if analysis.metrics is not None and not analysis.metrics.empty:
        fig = Figure(figsize=(9, 3.2))
        ax = fig.subplots()
        for col in analysis.metrics.columns:
            ax.plot(analysis.metrics.index, analysis.metrics[col], label=str(col))
        if onset is not None:
            ax.axvline(onset, color="red", linestyle="--", label="onset")
        ax.set_ylabel("robust deviation (median/IQR)")
        ax.set_yscale("symlog")
        ax.legend(fontsize=8, ncol=3)
        out.append(("Metric scores (top series)", _png(fig)))
    return out


def render_html(analysis: Analysis) -> str:
    """The whole report as one HTML string (no external files)."""
    d = analysis_to_dict(analysis)
    e = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>rca incident report</title>",
             f"<style>{_CSS}</style></head><body><h1>Incident report</h1>"]
    inc = d["incident"]
    if inc is None:
        parts.append("<p><b>No incident found.</b></p>")
    else:
        parts.append(f"<p>Incident <code>{e(inc['id'])}</code>: {e(str(inc['start']))} &rarr; "
                     f"{e(str(inc['end']))}; onset {e(str(inc['onset'] or 'given'))}</p>")
        parts.append("<h2>Root-cause candidates</h2><table><tr><th>#</th><th>service</th>"
                     "<th>score</th><th>signature / metric</th><th>evidence</th></tr>")
        for c in d["root_causes"]:
            ev = "<br>".join(
                f"<span class='ev'>{e(str(x['source']))}:{e(str(x['line'] or ''))} "
                f"{e(x['text'])}</span>" for x in c["evidence"])
            what = e(c["template"] or "") + (f"<br><i>{e(c['metric'])}</i>" if c["metric"] else "")
            reasons = "<br><span class='dim'>" + e("; ".join(c["reasons"])) + "</span>"
            parts.append(f"<tr><td>{c['rank']}</td><td><b>{e(c['service'])}</b></td>"
                         f"<td>{c['score']:.2f}</td><td>{what}{reasons}</td><td>{ev}</td></tr>")
        parts.append("</table>")
        if d["suggestions"]:
            parts.append("<h2>Suggested fixes</h2><table><tr><th>id</th><th>service</th>"
                         "<th>confidence</th><th>steps</th></tr>")
            for s in d["suggestions"]:
                steps = "".join(f"<li>{e(x)}</li>" for x in s["steps"])
                parts.append(f"<tr><td><b>{e(s['id'])}</b><br>{e(s['title'])}</td>"
                             f"<td>{e(s['service'] or '')}</td><td>{s['confidence']:.0%}</td>"
                             f"<td><ol>{steps}</ol></td></tr>")
            parts.append("</table>")
    for title, src in _plots(analysis):
        parts.append(f"<h2>{e(title)}</h2><img alt='{e(title)}' src='{src}'>")
    for note in d["notes"]:
        parts.append(f"<p class='dim'>{e(note)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)

"""Notebook source: 04 investigate an incident (percent format; see scripts/make_notebooks.py)."""

# %% [markdown]
# # 04 · Investigate an incident: timeline, ranked causes, evidence, fixes
#
# This is what a person on call does with `rca analyze`: point it at the logs (and metrics,
# if any) of several services and ask which service and which error most likely started it,
# show me the lines, and tell me what to do. Here we run the same analysis from Python
# (`rca.api.analyze`, which the CLI calls) on a sample incident whose true cause we know
# (the project's simulator injected it), and look at each part of the answer:
#
# 1. the **timeline** of errors across services, with the detected onset,
# 2. the **ranked root causes** with their evidence (file, line, text; metric and its peak),
# 3. the **metrics** that moved, in robust deviations from their normal level,
# 4. the **suggested fixes** from the remediation library, with parameters filled in,
# 5. how often the ranking is right on fresh incidents, and the JSON and HTML outputs.
#
# With `$RCA_BENCH_DATA`, a last section ranks a real fault-injection case from the Sock Shop
# microservice demo from its metrics alone.

# %%
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from rca import api
from rca.paths import bench_data_dir
from rca.simulate import SCENARIOS, simulate

warnings.filterwarnings("ignore", message="no explicit representation of timezones")
SMALL = os.environ.get("RCA_NOTEBOOK_SMALL") == "1"
REPO = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
WORK = Path(tempfile.mkdtemp(prefix="rca-nb04-"))

incident = REPO / "data" / "samples" / "disk-full"
if not (incident / "logs").is_dir():
    incident = simulate("disk-full", WORK / "disk-full", seed=5)
truth = json.loads((incident / "truth.json").read_text())
print("incident:", incident)
print("what the simulator injected:", {k: truth[k] for k in
                                       ("root_cause_service", "fault_kind", "fault_time")})

# %% [markdown]
# ## Run the analysis
#
# Logs of every service (a folder is read whole, formats are mixed), the metrics CSV and the
# dependency graph (`caller -> callee` edges). No fault time is given: the onset is detected.

# %%
start = time.perf_counter()
analysis = api.analyze([incident / "logs"], metrics=[incident / "metrics.csv"],
                       deps=incident / "deps.yaml")
print(f"analysed in {time.perf_counter() - start:.1f} s")
inc = analysis.incident
print(f"incident {inc.id}: {inc.start:%H:%M:%S} -> {inc.end:%H:%M:%S}, "
      f"services {', '.join(inc.services)}")
for note in analysis.notes:
    print("note:", note)

# %% [markdown]
# ## The timeline across services
#
# Warning-or-worse events per service over time. The dashed line is the detected onset; the
# dotted one is when the fault was really injected. The service that breaks first is rarely
# the one that logs the most errors: its callers fail too, and often louder.

# %%
timeline = analysis.timeline
fault_time = pd.Timestamp(truth["fault_time"])
fig, ax = plt.subplots(figsize=(11, 4))
for service in timeline.columns:
    ax.plot(timeline.index, timeline[service], label=service,
            lw=2.5 if service == truth["root_cause_service"] else 1)
ax.axvline(inc.onset or inc.start, color="k", ls="--", label="detected onset")
ax.axvline(fault_time, color="C3", ls=":", label="injected fault")
ax.set_ylabel("errors per bin")
ax.set_title("Errors per service")
ax.legend(fontsize=8, ncol=4)
plt.show()

# %% [markdown]
# ## Ranked root causes, with evidence
#
# Each candidate gets a combined score from its logs (a new or surging error signature,
# early) and its metrics (how far they moved), and is pushed down when it looks like a
# victim: a service that calls one that went wrong first. The evidence is what you would
# open to check the claim.

# %%
causes = analysis.root_causes
fig, ax = plt.subplots(figsize=(8, 0.5 * len(causes) + 1))
ax.barh([c.service for c in causes], [c.score for c in causes],
        color=["C3" if c.service == truth["root_cause_service"] else "C0" for c in causes])
ax.invert_yaxis()
ax.set_xlabel("score (red: the true root cause)")
ax.set_title("Root-cause candidates")
plt.show()

for cause in causes[:3]:
    print(f"#{cause.rank} {cause.service}  score {cause.score:.2f}")
    print("   template:", cause.template)
    print("   metric:  ", cause.metric)
    print("   why:     ", "; ".join(cause.reasons))
    for ev in cause.evidence[:3]:
        where = f"{ev.source}:{ev.line}" if ev.line else ev.source
        print(f"   - {where}  {ev.text[:100]}")

# %% [markdown]
# ## The metrics that moved
#
# Robust deviation of the top series over time: distance from the median of the normal
# period, in units of its inter-quartile range (a BARO-style score that is not thrown off by
# the spikes of the normal period).

# %%
if analysis.metrics is not None:
    fig, ax = plt.subplots(figsize=(11, 4))
    for column in analysis.metrics.columns:
        ax.plot(analysis.metrics.index, analysis.metrics[column], label=column)
    ax.axvline(inc.onset or inc.start, color="k", ls="--")
    ax.set_yscale("symlog")
    ax.set_ylabel("robust deviation")
    ax.set_title("Top metric series")
    ax.legend(fontsize=8, ncol=3)
    plt.show()

# %% [markdown]
# ## Suggested fixes
#
# The matched lines are looked up in the remediation library (YAML entries: a signature of
# regexes, exception types, errno codes, metric hints; steps with parameters such as the path
# or port filled in from the line).

# %%
for s in analysis.suggestions[:3]:
    print(f"[{s.confidence:.2f}] {s.id}: {s.title}  (service {s.service}, from {s.source})")
    print("   matched:", s.matched[:100])
    for step in s.steps:
        print("   -", step[:140])
print("\ntruth fix:", truth["fix_id"], "| top-3 suggested:",
      [s.id for s in analysis.suggestions[:3]])

# %% [markdown]
# ## Is it usually right?
#
# One incident proves little. Fresh simulated incidents of different kinds, seeds and sizes:
# is the true service ranked first, and is the true fix among the top three suggestions?
# (`benchmarks/rca.py` does this on over a hundred incidents.)

# %%
kinds = SCENARIOS[::6] if SMALL else SCENARIOS[::2]
rows = []
for i, kind in enumerate(kinds):
    out = simulate(kind, WORK / f"check-{kind}", seed=100 + i, n_services=4 + i % 4,
                   lines=120 if SMALL else 300)
    t = json.loads((out / "truth.json").read_text())
    a = api.analyze([out / "logs"], metrics=[out / "metrics.csv"], deps=out / "deps.yaml")
    ranked = [c.service for c in a.root_causes]
    fixes = [s.id for s in a.suggestions[:3]]
    rows.append({"kind": kind, "truth": t["root_cause_service"],
                 "top1": bool(ranked) and ranked[0] == t["root_cause_service"],
                 "rank": ranked.index(t["root_cause_service"]) + 1
                 if t["root_cause_service"] in ranked else None,
                 "fix_top3": t["fix_id"] in fixes})
checks = pd.DataFrame(rows)
print(f"top-1 service: {checks['top1'].mean():.2f}, top-3 fix: {checks['fix_top3'].mean():.2f} "
      f"over {len(checks)} incidents")

fig, ax = plt.subplots(figsize=(10, 3))
x = np.arange(len(checks))
ax.bar(x - 0.2, checks["top1"].astype(int), width=0.4, label="service ranked first")
ax.bar(x + 0.2, checks["fix_top3"].astype(int), width=0.4, label="fix in top 3")
ax.set_xticks(x, checks["kind"], rotation=30, ha="right", fontsize=8)
ax.set_yticks([0, 1], ["miss", "hit"])
ax.legend(fontsize=8)
ax.set_title("Fresh simulated incidents")
plt.show()
checks

# %% [markdown]
# ## Real data: a Sock Shop fault-injection case, metrics only
#
# The RCD data set injected CPU or memory hogs into one Sock Shop microservice at a time and
# recorded every service's metrics. The two files of a case come from separate runs, so the
# anomalous rows are shifted to follow the normal ones; the fault time is the first anomalous
# row. `rca analyze --metrics` ranks the services from the metrics alone.

# %%
sockshop = bench_data_dir() / "rcd_sockshop"
if not sockshop.is_dir():
    print("no real data here (set RCA_BENCH_DATA); skipping this section")
else:
    case = sorted(sockshop.glob("*-*/*"))[0]
    normal = pd.read_csv(case / "normal.csv")
    anomalous = pd.read_csv(case / "anomalous.csv")
    step = float(np.median(np.diff(normal["time"])))
    anomalous["time"] = anomalous["time"] - anomalous["time"].iloc[0] + normal["time"].iloc[-1] + step
    merged = pd.concat([normal, anomalous], ignore_index=True)
    csv = WORK / "sockshop.csv"
    merged.to_csv(csv, index=False)
    fault = float(anomalous["time"].iloc[0])
    real = api.analyze(metrics=[csv], fault_time=fault)
    print(f"case {case.parent.name}/{case.name}: truth = {case.parent.name.split('-')[0]}")
    for c in real.root_causes[:5]:
        print(f"  #{c.rank} {c.service:<12} {c.score:.2f}  {c.metric}")
    if real.metrics is not None:
        fig, ax = plt.subplots(figsize=(11, 3.5))
        for column in real.metrics.columns:
            ax.plot(real.metrics.index, real.metrics[column], label=column)
        ax.axvline(pd.Timestamp(fault, unit="s", tz="UTC"), color="k", ls="--", label="fault")
        ax.set_yscale("symlog")
        ax.set_title(f"Sock Shop {case.parent.name}: robust deviation of the top series")
        ax.legend(fontsize=8, ncol=3)
        plt.show()


# %% [markdown]
# ## The same answer as JSON and HTML
#
# `rca analyze --json` prints `api.analysis_to_dict(analysis)` (schema: `docs/analyze-json.md`);
# `--html FILE` writes a self-contained report with the plots inlined.

# %%
doc = api.analysis_to_dict(analysis)
print(json.dumps(doc["root_causes"][0], indent=1)[:900])
report = WORK / "report.html"
report.write_text(api.analysis_to_html(analysis), encoding="utf-8")
print(f"\nHTML report: {report} ({report.stat().st_size // 1024} kB)")

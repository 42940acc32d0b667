"""Notebook source: 01 explore logs (percent format; see scripts/make_notebooks.py)."""

# %% [markdown]
# # 01 · Explore logs: records, templates, and the signatures that change
#
# Before any model, look at the logs. This notebook takes the logs of a small system of
# services, written in a mix of formats (pino and winston JSON, Python, Java and PostgreSQL
# text), and:
#
# 1. reads them into one stream of **records** (format sniffed per file, stack traces folded
#    into the record they belong to),
# 2. mines **templates** (error signatures: the message with its variable parts masked as
#    `<*>`), online, one record at a time,
# 3. plots template frequencies over time per service,
# 4. finds the signatures that are **new** or **surging** after the trouble starts.
#
# The logs are a sample incident the project ships in `data/samples/` (made by its own
# simulator; on a checkout without it, the simulator writes one). When the real Loghub data is
# in `$RCA_BENCH_DATA`, a last section does the same on the BGL supercomputer log.

# %%
import json
import os
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from rca import api
from rca.ingest import ReadStats
from rca.paths import bench_data_dir
from rca.rank.logs import log_onset, template_table
from rca.templates import TemplateMiner

warnings.filterwarnings("ignore", message="no explicit representation of timezones")
SMALL = os.environ.get("RCA_NOTEBOOK_SMALL") == "1"
REPO = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
WORK = Path(tempfile.mkdtemp(prefix="rca-nb01-"))

samples = sorted(p.parent for p in (REPO / "data" / "samples").glob("*/logs"))
if samples:
    incident = samples[0]
else:
    from rca.simulate import simulate

    incident = simulate("disk-full", WORK / "incident", seed=3)
print("incident folder:", incident)
print(sorted(p.name for p in (incident / "logs").iterdir()))

# %% [markdown]
# ## One stream of records from mixed formats
#
# `api.parse_events` reads files or whole folders, sniffs each file's format, normalises
# timestamps to UTC and levels to TRACE..FATAL, and gives every record its template.
# `ReadStats` counts what happened on the way (nothing is dropped silently: a line that fits
# no format is kept, flagged `unparsed`).

# %%
for path in sorted((incident / "logs").iterdir()):
    first = path.read_text(encoding="utf-8", errors="replace").splitlines()[0]
    print(f"{path.name:>14}  {first[:110]}")

miner = TemplateMiner()
stats = ReadStats()
events = api.events_frame(api.parse_events([incident / "logs"], miner=miner, stats=stats))
# Templates generalise as more lines arrive; map early ids to their current template.
events["template_id"] = events["template_id"].map(miner.resolve)
events["template"] = events["template_id"].map(miner.templates)
print(f"\n{stats.records} records from {stats.lines} lines "
      f"({stats.multiline_lines} stack-trace lines folded), {stats.unparsed} unparsed")
print("formats:", {Path(k).name: v for k, v in stats.formats.items()})
print(f"{len(miner.templates)} templates")
events[["timestamp", "service", "level", "template_id", "template"]].head()

# %% [markdown]
# ## Volume per service, and where the errors are
#
# Stacked volume per service over time, with warning-or-worse records (or, for lines without a
# level, messages that read like errors) drawn on top.

# %%
width = "30s"
volume = (events.set_index("timestamp").groupby("service").resample(width).size()
          .unstack(0, fill_value=0))
is_error = events["level"].isin(["ERROR", "FATAL"]) | (
    events["level"].isna() & events["message"].str.contains(r"(?i)error|fatal|failed|refused"))
errors = (events[is_error].set_index("timestamp").groupby("service").resample(width).size()
          .unstack(0, fill_value=0).reindex(index=volume.index, columns=volume.columns, fill_value=0))

fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 6), sharex=True)
ax1.stackplot(volume.index, volume.T.to_numpy(), labels=volume.columns, alpha=0.8)
ax1.set_ylabel(f"records / {width}")
ax1.legend(loc="upper left", ncol=len(volume.columns), fontsize=8)
ax1.set_title("Log volume per service")
for service in errors.columns:
    ax2.plot(errors.index, errors[service], label=service)
ax2.set_ylabel(f"errors / {width}")
ax2.set_title("Errors per service")
ax2.legend(loc="upper left", ncol=len(errors.columns), fontsize=8)
plt.show()

# %% [markdown]
# ## Templates: what the services say, and how often
#
# Each row below is a (service, template) pair; the colour is how often it occurs in each
# time bin. Steady background chatter shows as horizontal bands; an incident shows as rows
# that light up (or go dark) together.

# %%
top = (events.groupby(["service", "template_id"]).size().sort_values(ascending=False)
       .head(15 if SMALL else 25).index)
keyed = events.set_index(["service", "template_id"])
rows = []
for service, tid in top:
    sel = keyed.loc[(service, tid)]
    counts = sel.set_index("timestamp").resample(width).size()
    rows.append(counts.reindex(volume.index, fill_value=0).rename(
        f"{service}: {miner.templates[tid][:55]}"))
heat = pd.concat(rows, axis=1).T

fig, ax = plt.subplots(figsize=(11, 0.32 * len(heat) + 1.5))
ax.imshow(np.log1p(heat.to_numpy()), aspect="auto", cmap="magma", interpolation="nearest")
ax.set_yticks(range(len(heat)), heat.index, fontsize=7)
ticks = np.linspace(0, heat.shape[1] - 1, 6).astype(int)
ax.set_xticks(ticks, [heat.columns[i].strftime("%H:%M") for i in ticks])
ax.set_title("Template frequency over time, log(1 + count)")
plt.show()

# %% [markdown]
# ## New and surging signatures
#
# The onset is where per-service error and volume counts change most (a change-point
# statistic). For each warning-or-worse template, its rate after the onset is compared with
# its rate before: **new** templates never occurred before, **surging** ones occur at least
# three times more often. These are the first clues to the root cause.

# %%
onset = log_onset(events)
table = template_table(events, onset)
hot = table[table["score"] > 0].head(10)
truth_file = incident / "truth.json"
truth = json.loads(truth_file.read_text()) if truth_file.is_file() else {}
print("detected onset:", onset, "| injected fault:", truth.get("fault_time", "unknown"))
print("faulty service (truth):", truth.get("root_cause_service", "unknown"))

fig, ax = plt.subplots(figsize=(10, 0.4 * len(hot) + 1.2))
labels = [f"{r.service}: {r.template[:60]}" for r in hot.itertuples()]
colors = ["C3" if r.new else "C1" for r in hot.itertuples()]
ax.barh(range(len(hot)), hot["score"], color=colors)
ax.set_yticks(range(len(hot)), labels, fontsize=8)
ax.invert_yaxis()
ax.set_xlabel("anomaly score (red: new, orange: surging)")
ax.set_title("Signatures that changed at the onset")
plt.show()
hot[["service", "template", "n_before", "n_after", "new", "first_after"]]

# %% [markdown]
# The first new signature in time is usually the cause; the later ones are services that
# call it and fail in turn. `rca analyze` (notebook 04) turns this into a ranking with
# evidence and fixes.
#
# ## Save the miner, match new lines
#
# The miner's state is plain JSON (never pickle). Reloaded, it **matches** new lines without
# learning from them, so inference gives the same template ids as training.

# %%
state = WORK / "miner.json"
miner.save(state)
again = TemplateMiner.load(state)
line = events.loc[events["template_id"] == hot.iloc[0]["template_id"], "message"].iloc[0]
match = again.match(line)
print(line[:100])
print("->", match.template_id, match.template, "| params:", match.params)
print("same id as in training:", match.template_id == hot.iloc[0]["template_id"],
      f"| state file: {state.stat().st_size} bytes")

# %% [markdown]
# ## Real logs: BGL (Blue Gene/L supercomputer)
#
# With `$RCA_BENCH_DATA` present, the same steps run on the 2,000-line Loghub BGL sample,
# whose lines are labelled by the system's administrators (`-` = normal). Components play the
# part of services. Failures cluster in time, and so do the templates that appear for the
# first time.

# %%
bgl = bench_data_dir() / "loghub_2k" / "BGL" / "BGL_2k.log"
if not bgl.is_file():
    print("no real data here (set RCA_BENCH_DATA); skipping this section")
else:
    fmt = "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>"
    bgl_miner = TemplateMiner()
    bgl_events = list(api.parse_events([bgl], log_format=fmt, miner=bgl_miner))
    frame = api.events_frame(bgl_events)
    frame["component"] = [e.record.attrs.get("Component", "?") for e in bgl_events]
    frame["failure"] = [e.record.attrs.get("Label", "-") != "-" for e in bgl_events]
    frame["template_id"] = frame["template_id"].map(bgl_miner.resolve)
    frame = frame.sort_values("timestamp")
    frame["first_seen"] = ~frame["template_id"].duplicated()
    week = frame.set_index("timestamp")
    per_component = week.groupby("component").resample("7D").size().unstack(0, fill_value=0)
    new_per_week = week["first_seen"].resample("7D").sum()
    failures_per_week = week["failure"].resample("7D").sum()

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 6), sharex=True)
    bottom = np.zeros(len(per_component))
    for comp in per_component.columns:
        ax1.bar(per_component.index, per_component[comp], width=6, bottom=bottom, label=comp)
        bottom += per_component[comp].to_numpy()
    ax1.set_ylabel("lines / week")
    ax1.legend(fontsize=8, ncol=5)
    ax1.set_title(f"BGL: {len(frame)} lines, {len(bgl_miner.templates)} templates")
    ax2.bar(new_per_week.index, new_per_week, width=6, color="C3", label="new templates")
    ax2.plot(failures_per_week.index, failures_per_week, "k.-", label="labelled failure lines")
    ax2.set_ylabel("per week")
    ax2.legend()
    plt.show()
    corr = np.corrcoef(new_per_week, failures_per_week)[0, 1]
    print(f"correlation of new templates and failure lines per week: {corr:.2f}")

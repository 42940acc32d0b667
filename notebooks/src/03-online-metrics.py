"""Notebook source: 03 online metrics (percent format; see scripts/make_notebooks.py)."""

# %% [markdown]
# # 03 · Online anomaly detection on metric streams
#
# The online side watches metrics (CPU, memory, latency, error rate...) and must flag trouble
# as it starts, with few false alarms. Every point is **scored first, then learned**
# (prequential), exactly as it would be live. This notebook:
#
# 1. streams a metric file through two detectors and compares their scores and alarms
#    against the labelled anomaly windows,
# 2. shows why scores are **calibrated** (one threshold for every series) and how alarm
#    post-processing (a minimum count, suppression) is a separate step,
# 3. scores every service of a simulated incident and watches the faulty one light up first,
# 4. forecasts **time to threshold** for a leaking memory series.
#
# With `$RCA_BENCH_DATA` the first part uses a real series from the Numenta Anomaly Benchmark
# (AWS CloudWatch CPU of an EC2 instance, with NAB's anomaly windows); without it, a simulated
# series. The rest uses the sample incidents in `data/samples/` (or simulates one).

# %%
import json
import os
import tempfile
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from rca import api
from rca.detect.alarms import AlarmRule
from rca.detect.forecast import time_to_threshold
from rca.detect.online import DETECTORS, score_frame
from rca.paths import bench_data_dir

SMALL = os.environ.get("RCA_NOTEBOOK_SMALL") == "1"
REPO = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
WORK = Path(tempfile.mkdtemp(prefix="rca-nb03-"))


def sample_incident(scenario: str, seed: int) -> Path:
    """A shipped sample incident of this kind, else one written by the simulator."""
    shipped = REPO / "data" / "samples" / scenario
    if (shipped / "metrics.csv").is_file():
        return shipped
    from rca.simulate import simulate

    return simulate(scenario, WORK / scenario, seed=seed)


nab = bench_data_dir() / "nab"
name = "realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv"
if (nab / "data" / name).is_file():
    series_csv = nab / "data" / name
    windows = [(pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC"))
               for a, b in json.loads((nab / "combined_windows.json").read_text())[name]]
    title = f"NAB {name}"
else:
    incident = sample_incident("cpu-saturation", seed=2)
    truth = json.loads((incident / "truth.json").read_text())
    column = f"{truth['root_cause_service']}_cpu"
    wide = pd.read_csv(incident / "metrics.csv")
    series_csv = WORK / "series.csv"
    wide[["time", column]].to_csv(series_csv, index=False)
    start = pd.Timestamp(truth["fault_time"])
    windows = [(start, start + pd.Timedelta("5min"))]
    title = f"simulated {column} (cpu-saturation)"
print(series_csv, "| anomaly windows:", windows)

# %% [markdown]
# ## Two detectors on one stream
#
# `api.score_metrics` is what `rca score` runs: every row is scored, then learned; the output
# keeps every input row with `anomaly_score` (0..1) and `alarm` (0/1). We compare the default
# `novelty` detector with a river baseline: `hst` (HalfSpaceTrees), or the faster `sad`
# (StandardAbsoluteDeviation) in small mode.

# %%
print({k: v.summary for k, v in DETECTORS.items()})
compared = ["novelty", "sad" if SMALL else "hst"]
scored = {}
for detector in compared:
    frame, info = api.score_metrics(series_csv, detector=detector)
    scored[detector] = frame
    print(f"{detector:>8}: {info['rows']} rows, threshold {info['threshold']}, "
          f"{info['alarms']} alarms")

time_col = "timestamp" if "timestamp" in frame.columns else "time"
epoch = pd.to_numeric(frame[time_col], errors="coerce")
t = (pd.to_datetime(epoch, unit="s", utc=True) if epoch.notna().all()
     else pd.to_datetime(frame[time_col], utc=True))
value_col = [c for c in frame.columns if c not in (time_col, "anomaly_score", "alarm")][0]

fig, axes = plt.subplots(1 + len(compared), 1, figsize=(12, 7), sharex=True)
axes[0].plot(t, pd.to_numeric(frame[value_col], errors="coerce"), lw=0.7, color="k")
axes[0].set_title(title)
for det, ax in zip(compared, axes[1:]):
    s = scored[det]
    ax.plot(t, s["anomaly_score"], lw=0.6, label=f"{det} score")
    hits = s["alarm"] == 1
    ax.scatter(t[hits], s.loc[hits, "anomaly_score"], color="C3", zorder=3, s=18, label="alarm")
    ax.set_ylim(-0.02, 1.05)
    ax.legend(loc="lower left", fontsize=8)
for ax in axes:
    for a, b in windows:
        ax.axvspan(a, b, color="C2", alpha=0.15)
plt.show()

for det in compared:
    s = scored[det]
    inside = np.zeros(len(s), dtype=bool)
    for a, b in windows:
        inside |= ((t >= a) & (t <= b)).to_numpy()
    hits = s["alarm"].to_numpy() == 1
    print(f"{det:>8}: {hits[inside].sum()} alarms inside the labelled windows, "
          f"{hits[~inside].sum()} outside (false alarms)")

# %% [markdown]
# ## Calibrated scores, and alarms as a separate step
#
# A calibrated score of 0.99 means "rarer than 99 % of what this series did so far", so it
# must be rarer than 0.9. That is what lets one threshold serve every series. Turning scores
# into alarms is then a rule of its own (`AlarmRule`): a minimum count of high scores in a
# window, then a quiet period, so one episode raises one alarm instead of a burst.

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
for det in compared:
    s = np.sort(scored[det]["anomaly_score"].to_numpy())
    ax.plot(s, 1 - np.arange(len(s)) / len(s), label=det)
ax.set_yscale("log")
ax.set_xlabel("score")
ax.set_ylabel("share of points with a higher score")
ax.set_title("Score tails: high scores are rare")
ax.legend()
plt.show()
for det in compared:
    s = scored[det]["anomaly_score"]
    print(f"{det:>8}: share > 0.9 = {(s > 0.9).mean():.4f}, > 0.99 = {(s > 0.99).mean():.4f}")

threshold = DETECTORS["novelty"].threshold
plain = (scored["novelty"]["anomaly_score"] >= threshold).sum()
for params in ({"min_count": 1, "window": 1, "suppress": 60},
               {"min_count": 2, "window": 12, "suppress": 60}):
    rule = AlarmRule(threshold=threshold, **params)
    ruled = rule.apply(scored["novelty"]["anomaly_score"].to_numpy()).sum()
    print(f"novelty: {plain} points above {threshold}; {ruled} alarms with {params}")

# %% [markdown]
# ## Every service of an incident
#
# A sample incident has a wide metrics file: one column per `<service>_<metric>`. Scoring
# each service's columns as one stream gives a score per service over time; the dashed line
# is the injected fault. These series are short (a 20-minute incident, one point every 5 s),
# so the detector has little history to learn from; the table below says plainly which
# services crossed the alarm threshold after the fault, and when.

# %%
incident = sample_incident("memory-leak", seed=7)
truth = json.loads((incident / "truth.json").read_text())
wide = pd.read_csv(incident / "metrics.csv")
when = pd.to_datetime(wide["time"], unit="s", utc=True)
services = sorted({c.split("_", 1)[0] for c in wide.columns if c != "time"})
per_service = {}
for service in services:
    cols = [c for c in wide.columns if c.startswith(service + "_")]
    per_service[service], _ = score_frame(wide[cols], "novelty")
heat = pd.DataFrame(per_service, index=when).T

fig, ax = plt.subplots(figsize=(11, 0.45 * len(services) + 1.2))
ax.imshow(heat.to_numpy(), aspect="auto", cmap="Reds", vmin=0, vmax=1, interpolation="nearest",
          extent=[0, len(when), len(services) - 0.5, -0.5])
ax.set_yticks(range(len(services)), services)
fault = pd.Timestamp(truth["fault_time"])
ax.axvline(np.searchsorted(when, fault), color="k", ls="--")
ticks = np.linspace(0, len(when) - 1, 6).astype(int)
ax.set_xticks(ticks, [when[i].strftime("%H:%M") for i in ticks])
ax.set_title(f"novelty score per service; truth: {truth['root_cause_service']} "
             f"({truth['fault_kind']})")
plt.show()
after = heat.loc[:, heat.columns >= fault]
summary = pd.DataFrame({
    "max score after fault": after.max(axis=1).round(3),
    "first alarm": [after.columns[np.argmax(row >= threshold)].strftime("%H:%M:%S")
                    if (row >= threshold).any() else "-" for row in after.to_numpy()],
}).sort_values("max score after fault", ascending=False)
summary

# %% [markdown]
# ## When will it run out? Time-to-threshold forecasts
#
# For resource series the useful question is *when*: "memory reaches 80 % in about 12
# minutes". `time_to_threshold` fits the recent trend (last 30 points) and says when it
# crosses. The simulated containers state no memory limit, so we assume one: 2.5 times the
# series' level before the fault, and warn at 80 % of it. Each dot is a forecast made at that
# moment; the dashed line is when the series really crossed.

# %%
column = f"{truth['root_cause_service']}_mem"
secs = (when - when[0]).dt.total_seconds().to_numpy()
values = wide[column].to_numpy()
before = when < fault
limit = 2.5 * np.median(values[before.to_numpy()])
level = 0.8 * limit
crossed = when[values >= level]
made, predicted, messages = [], [], []
for i in range(np.argmax(~before.to_numpy()), len(values), 2):
    f = time_to_threshold(secs[: i + 1], values[: i + 1], level, series=column)
    if f.eta_seconds is not None:
        made.append(when[i])
        predicted.append(when[i] + pd.Timedelta(seconds=f.eta_seconds))
        messages.append(f"{when[i]:%H:%M:%S}  {f.message}")
print("\n".join(messages[:3] + ["..."] + messages[-2:]) if made else "no forecast reached the threshold")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.plot(when, values, color="k", lw=0.8)
ax1.axhline(level, color="C3", ls="--", label=f"80 % of assumed limit ({level:.0f} MB)")
ax1.axvline(fault, color="C1", lw=1, label="fault injected")
ax1.set_title(column)
ax1.legend(fontsize=8)
ax2.scatter(made, predicted, s=10)
if len(crossed):
    ax2.axhline(crossed.iloc[0], color="C3", ls="--", label="actual crossing")
    ax2.legend(fontsize=8)
ax2.set_xlabel("forecast made at")
ax2.set_ylabel("predicted crossing time")
ax2.set_title("Forecasts converge as the trend settles")
for ax in (ax1, ax2):
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
ax2.yaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
fig.autofmt_xdate()
plt.show()
if len(crossed) and made:
    lead = (crossed.iloc[0] - made[0]).total_seconds() / 60
    print(f"first forecast {lead:.0f} min before the actual crossing")

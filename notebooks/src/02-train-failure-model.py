"""Notebook source: 02 train a failure model (percent format; see scripts/make_notebooks.py)."""

# %% [markdown]
# # 02 · Train a failure model from a pipeline config
#
# Which sessions are failing, and can we tell *before* the failure shows? This notebook walks
# through the batch training pipeline the way a team would use it:
#
# 1. look at the **feature frames** a model sees (event-count vectors per session),
# 2. train a model with a **pipeline config** from `pipelines/` (`rca train --config ...` does
#    exactly the same), and read its held-out metrics,
# 3. **reload** the saved model (its checksums are verified first), score new data, draw the
#    precision/recall curve, and see a tampered model file refused,
# 4. predict failures **ahead of time** on time windows and look at the lead time gained.
#
# It uses the real HDFS and BGL data in `$RCA_BENCH_DATA` when it is there; on a fresh machine
# it falls back to incidents made by the project's own simulator.
# Set `RCA_NOTEBOOK_SMALL=1` for a quick run on a subset (what the test suite does).

# %%
import json
import os
import tempfile
import tomllib
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve

from rca import api
from rca.errors import ModelError
from rca.features import EventCounts, failure_ahead, read_sessions_csv
from rca.paths import bench_data_dir
from rca.train import load_model, read_manifest

SMALL = os.environ.get("RCA_NOTEBOOK_SMALL") == "1"
REPO = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
WORK = Path(tempfile.mkdtemp(prefix="rca-nb02-"))
DATA = bench_data_dir()
HDFS = DATA / "hdfs" / "HDFS_100k_block_sessions.csv"
BGL = DATA / "loghub_2k" / "BGL" / "BGL_2k.log_structured_corrected.csv"
REAL = HDFS.is_file() and BGL.is_file()
print("real data:" if REAL else "no real data, using simulated incidents;", DATA if REAL else "")

# %% [markdown]
# ## The data and its config
#
# A pipeline config names the input, how it is cut into sessions or windows, the features, the
# model, the evaluation split and where the model goes. With the real data we use
# `pipelines/hdfs_sessions.toml` as shipped (HDFS block sessions, the data set's own
# train/test split). In small mode the same config is pointed at the first 1,600 training and 400 test sessions.

# %%
def write_config(base: Path, changes: dict, name: str) -> Path:
    """Copy a shipped config with some keys changed (nested dicts are merged)."""
    cfg = tomllib.loads(base.read_text())
    for section, values in changes.items():
        if isinstance(values, dict):
            cfg.setdefault(section, {}).update(values)
        else:
            cfg[section] = values
    lines = []
    top = {k: v for k, v in cfg.items() if not isinstance(v, dict)}
    lines += [f"{k} = {json.dumps(v)}" for k, v in top.items()]
    for section, values in cfg.items():
        if isinstance(values, dict):
            lines.append(f"\n[{section}]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    path = WORK / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


if REAL:
    sessions_csv = HDFS
    if SMALL:
        sessions_csv = WORK / "hdfs_small.csv"
        full = pd.read_csv(HDFS)
        small = pd.concat([full[full.Split == "train"].head(1600), full[full.Split == "test"].head(400)])
        small.to_csv(sessions_csv, index=False)
    config = write_config(REPO / "pipelines" / "hdfs_sessions.toml",
                          {"input": {"path": str(sessions_csv)},
                           "output": {"dir": str(WORK / "models")}}, "hdfs")
    id_col, seq_col, label_col, split_col = "BlockId", "TemplateSequence", "Label", "Split"
else:
    # Fallback: per-service one-minute windows of simulated incidents. A window is a failure
    # when it belongs to the faulty service after the injected fault.
    from rca.features import time_windows
    from rca.simulate import SCENARIOS, simulate

    rows = []
    n_runs = 6 if SMALL else 20
    for seed in range(n_runs):
        scenario = SCENARIOS[seed % len(SCENARIOS)]
        out = simulate(scenario, WORK / f"sim{seed}", seed=seed)
        truth = json.loads((out / "truth.json").read_text())
        events = api.events_frame(api.parse_events([out / "logs"]))
        windows = time_windows(events, "1min", by="service")
        fault = pd.Timestamp(truth["fault_time"])
        fault = fault.tz_localize("UTC") if fault.tzinfo is None else fault
        bad = (windows["service"] == truth["root_cause_service"]) & (windows["end"] > fault)
        for w, b in zip(windows.itertuples(), bad):
            rows.append({"id": f"{seed}:{w.session_id}", "events": " ".join(w.events),
                         "label": int(b), "split": "train" if seed < n_runs * 0.7 else "test"})
    sessions_csv = WORK / "simulated_sessions.csv"
    pd.DataFrame(rows).to_csv(sessions_csv, index=False)
    config = write_config(REPO / "pipelines" / "hdfs_sessions.toml",
                          {"name": "simulated_windows",
                           "input": {"path": str(sessions_csv), "id_column": "id",
                                     "sequence_column": "events", "label_column": "label",
                                     "split_column": "split"},
                           "output": {"dir": str(WORK / "models")}}, "simulated")
    id_col, seq_col, label_col, split_col = "id", "events", "label", "split"
print(config.read_text())

# %% [markdown]
# ## Feature frames
#
# A **sessions frame** has one row per session (here an HDFS block, or a window of one
# service) with the sequence of its event templates. `EventCounts` (a scikit-learn
# transformer) turns it into one count per template; templates never seen in training are
# counted in an `unseen` column. Failing sessions look different at a glance: they carry
# templates normal ones never use, or miss the ones that close a normal session.

# %%
frame = read_sessions_csv(sessions_csv, id_column=id_col, sequence_column=seq_col,
                          label_column=label_col, split_column=split_col)
frame["label"] = frame["label"].astype(int)
train_part = frame[frame["split"] == "train"]
counts = EventCounts().fit(train_part)
X = counts.transform(frame)
X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
names = list(counts.get_feature_names_out())
print(f"{len(frame)} sessions ({frame['label'].sum()} failing), {X.shape[1]} features")

used = X.sum(axis=0) > 0
order = np.argsort(-X[:, used].sum(axis=0))[:25]
sample = pd.concat([frame[frame.label == 0].head(60), frame[frame.label == 1].head(30)])
mat = np.log1p(X[sample.index][:, np.flatnonzero(used)[order]])
fig, ax = plt.subplots(figsize=(10, 4.5))
ax.imshow(mat.T, aspect="auto", cmap="viridis", interpolation="nearest")
ax.axvline(len(sample[sample.label == 0]) - 0.5, color="white", lw=2)
ax.set_xlabel("sessions: normal (left) | failing (right)")
ax.set_ylabel("template (25 most used)")
ax.set_title("Event-count features, log(1 + count)")
plt.show()

# %% [markdown]
# ## Train with the config
#
# `api.train_model` is what `rca train --config` calls. It writes
# `models/<name>/<version>/` with the model, a manifest (SHA-256 of every artifact, package
# versions, feature names, a fingerprint of the training data, the config) and the metrics.

# %%
result = api.train_model(config)
print("model folder:", result.folder)
print(json.dumps(result.metrics.get("test", result.metrics.get("train")), indent=1))
manifest = read_manifest(result.folder)
print("artifacts:", {k: v["sha256"][:12] for k, v in manifest["artifacts"].items()})

# %% [markdown]
# ## Reload, score, precision/recall
#
# `api.predict_failures` (what `rca predict` runs) loads the model folder only after its
# checksums match the manifest, then scores every session: `score` (higher = more likely
# failing) and `prediction`. The curve shows every precision/recall trade-off on the held-out
# split; the dot is the model's own threshold.

# %%
scores = api.predict_failures(result.folder, [sessions_csv])
test = frame[frame["split"] == "test"].merge(scores, left_on="session_id", right_on="id")
precision, recall, _ = precision_recall_curve(test["label"], test["score"])
tp = ((test.prediction == 1) & (test.label == 1)).sum()
op_p = tp / max(1, (test.prediction == 1).sum())
op_r = tp / max(1, (test.label == 1).sum())

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.plot(recall, precision, drawstyle="steps-post")
ax1.scatter([op_r], [op_p], color="C3", zorder=3, label="model threshold")
ax1.set_xlabel("recall")
ax1.set_ylabel("precision")
ax1.set_ylim(0, 1.05)
ax1.set_title(f"Held-out precision/recall ({len(test)} sessions)")
ax1.legend()
bins = np.linspace(0, 1, 31)
ax2.hist(test.loc[test.label == 0, "score"], bins=bins, alpha=0.7, label="normal", log=True)
ax2.hist(test.loc[test.label == 1, "score"], bins=bins, alpha=0.7, label="failing", log=True)
ax2.set_xlabel("score")
ax2.set_title("Score distribution")
ax2.legend()
plt.show()

# %% [markdown]
# A saved model is a pickle, and a pickle can run code when it is loaded. So a model folder
# whose manifest is not signed with your key (kept outside the folder), or whose files do not
# match their manifest, is refused before anything is unpickled (docs/security.md):

# %%
model, manifest = load_model(result.folder)
print("reloaded:", type(model).__name__, "with steps", list(model.named_steps))
tampered = WORK / "tampered"
import shutil

shutil.copytree(result.folder, tampered)
with open(tampered / "model.joblib", "ab") as fh:
    fh.write(b"\x00")
try:
    api.predict_failures(tampered, [sessions_csv])
except ModelError as exc:
    print("refused:", exc)

# %% [markdown]
# ## Predicting failures ahead of time
#
# With time windows, a window is labelled "failing" when a failure follows its end within a
# **horizon**. `pipelines/bgl_predict.toml` cuts the BGL supercomputer log into 1 h windows and
# asks whether a failure follows within 6 h. The threshold is chosen on the training (earlier)
# part only, then applied to the later part; the **lead time** is how long before the failure
# each correct alarm came.

# %%
if REAL:
    bgl_config = write_config(REPO / "pipelines" / "bgl_predict.toml",
                              {"input": {"path": str(BGL)},
                               "output": {"dir": str(WORK / "models")}}, "bgl")
    bgl = api.train_model(bgl_config)
    windows = api.predict_failures(bgl.folder, [BGL]).sort_values("id").reset_index(drop=True)
    ends = pd.to_datetime(windows["id"], utc=True) + pd.Timedelta("1h")
    lines = pd.read_csv(BGL, usecols=["Timestamp", "Label"])
    failures = pd.to_datetime(lines.loc[lines["Label"] != "-", "Timestamp"], unit="s", utc=True)
    horizon = "6h"
else:
    # Fallback: one simulated incident, per-minute windows, the injected fault as the failure.
    truth = json.loads((WORK / "sim0" / "truth.json").read_text())
    failures = pd.to_datetime(pd.Series([truth["fault_time"]]), utc=True)
    windows = scores[scores["id"].str.startswith("0:")].copy()
    windows["start"] = pd.to_datetime(windows["id"].str.split("@").str[-1], utc=True)
    windows = windows.sort_values("start").reset_index(drop=True)
    ends = windows["start"] + pd.Timedelta("1min")
    horizon = "10min"

label, lead = failure_ahead(ends, failures, horizon)
cut = int(len(windows) * 0.6)
train_w = slice(0, cut)
best = max(np.unique(windows["score"][train_w]), default=0.5,
           key=lambda t: 2 * ((windows["score"][train_w] >= t) & (label[train_w] == 1)).sum()
           / max(1, (windows["score"][train_w] >= t).sum() + label[train_w].sum()))
alarm = (windows["score"] >= best).to_numpy()
later = np.arange(len(windows)) >= cut
hits = alarm & (label == 1)
print(f"threshold {best:.3f} (chosen on the first {cut} windows); later part: "
      f"{(alarm & later).sum()} alarms, {(hits & later).sum()} ahead of a failure, "
      f"{(label[later] == 1).sum()} windows precede a failure")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [2, 1]})
ax1.plot(ends, windows["score"], lw=0.8, label="failure score")
ax1.axhline(best, color="C3", ls="--", lw=1, label="threshold")
for t in failures.drop_duplicates():
    ax1.axvline(t, color="C1", alpha=0.25, lw=0.8)
ax1.axvline(ends.iloc[cut], color="k", lw=1.5, label="train | later")
ax1.set_title("Window scores; orange lines are failures")
ax1.legend(loc="upper right", fontsize=8)
lead_h = lead[hits] / 3600
ax2.hist([lead_h[~later[hits]], lead_h[later[hits]]], bins=12, stacked=True,
         label=["train part", "later part"])
ax2.set_xlabel("lead time (hours)" if REAL else "lead time (hours, simulated)")
ax2.set_title("Lead time of correct alarms")
ax2.legend()
plt.show()
if hits.any():
    print(f"median lead time of correct alarms: {np.median(lead[hits]) / 60:.0f} min")

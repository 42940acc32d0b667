"""Log root-cause evidence: which service's error signature is new or surging, and when.

Input is one events frame (one row per log event) with columns ``timestamp`` (UTC datetime64),
``service``, ``level`` (one of :data:`rca.types.LEVELS` or missing), ``template_id``,
``template``, ``message``, ``source``, ``line``. Everything is counted with groupby on that
frame; nothing loops over lines.

For every (service, template) of warning-or-worse events the baseline rate (before the onset)
is compared with the rate after it: a template is *anomalous* when it is new (never seen before
the onset) or surges at least :data:`SURGE` times above its baseline. A service that logged
steadily and goes quiet after the onset is *silent* (a crashed or hung process says nothing).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from rca.detect.pressure import over_threshold

#: How much worse than its baseline rate a recurring template must get to count.
SURGE = 3.0
#: Severity weights by level; messages without a level are judged by :data:`ERROR_WORDS`.
SEVERITY = {"WARN": 0.5, "ERROR": 1.0, "FATAL": 1.5}
#: Words that mark an unlevelled message as an error.
ERROR_WORDS = re.compile(
    r"(?i)\b(?:error|exception|fatal|failed|failure|panic|traceback|refused|timed? ?out|"
    r"unavailable|denied|killed|segmentation fault|cannot|could not|unable to)\b")
#: How far (share of the log's span) a template's own change point may precede the joint one.
EARLIEST = 0.25
#: Share of the strongest template's score a template needs to move the onset.
ONSET_SHARE = 0.2
#: A gap this many times a template's median gap ends its run (exponential gaps exceed 8x the
#: median with probability 2**-8).
GAP_FACTOR = 8.0
#: Fraction of the expected post-onset volume below which a busy service counts as silent.
SILENT_RATIO = 0.1

TEMPLATE_COLUMNS = ["service", "template_id", "template", "severity", "n_before", "n_after",
                    "surge", "new", "first_after", "score"]


def severity(frame: pd.DataFrame) -> pd.Series:
    """Severity weight per event: by level, else 1.0 when the message reads like an error."""
    codes, uniques = pd.factorize(frame["level"], use_na_sentinel=True)
    weights = np.array([SEVERITY.get(str(u).upper(), 0.0) for u in uniques] + [0.0])
    sev = weights[codes]  # code -1 (missing) picks the trailing 0.0
    unlevelled = codes == -1
    if len(uniques):
        unlevelled |= np.isin(codes, [i for i, u in enumerate(uniques) if str(u).strip() == ""])
    if unlevelled.any():
        words = frame.loc[unlevelled, "message"].astype(str).str.contains(ERROR_WORDS)
        sev[unlevelled] = np.where(words.to_numpy(), 1.0, 0.0)
    # a resource over its threshold ("memory usage at 96% of limit") is an error, whatever level
    sev = np.where(over_threshold(frame["message"]).to_numpy(), np.maximum(sev, 1.0), sev)
    return pd.Series(sev, index=frame.index, dtype=float)


def log_onset(frame: pd.DataFrame, bins: int = 200) -> pd.Timestamp | None:
    """Onset of an incident in logs: change point of per-service error and volume counts,
    moved back to the first event of a template that is anomalous relative to it."""
    from rca.detect.changepoint import change_statistic

    ts = frame["timestamp"]
    if ts.isna().all():
        return None
    t0, t1 = ts.min(), ts.max()
    span = (t1 - t0).total_seconds()
    if span <= 0:
        return t0
    width = pd.Timedelta(seconds=max(1, round(span / bins)))
    sev = severity(frame)
    err = frame[sev > 0]
    if err.empty:
        return None
    key = ((err["timestamp"] - t0) // width).astype(int)
    counts = pd.crosstab(key, err["service"]).reindex(range(int(span // width.total_seconds()) + 1),
                                                       fill_value=0)
    stat = change_statistic(counts.to_numpy(dtype=float), min_size=2)
    cp = t0 + width * int(np.argmax(stat)) if np.any(stat > 0) else t0
    table = template_table(frame, cp - 2 * width, sev=sev)
    hot = table[table["score"] > 0]
    if hot.empty:
        return cp
    hot = hot[hot["score"] >= ONSET_SHARE * hot["score"].max()]  # stray warnings don't count
    # each anomalous template's own start: a slow fault (a leak warning creeping in) begins
    # well before the loud symptoms that dominate the joint change point
    cp_s = (cp - t0).total_seconds()
    lo_s = cp_s - EARLIEST * span
    secs = (err["timestamp"] - t0).dt.total_seconds()
    starts = [cp]
    for (svc, tid) in zip(hot["service"], hot["template_id"]):
        times = secs[(err["service"] == svc) & (err["template_id"] == tid)].to_numpy()
        start = sustained_start(times, cp_s, lo_s, width.total_seconds())
        if start is not None:
            starts.append(t0 + pd.Timedelta(seconds=start))
    return min(starts)


def sustained_start(times: np.ndarray, cp: float, earliest: float, width: float) -> float | None:
    """Walk back from the first event at or after ``cp`` while the gaps stay within
    :data:`GAP_FACTOR` times the template's median gap after ``cp`` (at least ``width``), not before
    ``earliest``: the start of the run of events the surge belongs to (all in seconds).

    >>> sustained_start(np.array([5.0, 160, 170, 180, 190, 200, 210, 220]), 200, 0, 1)
    160.0
    """
    t = np.sort(np.asarray(times, dtype=float))
    i = int(np.searchsorted(t, cp))
    if i >= len(t):
        return None
    after = np.diff(t[i:])
    gap = max(GAP_FACTOR * float(np.median(after)), width) if len(after) else width
    while i > 0 and t[i - 1] >= earliest and t[i] - t[i - 1] <= gap:
        i -= 1
    return float(t[i])


def template_table(frame: pd.DataFrame, onset: pd.Timestamp, sev: pd.Series | None = None
                   ) -> pd.DataFrame:
    """One row per (service, template) of warning-or-worse events, most anomalous first.

    ``score`` is 0 for templates that are neither new nor surging; otherwise
    ``severity * log(1 + surge) * log(1 + n_after)`` with ``surge`` = observed / expected count
    after the onset (+1 smoothing).
    """
    if sev is None:
        sev = severity(frame)
    err = frame.assign(severity=sev)[sev > 0]
    if err.empty:
        return pd.DataFrame(columns=TEMPLATE_COLUMNS)
    t0, t1 = frame["timestamp"].min(), frame["timestamp"].max()
    before_s = max((onset - t0).total_seconds(), 0.0)
    after_s = max((t1 - onset).total_seconds(), 1.0)
    after = err["timestamp"] >= onset
    g = err.assign(after=after, before=~after,
                   t_after=err["timestamp"].where(after)).groupby(
        ["service", "template_id"], sort=False)
    table = g.agg(template=("template", "first"), severity=("severity", "max"),
                  n_before=("before", "sum"), n_after=("after", "sum"),
                  first_after=("t_after", "min")).reset_index()
    expected = table["n_before"] * (after_s / before_s) if before_s > 0 else 0.0 * table["n_before"]
    table["surge"] = (table["n_after"] + 1.0) / (expected + 1.0)
    table["new"] = (table["n_before"] == 0) & (table["n_after"] > 0)
    hot = (table["n_after"] > 0) & (table["new"] | (table["surge"] >= SURGE))
    table["score"] = np.where(
        hot, table["severity"] * np.log1p(table["surge"]) * np.log1p(table["n_after"]), 0.0)
    return table[TEMPLATE_COLUMNS].sort_values(["score", "first_after"], ascending=[False, True],
                                               kind="stable").reset_index(drop=True)


def silent_services(frame: pd.DataFrame, onset: pd.Timestamp, min_expected: float = 10.0
                    ) -> pd.DataFrame:
    """Services that logged steadily before the onset and (almost) stopped after it.

    Returns ``service, expected, observed, last_seen`` for each silent service.
    """
    t0, t1 = frame["timestamp"].min(), frame["timestamp"].max()
    before_s = (onset - t0).total_seconds()
    after_s = (t1 - onset).total_seconds()
    if before_s <= 0 or after_s <= 0:
        return pd.DataFrame(columns=["service", "expected", "observed", "last_seen"])
    after = frame["timestamp"] >= onset
    g = frame.assign(after=after, before=~after).groupby("service")
    vol = g.agg(n_before=("before", "sum"), n_after=("after", "sum"),
                last_seen=("timestamp", "max")).reset_index()
    vol["expected"] = vol["n_before"] * after_s / before_s
    silent = vol[(vol["expected"] >= min_expected)
                 & (vol["n_after"] < SILENT_RATIO * vol["expected"])]
    return silent.rename(columns={"n_after": "observed"})[
        ["service", "expected", "observed", "last_seen"]].reset_index(drop=True)


def service_table(templates: pd.DataFrame, silent: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per service: log ``score`` (its strongest anomalous template), ``start`` (first anomalous
    event), the best template, and ``silent`` for services that went quiet."""
    hot = templates[templates["score"] > 0]
    rows = []
    if not hot.empty:
        best = hot.sort_values("score", ascending=False, kind="stable").drop_duplicates("service")
        start = hot.groupby("service")["first_after"].min()
        for r in best.itertuples(index=False):
            rows.append({"service": r.service, "score": float(r.score), "start": start[r.service],
                         "template_id": r.template_id, "template": r.template, "silent": False})
    have = {r["service"] for r in rows}
    if silent is not None:
        for r in silent.itertuples(index=False):
            # the missing volume scored like a surge of the same size, at FATAL weight
            score = float(SEVERITY["FATAL"] * np.log1p(r.expected / (r.observed + 1.0))
                          * np.log1p(r.expected))
            if r.service in have:
                row = next(x for x in rows if x["service"] == r.service)
                row["score"] = max(row["score"], score)
                row["silent"] = True
                continue
            rows.append({"service": r.service, "score": score, "start": r.last_seen,
                         "template_id": None, "template": None, "silent": True})
    out = pd.DataFrame(rows, columns=["service", "score", "start", "template_id", "template",
                                      "silent"])
    return out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)

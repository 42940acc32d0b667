"""Feature frames: sessions by id, time windows, parsed-session CSVs, counts, levels, labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse as sp

from rca.errors import InputError
from rca.features import (
    EventCounts,
    LevelRatios,
    failure_ahead,
    median_lead_time,
    read_sessions_csv,
    sessions_from_events,
    template_key,
    time_windows,
)


def _events():
    ts = pd.to_datetime(["2024-01-01 00:00:10", "2024-01-01 00:00:50", "2024-01-01 00:01:10",
                         "2024-01-01 00:02:30", "2024-01-01 00:02:40"], utc=True)
    return pd.DataFrame({
        "timestamp": ts,
        "service": ["api", "db", "api", "api", "db"],
        "level": ["INFO", "ERROR", "INFO", "WARNING", "INFO"],
        "template_id": ["open", "fail", "close", "open", "close"],
        "message": ["open blk_1 req=a1", "fail blk_2", "close blk_1 and blk_-2",
                    "open blk_3", "nothing here"],
    })


def test_sessions_keyed_by_id_in_message():
    frame = sessions_from_events(_events(), r"blk_-?\d+")
    got = dict(zip(frame["session_id"], frame["events"]))
    assert got == {"blk_1": ("open", "close"), "blk_2": ("fail",), "blk_-2": ("close",),
                   "blk_3": ("open",)}
    row = frame.set_index("session_id").loc["blk_1"]
    assert row["levels"] == ("INFO", "INFO")
    assert row["start"] < row["end"]
    with pytest.raises(InputError, match="no message matched"):
        sessions_from_events(_events(), r"trace=\w+")
    with pytest.raises(InputError, match="empty"):
        sessions_from_events(_events().iloc[0:0], r"blk_\d+")


def test_fixed_sliding_and_per_service_windows():
    fixed = time_windows(_events(), "1min")
    assert [len(e) for e in fixed["events"]] == [2, 1, 2]
    sliding = time_windows(_events(), "2min", "1min")
    assert [len(e) for e in sliding["events"]] == [3, 3, 2]
    assert (sliding["end"] - sliding["start"]).eq(pd.Timedelta("2min")).all()
    per_service = time_windows(_events(), "1min", by="service")
    assert set(per_service["service"]) == {"api", "db"}
    assert per_service["session_id"].str.startswith(("api@", "db@")).all()
    with pytest.raises(InputError, match="window size"):
        time_windows(_events(), "soon")


def test_sliding_windows_cover_each_event_size_over_step_times():
    ev = _events()
    sliding = time_windows(ev, "2min", "1min")
    # an event at minute m lands in windows starting at m-1 and m (both >= the origin at 0)
    counts = pd.Series([e for seq in sliding["events"] for e in seq]).value_counts()
    assert counts.sum() == 5 + 3  # the two events of minute 0 have no earlier window


def test_read_parsed_sessions_json_and_space_separated(tmp_path, bench_data):
    hdfs = read_sessions_csv(bench_data / "hdfs" / "HDFS_100k_block_sessions.csv",
                             id_column="BlockId", sequence_column="TemplateSequence",
                             label_column="Label", split_column="Split")
    assert len(hdfs) == 7940 and set(hdfs["split"]) == {"train", "test"}
    first = hdfs["events"].iloc[0]
    assert len(first) == 13
    assert hdfs.attrs["templates"][first[0]].startswith("BLOCK* NameSystem.allocateBlock")
    assert first[0] == template_key(hdfs.attrs["templates"][first[0]])
    ops = read_sessions_csv(bench_data / "openstack_sequences" / "openstack_train", header=False)
    assert len(ops) == 19 and ops["events"].iloc[0][:3] == ("1", "17", "10")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_sessions_csv(empty)
    with pytest.raises(InputError, match="not found"):
        read_sessions_csv(tmp_path / "missing.csv")


def test_event_counts_tfidf_novelty_sparse_and_pandas_output():
    train = [("a", "b", "b"), ("a",), ("a", "c")]
    counts = EventCounts().fit(train)
    assert counts.transform([("b", "z", "z")]).tolist() == [[0.0, 1.0, 0.0, 2.0]]
    tfidf = EventCounts(weighting="tfidf", novelty=False).fit(train)
    row = tfidf.transform([("a", "b")])[0]
    assert row[1] > row[0] > 0  # rarer "b" weighs more than ubiquitous "a"
    assert sp.issparse(EventCounts(sparse=True).fit(train).transform(train))
    frame = EventCounts().set_output(transform="pandas").fit(train).transform(train)
    assert list(frame.columns) == ["a", "b", "c", "unseen"]
    assert frame.loc[0, "b"] == 2
    freq = EventCounts(normalize=True).fit(train).transform(train)
    assert np.allclose(freq.sum(axis=1), 1.0)


def test_level_ratios():
    frame = pd.DataFrame({"levels": [("INFO", "WARNING", "ERROR", "ERROR"), ()]})
    out = LevelRatios().fit(frame).set_output(transform="pandas").transform(frame)
    assert out.loc[0, "level_error"] == 0.5 and out.loc[0, "level_warn"] == 0.25
    assert out.loc[1].drop("log_length").sum() == 0
    with pytest.raises(InputError, match="levels"):
        LevelRatios().fit(pd.DataFrame({"events": [("a",)]}))


def test_failure_ahead_labels_and_lead_time():
    ends = pd.to_datetime(["2024-01-01 00:10", "2024-01-01 00:40", "2024-01-01 01:50"], utc=True)
    fails = pd.to_datetime(["2024-01-01 00:50", "2024-01-01 00:51"], utc=True)
    label, lead = failure_ahead(ends, fails, "30min")
    assert label.tolist() == [0, 1, 0]
    assert lead[1] == 600.0 and np.isnan(lead[0])
    med, warned, bursts = median_lead_time(ends, [0, 1, 0], fails, "30min")
    assert (med, warned, bursts) == (600.0, 1, 1)
    with pytest.raises(InputError, match="horizon"):
        failure_ahead(ends, fails, "later")

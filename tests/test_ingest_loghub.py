"""Every Loghub format string of drain_settings.json on its 2k file (real data)."""

from __future__ import annotations

import csv
import json

import pytest

from rca.ingest import ReadStats, compile_fast_log_format, compile_log_format, read_records

SYSTEMS = ("HDFS", "Hadoop", "Spark", "Zookeeper", "BGL", "HPC", "Windows", "Linux", "Android",
           "Apache", "Proxifier", "OpenStack")
WITH_LEVEL = {"HDFS", "Hadoop", "Spark", "Zookeeper", "BGL", "Windows", "Android", "Apache",
              "OpenStack"}


@pytest.fixture(scope="module")
def settings(bench_data):
    return json.loads((bench_data / "loghub_2k" / "drain_settings.json").read_text())["datasets"]


@pytest.mark.parametrize("system", SYSTEMS)
def test_loghub_2k_parses(system, settings, bench_data):
    s = settings[system]
    path = bench_data / "loghub_2k" / s["log_file"]
    stats = ReadStats()
    recs = list(read_records(path, log_format=s["log_format"], stats=stats))
    assert stats.records == len(recs) == 2000 == stats.lines
    assert stats.unparsed / stats.records <= 0.005, stats
    assert all(r.timestamp is not None for r in recs)
    assert [r.line for r in recs] == list(range(1, 2001))
    if system in WITH_LEVEL:
        assert sum(r.level is not None for r in recs) >= 1990
    # the message is the <Content> of the ground truth
    truth = bench_data / "loghub_2k" / (s["log_file"] + "_structured_corrected.csv")
    with open(truth, newline="", encoding="utf-8") as f:
        contents = [row["Content"] for row in csv.DictReader(f)]
    same = sum(r.message.strip() == c.strip() for r, c in zip(recs, contents))
    assert same >= 1990, f"{system}: {same}/2000 messages equal the ground-truth Content"


@pytest.mark.parametrize("system", SYSTEMS)
def test_fast_regex_agrees_with_faithful_one(system, settings, bench_data):
    s = settings[system]
    slow, _ = compile_log_format(s["log_format"])
    fast = compile_fast_log_format(s["log_format"])
    path = bench_data / "loghub_2k" / s["log_file"]
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[:500]
    for line in lines:
        a, b = slow.match(line), fast.match(line)
        if a is not None and b is not None:
            assert a.groupdict() == b.groupdict()


def test_loghub_timestamps(settings, bench_data):
    def first(system):
        s = settings[system]
        return next(iter(read_records(bench_data / "loghub_2k" / s["log_file"],
                                      log_format=s["log_format"], year=2017)))
    assert first("HDFS").timestamp.isoformat() == "2008-11-09T20:36:15+00:00"
    assert first("Spark").timestamp.isoformat() == "2017-06-09T20:10:40+00:00"
    assert first("Android").timestamp.isoformat() == "2017-03-17T16:13:38.811000+00:00"
    assert first("Apache").timestamp.isoformat() == "2005-12-04T04:47:44+00:00"
    assert first("Linux").timestamp.isoformat() == "2017-06-14T15:16:01+00:00"
    assert first("HPC").timestamp.isoformat() == "2004-02-26T14:12:22+00:00"
    assert first("BGL").level == "INFO" and first("Android").level == "DEBUG"

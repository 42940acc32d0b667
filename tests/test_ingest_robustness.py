"""Bad input: huge lines, random bytes, missing files, folders, compressed files."""

from __future__ import annotations

import bz2
import gzip
import os
import random
import time

import pytest

from rca.errors import InputError
from rca.ingest import ReadStats, read_records


def test_one_megabyte_line(tmp_path):
    path = tmp_path / "big.log"
    big = "2024-01-01 12:00:00,000 ERROR x: " + "A" * 1_000_000
    path.write_text("2024-01-01 11:59:59,000 INFO x: before\n" + big + "\n"
                    "2024-01-01 12:00:01,000 INFO x: after\n", encoding="utf-8")
    stats = ReadStats()
    start = time.perf_counter()
    recs = list(read_records(path, stats=stats))
    assert time.perf_counter() - start < 5
    assert [r.line for r in recs] == [1, 2, 3]
    assert recs[1].flags == ("truncated",) and len(recs[1].message) <= 65536
    assert recs[1].level == "ERROR" and recs[2].message == "after" and stats.truncated == 1
    recs = list(read_records(path, max_line=100))
    assert len(recs[1].message) <= 100 and "truncated" in recs[1].flags


def test_one_megabyte_line_with_loghub_format_no_backtracking(tmp_path):
    path = tmp_path / "w.log"
    path.write_text("x " * 500_000 + "\n", encoding="utf-8")  # fits no header, many spaces
    start = time.perf_counter()
    recs = list(read_records(path, log_format="<Date> <Time>, <Level>  <Component>  <Content>"))
    assert time.perf_counter() - start < 5
    assert len(recs) == 1 and recs[0].flags == ("truncated", "unparsed")


def test_random_bytes(tmp_path):
    rng = random.Random(7)
    path = tmp_path / "noise.bin.log"
    path.write_bytes(bytes(rng.randrange(256) for _ in range(200_000)))
    stats = ReadStats()
    recs = list(read_records(path, stats=stats))
    assert recs and stats.records == len(recs)
    assert stats.decode_errors > 1000
    assert all("decode_error" in r.flags or "\ufffd" not in r.message for r in recs)
    assert any("decode_error" in r.flags for r in recs)
    assert stats.unparsed + stats.multiline_lines >= len(recs) - 5  # nothing made-up
    assert stats.formats[str(path)] == "raw"


def test_undecodable_bytes_replaced_and_counted(tmp_path):
    path = tmp_path / "latin.log"
    path.write_bytes(b"2024-01-01 12:00:00,000 WARN x: caf\xe9 ferm\xe9\n"
                     b"2024-01-01 12:00:00,000 INFO x: ok \xef\xbf\xbd kept\n")
    stats = ReadStats()
    recs = list(read_records(path, stats=stats))
    assert recs[0].message == "caf\ufffd ferm\ufffd" and "decode_error" in recs[0].flags
    assert stats.decode_errors == 2 and recs[1].flags == ()


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match="nope.log"):
        read_records(tmp_path / "nope.log")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no log files"):
        read_records(tmp_path / "empty")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.log"
    path.write_text("x\n")
    path.chmod(0)
    with pytest.raises(InputError, match="secret.log"):
        read_records(path)


def test_folder_is_read_whole(tmp_path):
    d = tmp_path / "incident"
    (d / "logs").mkdir(parents=True)
    (d / "logs" / "orders.log").write_text("2024-01-01 12:00:00,000 ERROR o: down\n")
    with gzip.open(d / "logs" / "cart.log.gz", "wt") as f:
        f.write("2024-01-01 12:00:00,000 INFO c: up\n")
    (d / "logs" / "pay.log.bz2").write_bytes(bz2.compress(b"level=warn msg=slow\n"))
    (d / "metrics.csv").write_text("time,a_cpu\n1,2\n")  # not a log: skipped in folders
    (d / "logs" / ".hidden.log").write_text("x\n")
    stats = ReadStats()
    recs = list(read_records(d, stats=stats))
    assert sorted(r.service for r in recs) == ["cart", "orders", "pay"]
    assert stats.files == 3 and stats.unparsed == 0


def test_blank_lines_and_crlf(tmp_path):
    path = tmp_path / "crlf.log"
    path.write_bytes(b"2024-01-01 12:00:00,000 INFO a: one\r\n\r\n   \r\n"
                     b"2024-01-01 12:00:01,000 INFO a: two\r\n")
    stats = ReadStats()
    recs = list(read_records(path, stats=stats))
    assert [(r.line, r.message) for r in recs] == [(1, "one"), (4, "two")]
    assert stats.lines == 4


def test_unreadable_file_is_named(tmp_path, monkeypatch):
    from rca.ingest import source

    path = tmp_path / "locked.log"
    path.write_text("x\n")
    monkeypatch.setattr(source.os, "access", lambda p, mode: False)
    with pytest.raises(InputError, match="locked.log: permission denied"):
        read_records(path)

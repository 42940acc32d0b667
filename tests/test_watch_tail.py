"""Tailing follows appends, rotation and truncation, waits for partial lines, bounds line length
and resumes from saved offsets after a restart."""

from __future__ import annotations

import os

from rca.watch.tail import FileTail, Offsets


def _append(p, text):
    with open(p, "a", encoding="utf-8") as fh:
        fh.write(text)


def _drain(tail):
    got = tail.read()
    tail.commit()
    return got


def test_appends_partial_lines_and_resume(tmp_path):
    log = tmp_path / "app.log"
    state = tmp_path / "offsets.json"
    _append(log, "one\ntwo\nthr")
    t = FileTail(log, Offsets(state))
    assert _drain(t) == ["one", "two"]
    _append(log, "ee\n")
    assert _drain(t) == ["three"]
    t.offsets.save()
    _append(log, "four\n")
    # an uncommitted read is delivered again
    t2 = FileTail(log, Offsets(state))
    assert t2.read() == ["four"]
    t3 = FileTail(log, Offsets(state))
    assert t3.read() == ["four"]
    t3.commit()
    t3.offsets.save()
    assert FileTail(log, Offsets(state)).read() == []


def test_rotation_finishes_old_file_then_reads_new(tmp_path):
    log = tmp_path / "app.log"
    _append(log, "a1\na2\n")
    t = FileTail(log, Offsets(None))
    assert _drain(t) == ["a1", "a2"]
    _append(log, "a3\n")  # written just before rotation, not read yet
    os.rename(log, tmp_path / "app.log.1")
    _append(log, "b1\n")
    assert _drain(t) == ["a3"]
    assert _drain(t) == ["b1"]
    _append(log, "b2\n")
    assert _drain(t) == ["b2"]


def test_truncation_starts_over(tmp_path):
    log = tmp_path / "app.log"
    _append(log, "x" * 50 + "\n" + "y" * 50 + "\n")
    t = FileTail(log, Offsets(None))
    assert len(_drain(t)) == 2
    with open(log, "w", encoding="utf-8") as fh:  # copytruncate-style
        fh.write("fresh\n")
    assert _drain(t) == ["fresh"]


def test_overlong_lines_are_cut(tmp_path):
    log = tmp_path / "app.log"
    _append(log, "z" * 1000 + "\nshort\n")
    t = FileTail(log, Offsets(None), max_line_bytes=64)
    got = _drain(t)
    assert got == ["z" * 64, "short"]


def test_missing_file_then_created(tmp_path):
    log = tmp_path / "later.log"
    t = FileTail(log, Offsets(None))
    assert _drain(t) == []
    _append(log, "hello\n")
    assert _drain(t) == ["hello"]

"""Issue 11: no output option overwrites an input, replaces a file of another kind without
--force, or leaves a half-written file."""

from __future__ import annotations

import json
import os

import pytest

from rca.errors import InputError
from rca.paths import atomic_output, check_output

LOG = "2024-05-01 10:00:00 INFO api started\n2024-05-01 10:00:01 ERROR api failed\n"


@pytest.fixture()
def log(tmp_path):
    path = tmp_path / "a.log"
    path.write_text(LOG)
    return path


@pytest.mark.parametrize("args", [
    ["parse", "{log}", "--out", "{log}"],
    ["parse", "{log}", "--templates", "{log}"],
    ["parse", "{log}", "--state", "{log}"],
    ["analyze", "{log}", "--html", "{log}"],
    ["watch", "--log", "s={log}", "--state", "{log}", "--once"],
    ["watch", "--log", "s={log}", "--db", "{log}", "--once"],
    ["parse", "{dir}", "--out", "{log}"],  # an existing file inside an input folder
])
def test_an_input_is_never_overwritten(run_cli, log, args):
    argv = [a.format(log=log, dir=log.parent) for a in args]
    code, _, err = run_cli(*argv)
    assert code == 2 and "is also an input" in err and err.count("\n") == 1
    assert log.read_text() == LOG


def test_predict_out_is_not_the_input(run_cli, tmp_path):
    inp = tmp_path / "in.csv"
    inp.write_text("BlockId,TemplateSequence\nb1,E1 E2\n")
    code, _, err = run_cli("predict", "-m", str(tmp_path), str(inp), "-o", str(inp))
    assert code == 2 and "is also an input" in err
    assert inp.read_text().startswith("BlockId")


def test_score_out_is_not_the_input(run_cli, tmp_path):
    inp = tmp_path / "m.csv"
    inp.write_text("time,a\n1,1.0\n2,2.0\n")
    code, _, err = run_cli("score", str(inp), "--out", str(inp))
    assert code == 2 and "is also an input" in err and inp.read_text() == "time,a\n1,1.0\n2,2.0\n"


def test_other_kind_needs_force_and_csv_is_replaced(run_cli, log, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("my notes\n")
    code, _, err = run_cli("parse", str(log), "--out", str(other))
    assert code == 2 and "--force" in err and other.read_text() == "my notes\n"
    code, _, _ = run_cli("parse", str(log), "--out", str(other), "--force")
    assert code == 0 and other.read_text().lstrip("\"").startswith("source")
    csv_out = tmp_path / "events.csv"
    csv_out.write_text("old\n")
    assert run_cli("parse", str(log), "--out", str(csv_out))[0] == 0
    assert csv_out.read_text().count("\n") == 3  # header + 2 records, old content gone


def test_non_json_state_is_an_error_not_replaced(run_cli, log, tmp_path):
    state = tmp_path / "state.json"
    state.write_bytes(b"\x00\xffbinary")
    for args in (["parse", str(log), "--state", str(state)],
                 ["parse", str(log), "--state", str(state), "--force"]):
        code, _, err = run_cli(*args)
        assert code == 2 and "not a JSON file" in err
    assert state.read_bytes() == b"\x00\xffbinary"


def test_watch_db_on_non_sqlite_file_is_refused(run_cli, log, tmp_path):
    db = tmp_path / "x.db"
    db.write_text("not a database\n")
    code, _, err = run_cli("watch", "--log", f"s={log}", "--db", str(db), "--once")
    assert code == 2 and "not an SQLite database" in err and db.read_text() == "not a database\n"


def test_simulate_refuses_non_empty_folder_without_force(run_cli, tmp_path):
    out = tmp_path / "sim"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    code, _, err = run_cli("simulate", "-s", "disk-full", "--out", str(out), "--lines", "20",
                           "--duration", "120")
    assert code == 2 and "non-empty folder" in err and sorted(os.listdir(out)) == ["mine.txt"]
    code, _, _ = run_cli("simulate", "-s", "disk-full", "--out", str(out), "--lines", "20",
                         "--duration", "120", "--force")
    assert code == 0 and (out / "truth.json").is_file()


def test_atomic_output_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "old\n" and os.listdir(tmp_path) == ["out.csv"]
    with atomic_output(target) as tmp:
        tmp.write_text("new\n")
    assert target.read_text() == "new\n" and os.listdir(tmp_path) == ["out.csv"]


def test_check_output_kinds(tmp_path):
    state = tmp_path / "s.json"
    state.write_text(json.dumps({"a": 1}))
    assert check_output(state, kind="json") == state
    with pytest.raises(InputError, match="is a folder"):
        check_output(tmp_path, kind="csv")


def _mode(path) -> int:
    import stat

    return stat.S_IMODE(os.stat(path).st_mode)


def test_state_files_and_databases_are_created_private(run_cli, log, tmp_path, monkeypatch):
    monkeypatch.setattr(os, "umask", os.umask)  # restore whatever the test changes
    old = os.umask(0o022)
    try:
        miner = tmp_path / "miner.json"
        assert run_cli("parse", str(log), "--state", str(miner))[0] == 0
        metrics = tmp_path / "m.csv"
        metrics.write_text("time,a\n" + "".join(f"{1700000000 + i},{i % 3}\n" for i in range(30)))
        det = tmp_path / "det.json"
        assert run_cli("score", str(metrics), "-o", str(tmp_path / "s.csv"),
                       "--state", str(det))[0] == 0
        offsets, db = tmp_path / "offsets.json", tmp_path / "watch.sqlite3"
        assert run_cli("watch", "--log", f"s={log}", "--state", str(offsets), "--db", str(db),
                       "--once")[0] == 0
        from rca.fixes.feedback import FeedbackStore

        FeedbackStore(tmp_path / "fb.sqlite").record("inc-1", "disk-full", signature="x y")
        for path in (miner, det, offsets, db, tmp_path / "fb.sqlite"):
            assert _mode(path) & 0o077 == 0, (path, oct(_mode(path)))
        assert _mode(tmp_path / "s.csv") == 0o644  # ordinary outputs follow the umask
    finally:
        os.umask(old)


def test_non_json_watch_state_is_an_error(tmp_path):
    from rca.watch.tail import Offsets

    state = tmp_path / "offsets.json"
    state.write_text("line one of a log\n")
    with pytest.raises(InputError, match="not a JSON offsets file"):
        Offsets(state)
    assert state.read_text() == "line one of a log\n"


def test_console_fast_path_never_overwrites_an_input(log, tmp_path, monkeypatch, capsys):
    """`rca parse a.log --out a.log` from a script takes the fast path (rca.cli.quick): it
    must refuse too (the app then reports the one-line error)."""
    from rca.cli import quick

    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert quick._batch_parse(["parse", str(log), "--out", str(log)]) is None
    assert quick._batch_parse(["parse", str(log), "--out", str(tmp_path / "x.csv"),
                               "--templates", str(log)]) is None
    assert log.read_text() == LOG and not (tmp_path / "x.csv").exists()
    other = tmp_path / "notes.txt"
    other.write_text("mine\n")
    assert quick._batch_parse(["parse", str(log), "--out", str(other)]) is None
    assert other.read_text() == "mine\n"
    assert quick._batch_parse(["parse", str(log), "--out", str(other), "--force"]) == 0
    assert other.read_text().lstrip("\"").startswith("source")

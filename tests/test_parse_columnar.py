"""The column-wise `rca parse` path writes what the record-by-record path gives.

Reference: :func:`rca.api.parse_events` (records read one by one, ``TemplateMiner.add`` per
record). The column-wise path (:func:`rca.ingest.columnar.read_tables` +
:func:`rca.templates.table.add_templates`) must give the same rows and values, including
lines it cannot split column-wise (stack traces, blank lines, bad bytes, foreign lines), also
when those fall on a block boundary.
"""

from __future__ import annotations

import csv
import gzip
import json

import pytest

from rca import api
from rca.ingest import columnar
from rca.templates import TemplateMiner

FMT = "<Date> <Time> <Pid> <Level> <Component>: <Content>"


def expected_rows(path, log_format, **kw):
    rows = []
    for ev in api.parse_events([path], log_format=log_format, miner=TemplateMiner(), **kw):
        r = ev.record
        rows.append([r.source, str(r.line), r.timestamp.isoformat() if r.timestamp else "",
                     r.service, r.host or "", r.level or "", ev.template_id, ev.template,
                     r.message, ",".join(r.flags)])
    return rows


def written_rows(path, log_format, tmp_path, name="out.csv", **kw):
    out = tmp_path / name
    result = api.parse_to_files([path], out=out, log_format=log_format, **kw)
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(api.EVENT_COLUMNS)
    return rows[1:], result


def tricky_log(tmp_path):
    lines = []
    for i in range(300):
        lines.append(f"0811{10 + i % 3:02d} 2035{i % 60:02d} {140 + i % 9} INFO "
                     f"dfs.DataNode: Receiving block blk_{i * 7919} src: /10.0.0.{i % 250}:5{i:04d}")
        if i % 37 == 5:
            lines.append(f"0811{10 + i % 3:02d} 203600 150 WARN dfs.Pool: Exception in thread "
                         f"main worker-{i}")
            lines.append("java.io.IOException: broken pipe")
            lines.append("\tat org.acme.Pool.run(Pool.java:42)")
        if i % 50 == 7:
            lines.append("")
            lines.append("   ")
        if i % 61 == 3:
            lines.append("garbage that fits no header")
        if i % 83 == 9:
            lines.append("081110 203601 151 ERROR dfs.Disk: write failed for user ren\u00e9 \u2014 quota")
    body = "\n".join(lines).encode("utf-8")
    body = body.replace(b"garbage that", b"garb\xffage that", 1)  # one undecodable byte
    path = tmp_path / "node.log"
    path.write_bytes(body + b"\n")
    return path


@pytest.mark.parametrize("block", [columnar.BLOCK, 700, 4096])
def test_columnar_equals_record_path_on_tricky_lines(tmp_path, monkeypatch, block):
    path = tricky_log(tmp_path)
    monkeypatch.setattr(columnar, "BLOCK", block)
    rows, result = written_rows(path, FMT, tmp_path)
    assert rows == expected_rows(path, FMT)
    assert result.stats.records == len(rows) and result.stats.unparsed >= 1
    assert result.stats.decode_errors == 1 and result.stats.multiline_lines >= 2
    flags = {r[9] for r in rows}
    assert "unparsed" in flags or "decode_error,unparsed" in flags


def test_columnar_equals_record_path_on_loghub_samples(bench_data, tmp_path, monkeypatch):
    settings = json.loads((bench_data / "loghub_2k" / "drain_settings.json").read_text())
    monkeypatch.setattr(columnar, "BLOCK", 64 << 10)
    for name, s in settings["datasets"].items():
        path = bench_data / "loghub_2k" / s["log_file"]
        rows, _ = written_rows(path, s["log_format"], tmp_path, year=2024)
        assert rows == expected_rows(path, s["log_format"], year=2024), name


@pytest.mark.parametrize("block", [columnar.BLOCK, 2048])
def test_time_fields_apart_switch_plan_and_stay_column_wise(tmp_path, monkeypatch, block):
    """Time fields that are not next to each other (epoch, date, node, time: the first plan,
    all three joined, parses none): the block is split again with the plan the record path
    switches to at its first line, so it stays column-wise, with the record path's rows."""
    fmt = "<Label> <Timestamp> <Date> <Node> <Time> <Level> <Content>"
    path = tmp_path / "ras.log"
    path.write_text("".join(
        f"- {1117838570 + k} 2005.06.03 R{k % 7:02d}-M1 2005-06-03-15.42.{k % 60:02d}.675872 "
        f"{'INFO' if k % 9 else 'FATAL'} instruction cache parity error corrected {k}\n"
        for k in range(400)), encoding="utf-8")
    monkeypatch.setattr(columnar, "BLOCK", block)
    blocks = list(columnar.read_tables([path], fmt))
    assert all(b.shapes is not None for b in blocks)  # column-wise, not record by record
    rows, _ = written_rows(path, fmt, tmp_path)
    assert rows == expected_rows(path, fmt)
    assert rows[0][2] == "2005-06-03T22:42:50+00:00"  # the epoch field: the plan switched to


def test_gzip_input_and_parquet_output(tmp_path, monkeypatch):
    monkeypatch.setattr(columnar, "BLOCK", 700)  # column-wise and record blocks mixed
    path = tricky_log(tmp_path)
    gz = tmp_path / "node.log.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    plain, _ = written_rows(path, FMT, tmp_path)
    zipped, result = written_rows(gz, FMT, tmp_path, name="gz.csv")
    assert [r[1:] for r in zipped] == [r[1:] for r in plain]
    assert result.stats.records == len(plain)

    import pyarrow.parquet as pq

    out = tmp_path / "events.parquet"
    api.parse_to_files([path], out=out, log_format=FMT)
    table = pq.read_table(out)
    assert table.column_names == list(api.EVENT_COLUMNS)
    assert str(table.schema.field("timestamp").type) == "timestamp[us, tz=UTC]"
    got = table.to_pylist()
    assert [d["template_id"] for d in got] == [r[6] for r in plain]
    assert [d["message"] for d in got] == [r[8] for r in plain]
    assert [d["timestamp"].isoformat() if d["timestamp"] else "" for d in got] == \
        [r[2] for r in plain]


def test_other_formats_write_the_same_rows(tmp_path):
    path = tmp_path / "orders.log"
    lines = [json.dumps({"level": 30, "time": 1700000000000 + i, "msg": f"order {i} placed"})
             for i in range(50)] + ["not json"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows, _ = written_rows(path, None, tmp_path)
    assert rows == expected_rows(path, None)


def test_cli_parquet_and_gzip(tmp_path, run_cli):
    path = tricky_log(tmp_path)
    gz = tmp_path / "node.log.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    out = tmp_path / "e.parquet"
    code, _, err = run_cli("parse", str(gz), "--log-format", FMT, "--out", str(out))
    assert code == 0, err
    import pyarrow.parquet as pq

    assert pq.read_table(out).num_rows == len(expected_rows(path, FMT))


def test_add_many_matches_add_one_by_one():
    messages = [f"user u{i % 5} took {i} ms" for i in range(200)] + \
               [f"disk {i % 3} full at {i}" for i in range(50)] + ["a\nb", "x 1", "x 2"]
    one = TemplateMiner()
    expected = [one.add(m).template_id for m in messages]
    batch = TemplateMiner()
    codes, ids, texts = batch.add_many(messages)
    assert [ids[c] for c in codes] == expected
    assert batch.sizes == one.sizes and batch.templates == one.templates


@pytest.mark.parametrize("background", [True, False])
def test_event_writer_background_same_bytes_and_errors_surface(tmp_path, background):
    """The writer thread writes the same file as writing inline, and a failed write (a table
    whose schema does not fit the file's) is raised to the caller, not lost on the thread."""
    import pyarrow as pa

    from rca.templates.table import EVENT_COLUMNS, EventWriter

    log = tmp_path / "a.log"
    log.write_text("".join(f"2024-01-01 00:00:{k % 60:02d} INFO disk {k} full\n"
                           for k in range(3000)), encoding="utf-8")
    fmt = "<Date> <Time> <Level> <Content>"
    api.parse_to_files([log], out=tmp_path / "bg.csv", log_format=fmt)
    blocks = list(columnar.read_tables([log], fmt))
    from rca.templates.table import add_templates

    miner = TemplateMiner()
    with EventWriter(tmp_path / "inline.csv", EVENT_COLUMNS, background=False) as w:
        for b in blocks:
            w.write(add_templates(miner, b, EVENT_COLUMNS))
    assert (tmp_path / "bg.csv").read_bytes() == (tmp_path / "inline.csv").read_bytes()
    assert (tmp_path / "bg.csv").read_text().count("\n") == 3001

    bad = pa.table({"x": pa.array([1, 2])})
    w = EventWriter(tmp_path / "bad.csv", EVENT_COLUMNS, background=background)
    with pytest.raises(Exception):
        w.write(bad)
        w.close()

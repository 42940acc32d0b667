"""Plain-text header layouts from common frameworks (tests/data/header_corpus.tsv).

Each corpus line is read as a file of its own (so the format is sniffed from it alone, as a
user's one-service log would be) and as part of a file repeating it, and must give the
timestamp, level, service and message the corpus states.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rca.ingest import read_records

CORPUS = Path(__file__).parent / "data" / "header_corpus.tsv"


def _rows():
    with CORPUS.open(encoding="utf-8") as fh:
        for row in csv.reader((ln for ln in fh if not ln.startswith("#")), delimiter="\t"):
            if row:
                yield pytest.param(*row, id=row[0])


def _check(rec, ts, level, service, message, stem):
    if ts == "-":
        assert rec.timestamp is None
    elif ts.startswith("*"):  # no year in the stamp: compare from the month on
        assert rec.timestamp is not None and rec.timestamp.isoformat()[4:] == ts[1:]
    else:
        assert rec.timestamp is not None and rec.timestamp.isoformat() == ts
    assert rec.level == (None if level == "-" else level)
    assert rec.service == (stem if service == "-" else service)
    assert rec.message == message
    assert "unparsed" not in rec.flags


@pytest.mark.parametrize("layout,line,ts,level,service,message", list(_rows()))
@pytest.mark.parametrize("copies", [1, 3])
def test_header_layout(tmp_path, layout, line, ts, level, service, message, copies):
    path = tmp_path / "app.log"
    path.write_text((line + "\n") * copies, encoding="utf-8")
    recs = list(read_records(path))
    assert len(recs) == copies
    for rec in recs:
        _check(rec, ts, level, service, message, "app")


def test_corpus_is_large_enough():
    assert len(list(_rows())) >= 30

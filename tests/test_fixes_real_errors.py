"""Real-world error wording (tests/data/real_errors/): the right fix id in the top 3.

Each file holds the messages of one fix id, as the named runtime/library emits them. Within a
file, entries sorted by sha1(text) split into a *dev* half (misses were looked at while
writing matching rules) and a *held-out* half (never looked at line by line); both are
asserted and the table is printed (``pytest -s``) and reported in benchmarks/results/rca.md.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from rca.fixes import Library

CORPUS = Path(__file__).parent / "data" / "real_errors"


def corpus() -> list[dict]:
    """Every entry with its ``fix_id`` and ``split`` (``dev`` / ``held-out``)."""
    out = []
    for path in sorted(CORPUS.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries.sort(key=lambda e: hashlib.sha1(e["text"].encode()).hexdigest())
        half = (len(entries) + 1) // 2
        for i, e in enumerate(entries):
            out.append({**e, "fix_id": path.stem, "split": "dev" if i < half else "held-out"})
    return out


def top3_table() -> dict[str, dict[str, list[int]]]:
    """``{fix_id: {split: [hits, lines]}}`` with the shipped library, one clue per line."""
    lib = Library.load(use_env=False)
    table: dict[str, dict[str, list[int]]] = {}
    for e in corpus():
        got = [s.id for s in lib.suggest([("svc", e["text"], "ERROR")])][:3]
        cell = table.setdefault(e["fix_id"], {"dev": [0, 0], "held-out": [0, 0]})[e["split"]]
        cell[0] += e["fix_id"] in got
        cell[1] += 1
    return table


@pytest.fixture(scope="module")
def table():
    return top3_table()


def test_corpus_shape():
    entries = corpus()
    lib = Library.load(use_env=False)
    ids = {e["fix_id"] for e in entries}
    assert ids == set(lib.ids), "one corpus file per fix id"
    for fid in ids:
        mine = [e for e in entries if e["fix_id"] == fid]
        assert len({e["text"] for e in mine}) >= 10, fid
        assert all(e.get("source") for e in mine), fid


def test_real_errors_top3(table):
    rows = []
    total = {"dev": [0, 0], "held-out": [0, 0]}
    for fid, cells in sorted(table.items()):
        both = [cells["dev"][0] + cells["held-out"][0], cells["dev"][1] + cells["held-out"][1]]
        rows.append((fid, cells, both))
        for split in total:
            total[split][0] += cells[split][0]
            total[split][1] += cells[split][1]
    print("\nfix id | dev | held-out | all")
    for fid, cells, both in rows:
        print(f"{fid} | {cells['dev'][0]}/{cells['dev'][1]} | "
              f"{cells['held-out'][0]}/{cells['held-out'][1]} | {both[0] / both[1]:.2f}")
    hits = total["dev"][0] + total["held-out"][0]
    lines = total["dev"][1] + total["held-out"][1]
    print(f"overall {hits}/{lines} = {hits / lines:.3f}; held-out "
          f"{total['held-out'][0]}/{total['held-out'][1]}")
    assert hits / lines >= 0.90
    assert total["held-out"][0] / total["held-out"][1] >= 0.80  # rules never fitted to these
    for fid, _, both in rows:
        assert both[0] / both[1] >= 0.70, fid

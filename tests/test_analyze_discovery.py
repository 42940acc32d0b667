"""`rca analyze DIR` uses the metrics and dependency files it finds in the folder and says so;
resource warnings in log lines count as evidence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from rca import api
from rca.detect.pressure import over_threshold

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def test_memory_leak_folder_alone_names_the_leaking_service(run_cli):
    code, out, err = run_cli("analyze", str(SAMPLES / "memory-leak"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    truth = json.loads((SAMPLES / "memory-leak" / "truth.json").read_text())
    assert doc["root_causes"][0]["service"] == truth["root_cause_service"] == "orders"
    notes = " ".join(doc["notes"])
    assert "metrics.csv" in notes and "deps.yaml" in notes


def test_explicit_options_win_over_found_files(tmp_path):
    folder = tmp_path / "incident"
    shutil.copytree(SAMPLES / "disk-full", folder)
    result = api.analyze([folder], metrics=[], deps=None)
    assert any("metrics.csv" in n for n in result.notes)
    logs_only = api.analyze([folder / "logs"])
    assert not any("found in the input folder" in n for n in logs_only.notes)


def test_resource_pressure_in_messages():
    msgs = pd.Series(["memory usage at 96% of limit (rss 2234 MB)", "heap 45% used",
                      "CPU at 99% for 5 minutes", "disk /var/lib 97% full", "inodes 91% used",
                      "99% of requests served", "swap usage 85%", "cpu 12%"])
    assert over_threshold(msgs).tolist() == [True, False, True, True, True, False, True, False]

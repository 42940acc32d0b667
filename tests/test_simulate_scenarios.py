"""The simulator: every scenario, ground truth, propagation order, formats, determinism and
the committed samples."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from rca.fixes import Library
from rca.simulate import FAULTS, SCENARIOS, simulate

# A minimal reader of the simulator's formats, so these tests do not depend on rca.ingest:
# read(path) yields (epoch seconds, LEVEL, first line of the message) per record.
_PINO = {10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL"}
_NAMES = {"WARNING": "WARN", "CRITICAL": "FATAL", "LOG": "INFO", "PANIC": "FATAL",
          "DEBUG1": "DEBUG", "SILLY": "TRACE"}
_PY = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)[,.](\d{3})(?: UTC)? {1,2}(?:\[\d+\] )?"
                 r"([A-Z0-9]{3,8}):? {1,2}(.*)")


def _ts(text: str, ms: str) -> float:
    dt = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return dt.timestamp() + int(ms) / 1000


def read(path: Path):
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("{"):
            rec = json.loads(raw)
            if "time" in rec:
                yield rec["time"] / 1000, _PINO[rec["level"]], rec["msg"].split("\n")[0]
            else:
                stamp = datetime.strptime(rec["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
                level = rec["level"].upper()
                yield (stamp.replace(tzinfo=timezone.utc).timestamp(),
                       _NAMES.get(level, level), rec["message"].split("\n")[0])
            continue
        m = _PY.match(raw)
        if m is None:
            continue  # a stack-trace / continuation line
        stamp, ms, level, rest = m.groups()
        if " --- [" in rest:  # spring: "1 --- [thread] logger : message"
            rest = rest.split(" : ", 1)[1]
        elif rest.startswith("["):  # python: "[service] logger: message"
            rest = rest.split(": ", 1)[1]
        yield _ts(stamp, ms), _NAMES.get(level, level), rest


ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
SMALL = dict(n_services=5, lines=60, duration=600)


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _mask(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\b(?:0x)?[0-9a-f]{6,}\b", "#", text))


def _first_new_signatures(folder: Path, fault_t: float):
    """Per service: (time, message) of the first warning-or-worse line after the fault whose
    masked text never appeared before it; and the time of each service's last line."""
    first, last = {}, {}
    for log in sorted((folder / "logs").glob("*.log")):
        seen = set()
        for t, level, msg in read(log):
            last[log.stem] = t
            if level not in ("WARN", "ERROR", "FATAL"):
                continue
            if t < fault_t - 1e-6:
                seen.add(_mask(msg))
            elif _mask(msg) not in seen and log.stem not in first:
                first[log.stem] = (t, msg)
    return first, last


def test_scenarios_cover_the_library():
    assert len(SCENARIOS) >= 20
    ids = set(Library.load(use_env=False).ids)
    assert {FAULTS[s].fix_id for s in SCENARIOS} <= ids


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_truth_and_root_signature_comes_first(tmp_path, scenario):
    out = simulate(scenario, tmp_path / scenario, seed=11, **SMALL)
    truth = json.loads((out / "truth.json").read_text())
    assert {"root_cause_service", "fault_kind", "fix_id", "fault_time"} <= set(truth)
    assert truth["fault_kind"] == scenario and truth["fix_id"] == FAULTS[scenario].fix_id
    root, fault_t = truth["root_cause_service"], _epoch(truth["fault_time"])
    services = {p.stem for p in (out / "logs").glob("*.log")}
    assert root in services and services == set(truth["services"])
    first, last = _first_new_signatures(out, fault_t)
    callers = set(truth["propagation"])
    edges = yaml.safe_load((out / "deps.yaml").read_text())
    direct = {e["caller"] for e in edges if e["callee"] == root}
    assert callers and direct <= callers, "the fault must reach the root's callers"
    assert all(s in first for s in direct)  # they show new errors (about the root)
    if scenario == "silent-service":
        assert last[root] <= fault_t and root not in first
    else:
        t_root, msg = first[root]
        assert t_root == pytest.approx(fault_t, abs=1e-3) and msg.startswith(truth["signature"][:40])
        assert all(t > t_root for s, (t, _) in first.items() if s != root)
    # each caller fails after one of its callees already failed (deps.yaml edges)
    starts = {s: _epoch(v) for s, v in truth["propagation"].items()} | {root: fault_t}
    for caller in callers:
        failed = [starts[e["callee"]] for e in edges if e["caller"] == caller and e["callee"] in starts]
        assert failed and min(failed) < starts[caller], caller


_VALUES = dict(svc="orders", host="api.partner-bank.com", ip="10.0.3.7", pid="4242", port="3000",
               hex="deadbeef", hex6="abcdef", pod="abc123-xyz12", n="17", ms="850", pct="96",
               mb="1800", line="12")


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s != "silent-service"])
def test_library_ranks_the_right_fix_first_for_every_injected_line(scenario):
    """Every variant, in every language, of the first line a fault writes."""
    lib = Library.load(use_env=False)
    fault = FAULTS[scenario]
    variants = [v for lines in fault.lines.values() for v in lines]
    assert len(fault.lines) >= 3 and variants
    for variant in variants:
        first = re.sub(r"\{(\w+)\}", lambda m: _VALUES[m.group(1)], variant)
        first = first.partition("|")[0].split("\n")[0].removeprefix("PANIC:  ")
        ranked = [s.id for s in lib.suggest([("orders", first)])]
        assert ranked and ranked[0] == fault.fix_id, (first, ranked)


def test_noise_includes_benign_errors_before_the_fault_in_other_services(tmp_path):
    out = simulate("connection-refused", tmp_path, seed=2, n_services=8, lines=120)
    truth = json.loads((out / "truth.json").read_text())
    fault_t = _epoch(truth["fault_time"])
    before = {}
    for log in (out / "logs").glob("*.log"):
        before[log.stem] = sum(1 for t, lvl, _ in read(log) if lvl == "ERROR" and t < fault_t)
    noisy = [s for s, n in before.items() if n and s != truth["root_cause_service"]]
    assert len(noisy) >= 2  # recurring benign errors + an unrelated 503 burst
    quiet = simulate("connection-refused", tmp_path / "quiet", seed=2, n_services=8, lines=120,
                     noise=0)
    assert all(lvl not in ("WARN",) for log in (quiet / "logs").glob("*.log")
               for _, lvl, _ in read(log))


def test_same_seed_same_bytes_other_seed_other_incident(tmp_path):
    a = simulate("timeout", tmp_path / "a", seed=3, **SMALL)
    b = simulate("timeout", tmp_path / "b", seed=3, **SMALL)
    c = simulate("timeout", tmp_path / "c", seed=4, **SMALL)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(files) == 5 + 3  # 5 logs, metrics.csv, deps.yaml, truth.json
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    assert (a / "metrics.csv").read_bytes() != (c / "metrics.csv").read_bytes()


def test_formats_are_mixed_and_well_formed(tmp_path):
    out = simulate("disk-full", tmp_path, seed=1, n_services=8, lines=60)
    truth = json.loads((out / "truth.json").read_text())
    assert {"pino", "winston", "python", "java", "postgres"} <= set(truth["formats"].values())
    for svc, fmt in truth["formats"].items():
        first = (out / "logs" / f"{svc}.log").read_text().splitlines()[0]
        if fmt == "pino":
            rec = json.loads(first)
            assert isinstance(rec["level"], int) and rec["time"] > 1.7e12 and "msg" in rec
        elif fmt == "winston":
            rec = json.loads(first)
            assert rec["level"] in ("info", "warn", "error", "debug") and rec["timestamp"].endswith("Z")
        else:
            assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[.,]\d{3}", first)
    header = (out / "metrics.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "time"
    for col in header[1:]:
        svc, _, metric = col.partition("_")
        assert svc in truth["services"] and metric in ("cpu", "mem", "lat_50", "lat_99",
                                                       "error_rate", "rps", "disk")


def test_logs_and_metrics_are_readable_by_rca_ingest(tmp_path):
    ingest = pytest.importorskip("rca.ingest")
    if not hasattr(ingest, "read_records"):
        pytest.skip("rca.ingest.read_records not available")
    out = simulate("crash-loop", tmp_path, seed=4, n_services=6, lines=60)
    truth = json.loads((out / "truth.json").read_text())
    records = list(ingest.read_records([out / "logs"]))
    ours = sum(1 for log in (out / "logs").glob("*.log") for _ in read(log))
    assert len(records) == ours  # multi-line stack traces join their record
    assert {r.service for r in records} == set(truth["services"])
    assert all(r.timestamp is not None for r in records)
    root_errors = [r for r in records if r.service == truth["root_cause_service"]
                   and r.level in ("ERROR", "FATAL")]
    assert root_errors and truth["signature"] in root_errors[0].message
    from rca.ingest.metrics import read_metrics

    long = read_metrics(out / "metrics.csv")
    assert set(long.columns) >= {"timestamp", "series", "value"}
    assert long["series"].nunique() == 7 * len(truth["services"])


def test_committed_samples_are_small_and_reproducible(tmp_path):
    samples = sorted(p for p in SAMPLES.iterdir() if (p / "truth.json").is_file())
    assert len(samples) >= 3
    for sample in samples:
        size = sum(p.stat().st_size for p in sample.rglob("*") if p.is_file())
        assert size < 300_000, (sample.name, size)
    sample = samples[0]
    truth = json.loads((sample / "truth.json").read_text())
    p = truth["params"]
    again = simulate(truth["scenario"], tmp_path / sample.name, seed=truth["seed"],
                     n_services=p["n_services"], duration=p["duration"], lines=p["lines"],
                     noise=p["noise"], step=p["step"])
    for path in sorted(sample.rglob("*")):
        if path.is_file():
            rel = path.relative_to(sample)
            assert (again / rel).read_bytes() == path.read_bytes(), rel


def test_cli_simulate(run_cli, tmp_path):
    code, out, _ = run_cli("simulate", "--list")
    assert code == 0 and all(name in out for name in SCENARIOS)
    code, out, _ = run_cli("simulate", "--scenario", "segfault", "--out", str(tmp_path / "s"),
                           "--seed", "9", "--services", "4", "--lines", "40")
    assert code == 0 and (tmp_path / "s" / "truth.json").is_file()
    assert json.loads((tmp_path / "s" / "truth.json").read_text())["fix_id"] == "segfault"
    code, _, err = run_cli("simulate", "--scenario", "nope", "--out", str(tmp_path / "n"))
    assert code == 2 and "unknown scenario 'nope'" in err
    code, _, err = run_cli("simulate")
    assert code == 2 and "--scenario" in err

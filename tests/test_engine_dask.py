"""`rca parse` through a real Dask cluster (a scheduler and two worker processes on loopback)
gives what one process gives; an unreachable scheduler is a clear error; a worker killed in
the middle of a job costs no line and counts none twice."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from rca import api
from rca.templates import TemplateMiner
from rca.templates.evaluate import grouping_accuracy
from dask_helpers import LoopbackCluster

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = LoopbackCluster(tmp_path_factory.mktemp("dask"))
    try:
        yield c.start(2)
    finally:
        c.stop()


def task_prefixes(cluster) -> list[str]:
    """Names of the kinds of task the scheduler has run."""
    from distributed import Client

    with Client(cluster.address, timeout=10) as client:
        return client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))


def read_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def single_process(run_cli, tmp_path, *args):
    """``rca parse`` in one process; rows with their template ids resolved to the final ones."""
    out, state = tmp_path / "one.csv", tmp_path / "one.json"
    code, _, err = run_cli("parse", *args, "--out", str(out), "--state", str(state))
    assert code == 0, err
    miner = TemplateMiner.load(state)
    rows = read_csv(out)
    rows["template_id"] = rows["template_id"].map(miner.resolve)
    rows["template"] = rows["template_id"].map(miner.templates)
    return rows, miner


def test_parse_on_the_cluster_equals_one_process(cluster, bench_data, tmp_path, run_cli):
    system = "Hadoop"
    log = bench_data / "loghub_2k" / system / f"{system}_2k.log"
    fmt = json.loads((bench_data / "loghub_2k" / "drain_settings.json").read_text()
                     )["datasets"][system]["log_format"]
    expected, miner = single_process(run_cli, tmp_path, str(log), "--log-format", fmt)

    out, tpl, state = tmp_path / "dask.csv", tmp_path / "t.csv", tmp_path / "dask.json"
    code, _, err = run_cli("parse", str(log), "--log-format", fmt, "--out", str(out),
                           "--templates", str(tpl), "--state", str(state),
                           "--scheduler", cluster.address, "--partition-size", "16KB")
    assert code == 0, err
    assert "2,000 records from 2,000 lines" in err
    got = read_csv(out)
    pd.testing.assert_frame_equal(got, expected)  # every column, ids included
    dask_miner = TemplateMiner.load(state)
    assert dask_miner.templates == miner.templates and dask_miner.sizes == miner.sizes
    templates = read_csv(tpl)
    assert dict(zip(templates["id"], templates["count"].astype(int))) == miner.sizes

    truth = read_csv(bench_data / "loghub_2k" / system / f"{system}_2k.log_structured_corrected.csv")
    ga_one = grouping_accuracy(truth["EventId"], expected["template_id"])
    ga_dask = grouping_accuracy(truth["EventId"], got["template_id"])
    assert ga_one > 0.8 and abs(ga_dask - ga_one) <= 0.005


def test_parquet_output_of_several_files(cluster, bench_data, tmp_path, run_cli):
    logs = [str(bench_data / "loghub_2k" / s / f"{s}_2k.log") for s in ("HDFS", "Zookeeper", "BGL")]
    expected, _ = single_process(run_cli, tmp_path, *logs)
    out = tmp_path / "events"
    code, _, err = run_cli("parse", *logs, "--out", str(out), "--scheduler", cluster.address,
                           "--partition-size", "64KB")
    assert code == 0, err
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) > 3
    got = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    assert list(got.columns) == list(api.EVENT_COLUMNS)
    assert str(got["timestamp"].dtype) == "datetime64[us, UTC]"
    for col in ("source", "line", "service", "level", "template_id", "template", "message"):
        assert got[col].fillna("").astype(str).tolist() == expected[col].tolist(), col
    code, _, err = run_cli("parse", *logs, "--out", str(out), "--scheduler", cluster.address)
    assert code == 3 and "new or empty folder" in err


TRAIN_CONFIG = """
name = "{name}"
[input]
format = "log"
path = "{log}"
log_format = "<Date> <Time> <Pid> <Level> <Component>: <Content>"
normal_labels = ["Normal"]
[windowing]
kind = "session"
id_pattern = 'blk_-?\\d+'
labels_path = "{labels}"
labels_id_column = "BlockId"
labels_column = "Label"
[model]
kind = "forest"
[split]
kind = "ratio"
train_fraction = 0.7
order = "random"
{engine}
"""


def test_train_on_the_cluster_gives_the_same_model(cluster, bench_data, tmp_path, run_cli):
    """`rca train --config` with [engine] on the cluster: sessions are cut from the parsed
    rows by a shuffle on the block id, the forest is fitted through joblib's Dask backend;
    `rca predict` loads the model like any other and predicts exactly what the locally
    trained model predicts."""
    log = tmp_path / "hdfs.log"
    log.write_text("".join((bench_data / "hdfs" / "HDFS_first20000.log").open().readlines()[:8000]))
    labels = bench_data / "hdfs" / "HDFS_first20000_block_labels.csv"
    engine = f'[engine]\nkind = "dask"\nscheduler = "{cluster.address}"\npartition_size = "128KB"'
    models = tmp_path / "models"
    scores = {}
    prefixes_before = task_prefixes(cluster)
    for name, eng in (("local", ""), ("dask", engine)):
        cfg = tmp_path / f"{name}.toml"
        cfg.write_text(TRAIN_CONFIG.format(name=name, log=log, labels=labels, engine=eng))
        code, _, err = run_cli("train", "--config", str(cfg), "--models-dir", str(models))
        assert code == 0, err
        manifest = json.loads((models / name / "v1" / "manifest.json").read_text())
        assert manifest["training_data"]["sessions"] > 300
        out = tmp_path / f"{name}-scores.csv"
        code, _, err = run_cli("predict", str(log), "--model", str(models / name / "v1"),
                               "--out", str(out))
        assert code == 0, err
        scores[name] = (read_csv(out), manifest)
    assert not any("parallel_build_trees" in k for k in prefixes_before)
    assert any("parallel_build_trees" in k for k in task_prefixes(cluster))  # trees on workers
    (local, m_local), (dask, m_dask) = scores["local"], scores["dask"]
    assert m_dask["training_data"]["fingerprint"] == m_local["training_data"]["fingerprint"]
    assert m_dask["feature_names"] == m_local["feature_names"]
    pd.testing.assert_frame_equal(dask, local)
    assert local["prediction"].astype(int).sum() > 0


def test_feature_frames_on_the_cluster_equal_one_process(cluster, bench_data, tmp_path):
    """Sessions (shuffle by id) and fixed windows (shuffle by window) from the Dask events
    equal rca.features' builders on the single-process events frame, across two files."""
    from distributed import Client

    from rca.engine.frames import dask_events
    from rca.features import sessions_from_events, time_windows

    logs = [str(bench_data / "loghub_2k" / s / f"{s}_2k.log") for s in ("Zookeeper", "Hadoop")]
    miner = TemplateMiner()
    events = api.events_frame(api.parse_events(logs, miner=miner))
    events["template_id"] = events["template_id"].map(miner.resolve)
    pattern = r"0x[0-9a-f]{10,}|attempt_\d+_\d+_[mr]_\d+"
    with Client(cluster.address, timeout=10) as client, \
            dask_events(client, logs, TemplateMiner(), partition_bytes=32 << 10,
                        work_dir=str(tmp_path)) as ev:
        assert ev.frame.npartitions > 4
        got = {"sessions": ev.sessions(pattern), "windows": ev.windows("10min"),
               "by_service": ev.windows("1h", by="service")}
    expected = {"sessions": sessions_from_events(events, pattern),
                "windows": time_windows(events, "10min"),
                "by_service": time_windows(events, "1h", by="service")}
    for name, want in expected.items():
        have = got[name]
        assert len(want) > 20, name
        assert list(have.columns) == list(want.columns), name
        for col in have.columns:
            a, b = have[col], want[col]
            if col in ("start", "end"):
                a, b = a.astype("datetime64[us, UTC]"), b.astype("datetime64[us, UTC]")
            assert a.tolist() == b.tolist(), (name, col)


def test_unreachable_scheduler_is_a_one_line_error(tmp_path, run_cli):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "a.log"
    log.write_text("hello\n")
    code, out, err = run_cli("parse", str(log), "--scheduler", f"tcp://127.0.0.1:{port}")
    assert code == 3
    assert err.strip().count("\n") == 0
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in err


def test_worker_killed_mid_job_loses_and_doubles_nothing(cluster, bench_data, tmp_path):
    """The job goes on on the other worker; Dask reruns the lost worker's partitions and their
    row files are replaced, not added, so every line is there exactly once."""
    from distributed import Client

    from rca.engine import parse_job

    log = bench_data / "hdfs" / "HDFS_first20000.log"
    fmt = "<Date> <Time> <Pid> <Level> <Component>: <Content>"
    killed = []

    def kill_once(stats):
        if not killed:
            cluster.kill_worker()
            killed.append(stats.records)

    out = tmp_path / "rows.csv"
    with Client(cluster.address, timeout=10) as client:
        job = parse_job(client, [log], TemplateMiner(), out=out, log_format=fmt,
                        partition_bytes=64 << 10, on_progress=kill_once)
    assert killed and killed[0] < 20000  # the worker died with partitions still to read
    rows = read_csv(out)
    assert job.stats.records == len(rows) == 20000
    assert rows["line"].astype(int).tolist() == list(range(1, 20001))
    expected = read_csv_lines(log)
    assert rows["message"].tolist() == expected
    cluster.add_worker()
    cluster.wait_for(2)


def read_csv_lines(log) -> list[str]:
    return [ln.split(": ", 1)[1] for ln in log.read_text().splitlines()]


def test_local_cluster_workers_skip_dashboard_profiling():
    """A cluster started for one job (``--workers N``) runs its workers without the
    dashboard's statistical profiler and disk counters and with a coarse event-loop health
    check (a few % of every worker's CPU); the setting reaches the worker processes, not just
    this one."""
    import dask

    from rca.engine import EngineSpec, dask_client

    def settings():
        return (dask.config.get("distributed.worker.profile.enabled"),
                dask.config.get("distributed.admin.system-monitor.disk"),
                dask.config.get("distributed.admin.tick.interval"))

    with dask_client(EngineSpec.from_options(workers=1)) as client:
        on_workers = client.run(settings)
        assert client.submit(sum, [1, 2]).result() == 3
    assert list(on_workers.values()) == [(False, False, "1s")]
    assert settings()[:2] == (True, True)  # this process's settings are left as they were

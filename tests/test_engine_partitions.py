"""rca.engine without a cluster: partitions, the map step and the merge run in this process
and must give exactly what one process parsing the files in order gives."""

from __future__ import annotations

import doctest
import gzip
import importlib

import pandas as pd
import pytest

from rca import api
from rca.engine.job import _line_offsets
from rca.engine.merge import merge_partitions
from rca.engine.mine import map_partition
from rca.engine.output import finish_partition
from rca.engine.partition import parse_size, plan_partitions
from rca.errors import ConfigError
from rca.ingest import ReadStats, read_records
from rca.templates import TemplateMiner


@pytest.mark.parametrize("name", ["rca.engine.partition"])
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted and not result.failed


def java_log(path, n=400):
    """Log4j-style lines with Java stack traces every few records (continuation lines)."""
    lines = []
    for i in range(n):
        lines.append(f"2024-03-0{1 + i % 9} 12:{i % 60:02d}:0{i % 10},123 INFO orders.db: "
                     f"order {1000 + i} placed by user{i % 13} in {i % 97}ms")
        if i % 7 == 3:
            lines.append(f"2024-03-01 12:00:00,000 ERROR orders.db: query failed on shard {i}")
            lines.append("java.sql.SQLException: connection reset")
            lines.append(f"\tat com.acme.Db.query(Db.java:{i})")
            lines.append("\tat com.acme.Orders.place(Orders.java:88)")
            lines.append("Caused by: java.io.IOException: broken pipe")
            lines.append("\t... 12 more")
        if i % 50 == 0:
            lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def one_process(paths, log_format=None):
    miner = TemplateMiner()
    frame = api.events_frame(api.parse_events(paths, log_format=log_format, miner=miner))
    frame["template_id"] = frame["template_id"].map(miner.resolve)
    frame["template"] = frame["template_id"].map(miner.templates)
    return frame, miner


def in_process(paths, tmp_path, partition_bytes, log_format=None):
    """The engine's three steps, run here instead of on workers."""
    parts = plan_partitions(paths, partition_bytes)
    work = tmp_path / "work"
    work.mkdir()
    results = [map_partition(p, log_format=log_format, workdir=str(work)) for p in parts]
    miner = TemplateMiner()
    merged = merge_partitions(results, miner)
    offsets = _line_offsets(results)
    frames = []
    for k, r in enumerate(results):
        out = tmp_path / f"part-{k}.parquet"
        finish_partition(r.rows_path, merged.ids[k], merged.texts[k], offsets[k], str(out), None)
        frames.append(pd.read_parquet(out))
    return pd.concat(frames, ignore_index=True), miner, parts, results


@pytest.mark.parametrize("log_format", [None, "text"])
def test_byte_ranges_keep_stack_traces_and_equal_one_process(tmp_path, log_format):
    log = java_log(tmp_path / "orders.log")
    expected, miner1 = one_process([log], log_format)
    got, miner2, parts, results = in_process([log], tmp_path, 2048, log_format)
    assert len(parts) > 10  # many cuts, some inside stack traces
    stats = ReadStats()
    for _ in read_records([log], log_format=log_format, stats=stats):
        pass
    for field in ("lines", "records", "multiline_lines", "unparsed"):
        assert sum(r.stats[field] for r in results) == getattr(stats, field), field
    assert stats.multiline_lines > 200
    assert sorted(miner1.templates.values()) == sorted(miner2.templates.values())
    assert miner1.sizes == miner2.sizes
    cols = ["source", "line", "service", "level", "template_id", "template", "message", "flags"]
    pd.testing.assert_frame_equal(got[cols].astype(str), expected[cols].astype(str))
    assert (got["timestamp"] == expected["timestamp"]).all()


def test_template_sizes_are_replayed_not_just_first_messages(tmp_path):
    """Word positions become variables on evidence that depends on how often each word was
    seen (rare words vote, frequent ones do not). Names seen 40 times each stay separate
    templates in one process; a merge that learnt each distinct message once would vote
    them into one. The replay keeps them apart, as one process does."""
    names = ["alice", "bob", "carol", "dave", "erin", "frank"]
    lines = [f"2024-01-01 00:{k // 60:02d}:{k % 60:02d},000 INFO disk.quota: Disk "
             f"quota warning for account {name} on volume home" for k, name in
             enumerate(n for n in names for _ in range(40))]
    log = tmp_path / "auth.log"
    log.write_text("\n".join(lines) + "\n")
    expected, miner1 = one_process([log])
    got, miner2, parts, _ = in_process([log], tmp_path, 2048)
    assert len(parts) > 4
    assert len(miner1.templates) == len(names)  # no vote: the names are not rare
    assert miner2.templates == miner1.templates and miner2.sizes == miner1.sizes
    assert got["template_id"].tolist() == expected["template_id"].tolist()
    once = TemplateMiner()
    for line in dict.fromkeys(m for m in expected["message"]):
        once.add(line)
    assert len(once.templates) < len(names)  # learning each message once would merge them


def test_compressed_files_are_one_partition_and_folders_expand(tmp_path):
    (tmp_path / "logs").mkdir()
    plain = java_log(tmp_path / "logs" / "a.log")
    gz = tmp_path / "logs" / "b.log.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    parts = plan_partitions([tmp_path / "logs"], 4096)
    assert [p.path for p in parts if p.path.endswith(".gz")] == [str(gz)]
    assert len([p for p in parts if p.path.endswith("a.log")]) > 1
    expected, _ = one_process([tmp_path / "logs"])
    got, _, _, _ = in_process([tmp_path / "logs"], tmp_path, 4096)
    assert list(got["service"].unique()) == ["a", "b"]
    assert got[["source", "line", "template_id"]].astype(str).equals(
        expected[["source", "line", "template_id"]].astype(str))


def test_bad_partition_size_is_a_config_error():
    with pytest.raises(ConfigError, match="not like 32MB"):
        parse_size("lots")


@pytest.mark.parametrize("engine, message", [
    ('kind = "dask"\nworkers = 0', "workers must be at least 1"),
    ('kind = "dask"\nworkers = 2\nscheduler = "tcp://h:8786"', "not both"),
    ('kind = "local"\nworkers = 2', "need engine kind 'dask'"),
    ('kind = "spark"', "engine.kind: Input should be 'local' or 'dask'"),
    ('kind = "dask"\nscheduler = "not an address"', "is not like tcp://host:8786"),
    ('kind = "dask"\nworkers = 2\npartition_size = "huge"', "not like 32MB"),
    ('kind = "dask"\nthreads = 2', "unknown key 'engine.threads'"),
])
def test_engine_section_is_checked(tmp_path, engine, message):
    from rca.train.config import load_config

    cfg = tmp_path / "c.toml"
    cfg.write_text(f'name = "x"\n[input]\nformat = "sessions_csv"\npath = "s.csv"\n'
                   f'[model]\nkind = "forest"\n[engine]\n{engine}\n')
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_config(cfg)


def test_engine_section_defaults_to_this_process(tmp_path):
    from rca.train.config import load_config

    cfg = tmp_path / "c.toml"
    cfg.write_text('name = "x"\n[input]\nformat = "sessions_csv"\npath = "s.csv"\n'
                   '[model]\nkind = "forest"\n')
    assert load_config(cfg).engine["kind"] == "local"


@pytest.mark.parametrize("max_cache", [100_000, 3])
def test_merge_counts_repeats_in_bulk_as_record_by_record(tmp_path, max_cache):
    """The merge mines only masked forms new to the miner and adds the records between them
    to template sizes in bulk (TemplateMiner.add_known); that is what feeding every record
    to the miner gives, also when the miner's cache is too small to remember every form
    (then the records are fed one by one)."""
    log = tmp_path / "mixed.log"
    words = ["alpha", "bravo", "delta", "echo", "golf", "hotel", "india", "kilo", "lima"]
    lines = []
    for i in range(1500):
        kind = i % 5
        msg = [f"user {words[i * 7 % 9]}{'x' * (i % 4)} opened session {i} on host{i % 3}",
               f"nodes down: {' '.join(f'10.0.{j}.{i % 250}' for j in range(1 + i % 4))}",
               ["VM Started", "VM Paused", "VM Resumed"][i % 3],
               f"Took {i / 10:.1f}s to spawn instance {i} of {'abc'[i % 3] * (1 + i % 2)}",
               f"sent {i} bytes ({i / 1000:.2f} KB) to peer {i % 11}"][kind]
        lines.append(f"2024-01-01 00:{i // 60 % 60:02d}:{i % 60:02d},000 INFO svc.core: {msg}")
    log.write_text("\n".join(lines) + "\n")
    parts = plan_partitions([log], 4096)
    results = [map_partition(p) for p in parts]
    bulk = TemplateMiner(max_cache=max_cache)
    merged = merge_partitions(results, bulk)
    by_record = TemplateMiner(max_cache=max_cache)
    for res in results:
        for code in res.codes.tolist():
            by_record.add(res.masked[code][1])
    assert len(parts) > 10 and len(bulk.templates) > 5 and merged.aliases  # generalised
    assert bulk.templates == by_record.templates and bulk.sizes == by_record.sizes
    assert sum(merged.counts.values()) == sum(len(r.codes) for r in results)
    assert bulk.to_json() == by_record.to_json()


def test_add_known_refuses_forms_the_miner_does_not_remember():
    miner = TemplateMiner()
    miner.add("disk sda full at 91%")
    before = miner.to_json()
    assert not miner.add_known({"disk <*> full at <*>": 2, "never seen": 1})
    assert miner.to_json() == before  # nothing changed
    masked = miner.masker_.mask("disk sda full at 91%")[0]
    assert miner.add_known({masked: 4})
    assert sum(miner.sizes.values()) == 5


def test_local_cluster_forks_its_workers_unless_a_start_method_was_chosen(monkeypatch):
    import sys

    from rca.engine.cluster import _local_config

    key = "distributed.worker.multiprocessing-method"
    monkeypatch.delenv("DASK_DISTRIBUTED__WORKER__MULTIPROCESSING_METHOD", raising=False)
    forks = sys.platform.startswith("linux") and sys.version_info < (3, 12)
    assert _local_config().get(key) == ("fork" if forks else None)
    assert _local_config()["distributed.worker.profile.enabled"] is False
    monkeypatch.setenv("DASK_DISTRIBUTED__WORKER__MULTIPROCESSING_METHOD", "spawn")
    assert key not in _local_config()  # the user's choice stands, even Dask's default


def test_a_miner_that_needs_every_message_is_refused(tmp_path):
    """With const_min a template's constants depend on each message's masked values; the
    merge sees one message per masked form, so the engine refuses such a miner up front
    (and add_known never counts in bulk for it)."""
    from rca.engine.job import parse_job

    miner = TemplateMiner(const_min=3)
    miner.add("GET /index.html over http2 in 12 ms")
    masked = miner.masker_.mask("GET /index.html over http2 in 12 ms")[0]
    assert not miner.add_known({masked: 2})
    log = tmp_path / "a.log"
    log.write_text("hello\n")
    with pytest.raises(ConfigError, match="const_min"):
        parse_job(None, [log], miner)


@pytest.mark.parametrize("system", ["HDFS", "BGL", "Proxifier"])
def test_loghub_formats_read_column_wise_equal_one_process(tmp_path, bench_data, system):
    """With a Loghub format string the workers read column-wise, masking once per digit
    shape (as one-process rca parse reads): the same rows, templates and counts."""
    import json

    log = bench_data / "loghub_2k" / system / f"{system}_2k.log"
    fmt = json.loads((bench_data / "loghub_2k" / "drain_settings.json").read_text()
                     )["datasets"][system]["log_format"]
    expected, miner1 = one_process([log], fmt)
    got, miner2, parts, results = in_process([log], tmp_path, 32 << 10, fmt)
    assert len(parts) > 4
    assert sum(len(r.masked) for r in results) < sum(len(r.codes) for r in results)
    assert miner2.templates == miner1.templates and miner2.sizes == miner1.sizes
    cols = ["source", "line", "service", "host", "level", "template_id", "template", "message",
            "flags"]
    pd.testing.assert_frame_equal(got[cols].astype(str), expected[cols].astype(str))
    assert (got["timestamp"] == expected["timestamp"]).all()
    stats = ReadStats()
    for _ in read_records([log], log_format=fmt, stats=stats):
        pass
    for field in ("lines", "records", "unparsed"):
        assert sum(r.stats[field] for r in results) == getattr(stats, field), field

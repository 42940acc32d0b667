"""The distributed parse job: plan partitions, map them on the workers, merge the template
sets on the client, remap and write the rows on the workers.

Output: ``out`` ending in ``.csv`` is one CSV file (the rows of every partition in reading
order, the same columns as ``rca parse --out``); any other ``out`` is a folder of Parquet
files ``part-00000.parquet``, ... (one per partition, in reading order), readable as one
dataset by pyarrow, pandas or Dask. Workers write there themselves, so on a real cluster
``out`` must be on storage every worker and the client can reach.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from rca.engine.merge import Replay
from rca.engine.mine import map_partition
from rca.engine.output import finish_partition, join_csv
from rca.engine.partition import PARTITION_BYTES, plan_partitions
from rca.errors import ConfigError
from rca.ingest import ReadStats


@dataclass
class JobResult:
    """What the job learnt: read counts, records per template id, the earlier ids of each
    template, and the output files written (Parquet parts or the CSV)."""

    stats: ReadStats
    counts: dict[str, int]
    aliases: dict[str, list[str]]
    files: list[str] = field(default_factory=list)
    partitions: int = 0


def _check_out(out: Path | None) -> tuple[Path | None, bool]:
    if out is None:
        return None, False
    as_csv = out.suffix.lower() == ".csv"
    if not as_csv and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"{out} exists: Parquet output goes to a new or empty folder")
    return out, as_csv


def _masker_rules(miner):
    from rca.templates import Masker

    masker = getattr(miner, "masker_", None)
    if masker is None or masker.to_json() == Masker.default().to_json():
        return None  # workers use their own (cached) default masker
    return masker.to_json()


def _map_task(part, rules, **kw):
    from rca.templates import Masker

    return map_partition(part, masker=Masker.from_json(rules) if rules else None, **kw)


def _add_stats(total: ReadStats, res) -> None:
    for name, value in res.stats.items():
        setattr(total, name, getattr(total, name) + value)
    if res.path not in total.formats:
        total.files += 1
        total.formats[res.path] = res.format


def parse_job(client, paths, miner, *, out=None, log_format=None, service=None, year=None,
              tz="UTC", partition_bytes: int = PARTITION_BYTES, on_progress=None) -> JobResult:
    """Parse ``paths`` on the cluster behind ``client``, learning into ``miner`` (whose
    templates afterwards are those of the whole corpus)."""
    from distributed import as_completed

    from rca.ingest.sniff import make_parser
    from rca.ingest.timestamps import TimeParser

    if getattr(miner, "const_min", 0):
        raise ConfigError("this template state restores constants from every message's masked "
                          "values (const_min), but the Dask merge sees one message per masked "
                          "form: parse it in one process (without --workers/--scheduler)")
    times = TimeParser(year=year, tz=tz)  # bad options fail here, not on every worker
    if log_format not in (None, "", "auto"):
        make_parser(log_format, times)
    out_path, as_csv = _check_out(Path(out) if out else None)
    parts = plan_partitions(paths, partition_bytes)
    workdir = None
    if out_path is not None:
        workdir = out_path.parent / f".{out_path.name}.work-{uuid.uuid4().hex[:8]}"
        workdir.mkdir(parents=True)
    try:
        futures = client.map(_map_task, parts, rules=_masker_rules(miner), pure=False,
                             log_format=log_format, service=service, year=year, tz=tz,
                             workdir=str(workdir) if workdir else None)
        results: list = [None] * len(parts)
        stats = ReadStats()
        replay = Replay(miner)
        for fut in as_completed(futures):
            res = fut.result()
            results[res.index] = res
            _add_stats(stats, res)
            replay.ready(results)  # the merge runs while later partitions are still read
            if on_progress is not None:
                on_progress(stats)
        del futures
        merged = replay.finish(results)
        files = _write(client, results, merged, out_path, as_csv, workdir) if out_path else []
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    return JobResult(stats, merged.counts, merged.aliases, files, len(parts))


def _line_offsets(results) -> list[int]:
    offsets, seen = [], {}
    for res in results:
        offsets.append(seen.get(res.path, 0))
        seen[res.path] = offsets[-1] + res.lines
    return offsets


def _write(client, results, merged, out: Path, as_csv: bool, workdir: Path) -> list[str]:
    if as_csv:
        parquet = [None] * len(results)
        pieces = [str(workdir / f"piece-{k:05d}.csv") for k in range(len(results))]
    else:
        out.mkdir(parents=True, exist_ok=True)
        parquet = [str(out / f"part-{k:05d}.parquet") for k in range(len(results))]
        pieces = [None] * len(results)
    futures = client.map(finish_partition, [r.rows_path for r in results], merged.ids,
                         merged.texts, _line_offsets(results), parquet, pieces,
                         [k == 0 for k in range(len(results))], pure=False)
    client.gather(futures)
    if as_csv:
        join_csv(pieces, out)
        return [str(out)]
    return parquet

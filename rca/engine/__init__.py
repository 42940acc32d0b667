"""Batch work on a Dask cluster: ``rca parse --workers N`` / ``--scheduler ADDRESS`` and the
``[engine]`` section of a training config.

The parse job (:func:`parse_job`) splits the input into partitions (:mod:`.partition`), reads
and masks each on a worker (:mod:`.mine`), merges the per-partition template sets on the
client into one consistent set (:mod:`.merge`, the same templates one process finds) and
remaps and writes every row on the workers (:mod:`.output`). :mod:`.frames` builds sessions
and time windows from the parsed rows as Dask DataFrames. Dask is imported only when a Dask
engine is asked for.
"""

from rca.engine.cluster import EngineSpec, dask_client, joblib_backend
from rca.engine.job import JobResult, parse_job
from rca.engine.partition import PARTITION_BYTES, Partition, plan_partitions

__all__ = ["PARTITION_BYTES", "EngineSpec", "JobResult", "Partition", "dask_client",
           "joblib_backend", "parse_job", "plan_partitions"]

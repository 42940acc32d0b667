"""Prometheus remote write (1.0): a ``prometheus.WriteRequest`` protobuf (sent snappy-compressed,
``Content-Type: application/x-protobuf;proto=prometheus.WriteRequest``) -> the long metrics frame.

The message types are built from their descriptor here (the remote-write ``.proto`` is not
shipped by any package the project depends on); decoding is the protobuf runtime's.
Each sample is a row; ``labels`` hold all the series' labels (``__name__``, ``job``...).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from rca.errors import InputError
from rca.ingest.content import REMOTE_WRITE_TYPE
from rca.ingest.metrics import MetricStats, finish_long, series_name

#: the ``proto`` parameter of a remote-write body's content type
PROTO = REMOTE_WRITE_TYPE.split("proto=")[1]


def is_remote_write(content_type: str | None) -> bool:
    """True for ``application/x-protobuf;proto=prometheus.WriteRequest``."""
    params = (content_type or "").split(";")[1:]
    return any(p.strip().replace('"', "") == f"proto={PROTO}" for p in params)


@lru_cache(maxsize=1)
def _write_request():
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    F = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(name="rca_remote_write.proto", package="prometheus",
                                             syntax="proto3")

    def message(name, *fields):
        m = fdp.message_type.add(name=name)
        for number, fname, ftype, label, type_name in fields:
            m.field.add(name=fname, number=number, type=ftype, label=label,
                        type_name=type_name or None)

    rep, opt = F.LABEL_REPEATED, F.LABEL_OPTIONAL
    message("Label", (1, "name", F.TYPE_STRING, opt, ""), (2, "value", F.TYPE_STRING, opt, ""))
    message("Sample", (1, "value", F.TYPE_DOUBLE, opt, ""), (2, "timestamp", F.TYPE_INT64, opt, ""))
    message("TimeSeries", (1, "labels", F.TYPE_MESSAGE, rep, ".prometheus.Label"),
            (2, "samples", F.TYPE_MESSAGE, rep, ".prometheus.Sample"))
    message("WriteRequest", (1, "timeseries", F.TYPE_MESSAGE, rep, ".prometheus.TimeSeries"))
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("prometheus.WriteRequest"))


def write_request_class():
    """The ``prometheus.WriteRequest`` message class (for clients and tests)."""
    return _write_request()


def read_remote_write(body: bytes, stats: MetricStats | None = None) -> pd.DataFrame:
    """The samples of an (already decompressed) remote-write body as a long frame."""
    from google.protobuf.message import DecodeError

    req = _write_request()()
    try:
        req.ParseFromString(body)
    except DecodeError as exc:
        raise InputError(f"body is not a Prometheus remote-write request ({exc})") from None
    rows = []
    for ts in req.timeseries:
        labels = {lab.name: lab.value for lab in ts.labels}
        name = series_name(labels.get("__name__", "value"), labels)
        for s in ts.samples:
            rows.append((pd.Timestamp(s.timestamp, unit="ms", tz="UTC"), name, s.value, labels))
    stats = stats if stats is not None else MetricStats()
    stats.rows += len(rows)
    return finish_long(pd.DataFrame(rows, columns=["timestamp", "series", "value", "labels"]),
                       stats)

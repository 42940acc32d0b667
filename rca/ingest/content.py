"""Content types and encodings of ingest bodies (HTTP request bodies, files sent by clients).

``media_type`` reduces a ``Content-Type`` header to its lower-case type; :data:`ACCEPTED` lists
what each signal understands (an empty type or curl's default form type means "sniff it");
``check_media_type`` raises :class:`UnsupportedMediaType` for anything else, and
``decompress`` undoes ``Content-Encoding: gzip``/``deflate`` with a bound on the output size.

>>> media_type("application/x-protobuf; charset=binary")
'application/x-protobuf'
>>> check_media_type("logs", "application/json")
'application/json'
>>> check_media_type("logs", "image/png")
Traceback (most recent call last):
...
rca.errors.UnsupportedMediaType: content type 'image/png' is not accepted for logs; send one of: application/json, application/x-ndjson, application/jsonl, application/x-protobuf, application/protobuf, text/plain
>>> looks_binary(b"\\x0a\\x12\\x08service\\x1a\\x02\\x10\\x01" * 10), looks_binary(b"INFO ok\\n")
(True, False)
>>> import gzip
>>> decompress(gzip.compress(b"hello"), "gzip", limit=100)
b'hello'
"""

from __future__ import annotations

import zlib

from rca.errors import InputError, UnsupportedMediaType

PROTOBUF = ("application/x-protobuf", "application/protobuf")
#: the content type of a Prometheus remote-write body (the ``proto`` parameter tells it apart)
REMOTE_WRITE_TYPE = "application/x-protobuf;proto=prometheus.WriteRequest"
#: media types understood per signal; bodies with no type (or curl's form default) are sniffed
ACCEPTED: dict[str, tuple[str, ...]] = {
    "logs": ("application/json", "application/x-ndjson", "application/jsonl", *PROTOBUF,
             "text/plain"),
    "metrics": ("application/json", *PROTOBUF, "text/plain", "application/openmetrics-text"),
}
_SNIFFED = ("", "application/x-www-form-urlencoded")
ENCODINGS = ("identity", "gzip", "x-gzip", "deflate", "snappy")  # snappy: Prometheus remote write


def media_type(content_type: str | None) -> str:
    """``"Application/JSON; charset=utf-8"`` -> ``"application/json"`` ('' when absent)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_protobuf(content_type: str | None) -> bool:
    return media_type(content_type) in PROTOBUF


def check_media_type(signal: str, content_type: str | None) -> str:
    """The media type of ``content_type`` if ``signal`` ("logs"/"metrics") understands it."""
    mt = media_type(content_type)
    accepted = ACCEPTED[signal]
    if mt in _SNIFFED or mt in accepted or mt.endswith("+json"):
        return mt
    raise UnsupportedMediaType(
        f"content type {mt!r} is not accepted for {signal}; send one of: {', '.join(accepted)}",
        accepted)


def looks_binary(body: bytes, sample: int = 4096) -> bool:
    """True when more than 5% of the first ``sample`` bytes are control bytes other than
    tab/newline/CR/form feed/escape: protobuf and other binary data, not text logs."""
    head = body[:sample]
    if not head:
        return False
    ctrl = sum(1 for b in head if (b < 32 and b not in (9, 10, 12, 13, 27)) or b == 127)
    return ctrl > 0.05 * len(head)


def check_text(signal: str, body: bytes) -> None:
    """Refuse (415) a body sent without a content type that is binary, so bytes are never
    stored as text lines."""
    if looks_binary(body):
        raise UnsupportedMediaType(
            f"the {signal} body is binary; OTLP protobuf needs 'Content-Type: "
            f"application/x-protobuf' (accepted: {', '.join(ACCEPTED[signal])})",
            ACCEPTED[signal])


def open_body(signal: str, body: bytes, content_type: str | None,
              content_encoding: str | None, limit: int) -> bytes:
    """A request body ready to read: its media type checked (415), its encoding undone
    (bounded by ``limit``), and binary data without a protobuf type refused (415)."""
    check_media_type(signal, content_type)
    body = decompress(body, content_encoding, limit)
    if not is_protobuf(content_type):
        check_text(signal, body)
    return body


def decompress(body: bytes, content_encoding: str | None, limit: int) -> bytes:
    """``body`` with its ``Content-Encoding`` undone; more than ``limit`` bytes of output is an
    :class:`~rca.errors.InputError` (a decompression bomb is refused, not inflated)."""
    enc = (content_encoding or "identity").strip().lower()
    if enc in ("", "identity"):
        return body
    if enc not in ENCODINGS:
        raise UnsupportedMediaType(
            f"content encoding {enc!r} is not accepted; send one of: {', '.join(ENCODINGS)}",
            ENCODINGS)
    if enc == "snappy":
        return _unsnappy(body, limit)
    wbits = 16 + zlib.MAX_WBITS if enc in ("gzip", "x-gzip") else zlib.MAX_WBITS
    d = zlib.decompressobj(wbits)
    try:
        out = d.decompress(body, limit + 1)
    except zlib.error as exc:
        raise InputError(f"body is not valid {enc} data ({exc})") from None
    if len(out) > limit or d.unconsumed_tail:
        raise InputError(f"body inflates to more than {limit} bytes")
    if not d.eof:
        raise InputError(f"body is truncated {enc} data")
    return out


def _unsnappy(body: bytes, limit: int) -> bytes:
    """Snappy block format (remote write); the size in its header is checked first."""
    size, shift = 0, 0
    for b in body[:10]:
        size |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            break
    if size > limit:
        raise InputError(f"body inflates to more than {limit} bytes")
    import cramjam

    try:
        return bytes(cramjam.snappy.decompress_raw(body))
    except Exception as exc:  # cramjam.DecompressionError
        raise InputError(f"body is not valid snappy data ({exc})") from None

"""Syslog in: RFC 3164 and RFC 5424 messages over TCP (octet counting or newline framing,
RFC 6587) and UDP (one message per datagram), on ``syslog_host:syslog_port``.

Off unless ``syslog_port`` is set; loopback unless ``syslog_host`` says otherwise. Messages
go through the same path as ``POST /v1/logs`` with ``text/plain`` (the ingest stage's syslog
parser, the group-commit writer): a batch is flushed every ``FLUSH_SECONDS`` or
``FLUSH_MESSAGES``, and retried while the ingest queue is full. A newline inside one framed
message is kept as the two characters ``\\n`` (the body is one message per line).
"""

from __future__ import annotations

import asyncio
import logging

from rca import api

log = logging.getLogger("rca.service")
FLUSH_SECONDS = 0.2
FLUSH_MESSAGES = 2000
MAX_PENDING = 200_000


class SyslogListener:
    """``await start()`` binds TCP and UDP; ``await stop()`` closes them and flushes."""

    def __init__(self, runtime, host: str, port: int):
        self.rt, self.host, self.port = runtime, host, port
        self._pending: list[str] = []
        self._servers: list = []
        self._flusher: asyncio.Task | None = None
        self.received = 0
        self.dropped = 0
        self._stopping = False

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        tcp = await asyncio.start_server(self._client, self.host, self.port, reuse_port=True)
        udp, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(self),
                                                     local_addr=(self.host, self.port),
                                                     reuse_port=True)
        self._servers = [tcp, udp]
        self._flusher = asyncio.create_task(self._flush_loop())
        log.info("syslog listening on %s:%s (tcp, udp)", self.host, self.port)

    async def stop(self) -> None:
        self._stopping = True
        tcp, udp = self._servers or (None, None)
        if tcp is not None:
            tcp.close()
            udp.close()
        if self._flusher is not None:
            self._flusher.cancel()
            try:
                await self._flusher
            except asyncio.CancelledError:
                pass
        await self.flush()

    def add(self, messages: list[str]) -> None:
        room = MAX_PENDING - len(self._pending)
        if room < len(messages):
            self.dropped += len(messages) - max(room, 0)
            messages = messages[: max(room, 0)]
        self.received += len(messages)
        self._pending += [m.rstrip("\r\n").replace("\n", "\\n") for m in messages]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        framer = api.syslog_framer()
        try:
            while data := await reader.read(65536):
                self.add(framer.feed(data))
            self.add(framer.close())
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await self.flush()

    async def flush(self) -> None:
        from rca.service.runtime import Rejected

        while self._pending:
            batch = self._pending[:FLUSH_MESSAGES]
            try:
                await self.rt.ingest("logs", "\n".join(batch).encode(), "text/plain", None)
            except Rejected as exc:
                if exc.status in (429, 503) and not self._stopping:  # busy: keep it, retry
                    await asyncio.sleep(0.5)
                    continue
                log.warning("syslog batch refused: %s", exc.message)
                self.dropped += len(batch)
            del self._pending[: len(batch)]


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, listener: SyslogListener):
        self.listener = listener

    def datagram_received(self, data: bytes, addr) -> None:
        self.listener.add([data.decode("utf-8", "replace")])

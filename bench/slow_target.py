"""The slow-calls scenario's HTTP target: ``python bench/slow_target.py PORT HOLD_S``.

Every request is answered after ``HOLD_S`` seconds (an endpoint that does its work and answers,
as most cron targets do), with keep-alive; it notes when each request arrived and how many it
held at once. ``GET /__stats`` answers at once with ``{"arrivals": [[epoch ms, path], ...],
"at_once": n, "most_at_once": n}``; ``GET /__reset`` forgets them.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import cast

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
BACKLOG = 4096  # a thousand calls at once connect without a retry


class Stats:
    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str]] = []
        self.at_once = 0
        self.most_at_once = 0

    def body(self) -> bytes:
        return json.dumps(
            {"arrivals": self.arrivals, "at_once": self.at_once, "most_at_once": self.most_at_once}
        ).encode()


class _Slow(asyncio.Protocol):
    def __init__(self, stats: Stats, hold_s: float) -> None:
        self._stats = stats
        self._hold_s = hold_s
        self._buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while b"\r\n\r\n" in self._buffer:  # the scenario's clients send GETs, without a body
            head, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            if path.startswith("/__"):
                self._control(path)
                continue
            stats = self._stats
            stats.arrivals.append((time.time() * 1000, path))
            stats.at_once += 1
            stats.most_at_once = max(stats.most_at_once, stats.at_once)
            asyncio.get_running_loop().call_later(self._hold_s, self._answer)

    def _answer(self) -> None:
        self._stats.at_once -= 1
        if not self._transport.is_closing():
            self._transport.write(ANSWER)

    def _control(self, path: str) -> None:
        if path == "/__reset":
            self._stats.arrivals.clear()
            self._stats.most_at_once = self._stats.at_once
        body = self._stats.body()
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nContent-Type: application/json\r\n\r\n"
        self._transport.write(head.encode() + body)


def main() -> None:
    port, hold_s = int(sys.argv[1]), float(sys.argv[2])
    stats = Stats()

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _Slow(stats, hold_s), "127.0.0.1", port, backlog=BACKLOG)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    main()

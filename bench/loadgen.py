"""A closed-loop HTTP/1.1 load generator: ``python bench/loadgen.py URL [options]``, or ``measure()``.

A fixed number of keep-alive connections, each sending its next request as soon as the previous
answer is read (closed loop: the server's speed sets the rate). Requests are written as raw bytes on
asyncio streams, on uvloop when it is installed: much lighter than an HTTP client library, so the
generator is not what limits the rate (``--serve-trivial`` starts a trivial server to show how far it
goes). A warm-up is sent and discarded, then every request completed within a fixed window is
counted: requests/s, latency p50 and p99 (per request, nearest-rank) and the count of each status.
A non-2xx status or a broken connection is an error; the caller fails the measurement on it.

Given several targets (the peer and Unicron), it drives one at a time and cuts each one's window
into turns taken A B B A A B ... (``--slices``): a machine that slows down for a few seconds, as a
shared VM does, then slows every target alike, and their ratio holds still.

The bench scenarios run it as its own process pinned to the side CPU (``bench/api_submit.py``), so
it never shares the measured process's core; ``--json`` prints a JSON list, one result a target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import cast
from urllib.parse import urlsplit

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0


@dataclass
class Result:
    """What one measurement saw within its window (the warm-up excluded)."""

    requests: int
    window_s: float
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int] = field(default_factory=dict)  # "201" -> count; "error" for a failure
    connections: int = 0
    answered: int = 0  # every answer, the warm-up's and the window's tail too

    @property
    def errors(self) -> int:
        """Answers that were not 2xx, and requests that got no answer."""
        return sum(n for status, n in self.statuses.items() if not status.startswith("2"))


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (as bench/common.py's)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * pct / 100) - 1)] if ordered else math.nan


def request_bytes(
    url: str, *, method: str = "POST", body: bytes = b"", headers: Sequence[tuple[str, str]] = ()
) -> bytes:
    """One HTTP/1.1 keep-alive request, built once and sent as is every time."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Reads one response (Content-Length or chunked body); returns its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = -1
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value)
        elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)  # the chunk and its CRLF
            if size == 0:
                break
    elif length > 0:
        await reader.readexactly(length)
    return status


@dataclass(frozen=True)
class Target:
    """A URL and the request sent to it, built once."""

    url: str
    request: bytes

    @classmethod
    def of(
        cls, url: str, *, method: str = "POST", body: bytes = b"", headers: Sequence[tuple[str, str]] = ()
    ) -> Target:
        return cls(url=url, request=request_bytes(url, method=method, body=body, headers=headers))


@dataclass
class _Tally:
    """What one target's connections saw within its counted windows."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    answered: int = 0  # every answer, the warm-up's and the settling's too

    def result(self, connections: int, window_s: float) -> Result:
        ms = [s * 1000 for s in self.latencies]
        return Result(
            requests=len(ms),
            window_s=window_s,
            rps=len(ms) / window_s,
            p50_ms=percentile(ms, 50),
            p99_ms=percentile(ms, 99),
            max_ms=max(ms, default=math.nan),
            statuses=dict(self.statuses),
            connections=connections,
            answered=self.answered,
        )


_Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _closed_loop(
    conn: _Connection, request: bytes, tally: _Tally, count_from: float, stop: float
) -> bool:
    """Sends ``request`` on one keep-alive connection, the next as soon as an answer is read, until
    ``stop``; counts the answers read between ``count_from`` and ``stop``. False if it broke."""
    reader, writer = conn
    clock = time.perf_counter
    while (sent := clock()) < stop:
        writer.write(request)
        try:
            status = await asyncio.wait_for(_read_response(reader), READ_TIMEOUT_S)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            tally.statuses["error"] += 1
            return False
        done = clock()
        tally.answered += 1
        if count_from <= done <= stop:
            tally.latencies.append(done - sent)
            tally.statuses[str(status)] += 1
    return True


async def _phase(
    pool: list[_Connection], request: bytes, tally: _Tally, count_from: float, stop: float
) -> None:
    """Every connection of ``pool`` in a closed loop until ``stop``; a broken one leaves the pool."""
    alive = await asyncio.gather(*(_closed_loop(c, request, tally, count_from, stop) for c in pool))
    for conn, ok in zip(list(pool), alive, strict=True):
        if not ok:
            conn[1].close()
            pool.remove(conn)


async def run(
    targets: Sequence[Target],
    *,
    connections: int,
    warmup_s: float,
    duration_s: float,
    slices: int = 1,
    settle_s: float = 0.1,
) -> list[Result]:
    """Drives each target with ``connections`` keep-alive connections of its own, one target at a
    time: ``warmup_s`` each, not counted; then ``duration_s`` each, counted, cut into ``slices``
    turns taken A B B A A B ... (each target as often first as second), so that a machine slowing
    down for a few seconds slows every target alike. A turn starts with ``settle_s`` not counted (the
    connections were idle) and drains its answers before the next target's turn."""
    pools: list[list[_Connection]] = []
    try:
        for target in targets:
            parts = urlsplit(target.url)
            host, port = parts.hostname or "127.0.0.1", parts.port or 80
            connect = (
                asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT_S)
                for _ in range(connections)
            )
            pools.append(list(await asyncio.gather(*connect)))
        clock = time.perf_counter
        for target, pool in zip(targets, pools, strict=True):
            await _phase(pool, target.request, _Tally(), math.inf, clock() + warmup_s)
        tallies = [_Tally() for _ in targets]
        turn_s = duration_s / slices
        order = list(range(len(targets)))
        for i in range(slices):
            for t in order if i % 2 == 0 else reversed(order):
                count_from = clock() + settle_s
                await _phase(pools[t], targets[t].request, tallies[t], count_from, count_from + turn_s)
    finally:
        for pool in pools:
            for _, writer in pool:
                writer.close()
    return [tally.result(connections, duration_s) for tally in tallies]


def measure(
    targets: Sequence[Target],
    *,
    connections: int,
    warmup_s: float,
    duration_s: float,
    slices: int = 1,
    settle_s: float = 0.1,
) -> list[Result]:
    """``run`` on a fresh event loop (uvloop's when installed)."""
    coro = run(
        targets,
        connections=connections,
        warmup_s=warmup_s,
        duration_s=duration_s,
        slices=slices,
        settle_s=settle_s,
    )
    try:
        import uvloop  # noqa: PLC0415 - optional, and only where a loop is started

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


# -- a trivial server, to show what the generator itself can push ---------------------------------


class _Trivial(asyncio.Protocol):
    """Answers every request with a fixed 201 (one request per read: enough for a closed loop)."""

    ANSWER = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.transport.write(self.ANSWER * data.count(b"HTTP/1.1\r\n"))


def serve_trivial(port: int) -> None:
    """Serves ``_Trivial`` on 127.0.0.1:``port`` until killed."""

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Trivial, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    try:
        import uvloop  # noqa: PLC0415

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())


def _headers(lines: Sequence[str]) -> list[tuple[str, str]]:
    return [(name.strip(), value.strip()) for name, _, value in (h.partition(":") for h in lines)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="*", help="a target (with the common headers)")
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        type=json.loads,
        help='a target with headers of its own, as JSON: {"url": URL, "headers": ["Name: value"]}',
    )
    parser.add_argument("--method", default="POST")
    parser.add_argument("--body", default="", help="the request body (sent as is)")
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value' for every target")
    parser.add_argument("-c", "--connections", type=int, default=16, help="per target")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds sent to each target, not counted")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds counted for each target")
    parser.add_argument("--slices", type=int, default=1, help="turns each target's duration is cut into")
    parser.add_argument("--settle", type=float, default=0.1, help="seconds not counted at a turn's start")
    parser.add_argument("--json", action="store_true", help="print a JSON list, one result a target")
    parser.add_argument("--serve-trivial", action="store_true", help="serve a fixed 201 on URL's port")
    args = parser.parse_args()
    if args.serve_trivial:
        serve_trivial(urlsplit(args.url[0]).port or 80)
        return 0
    specs = [{"url": url} for url in args.url] + args.target
    if not specs:
        parser.error("give at least one URL or --target")
    targets = [
        Target.of(
            spec["url"],
            method=args.method,
            body=args.body.encode(),
            headers=_headers([*args.header, *spec.get("headers", [])]),
        )
        for spec in specs
    ]
    results = measure(
        targets,
        connections=args.connections,
        warmup_s=args.warmup,
        duration_s=args.duration,
        slices=args.slices,
        settle_s=args.settle,
    )
    if args.json:
        print(json.dumps([asdict(r) for r in results]))
    else:
        for target, r in zip(targets, results, strict=True):
            print(
                f"{target.url}: {r.rps:,.0f} req/s, p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, "
                f"max {r.max_ms:.2f} ms, {r.connections} connections, statuses {r.statuses}"
            )
    return 1 if any(r.errors or not r.requests for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

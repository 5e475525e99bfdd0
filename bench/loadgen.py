"""A closed-loop HTTP/1.1 load generator: ``python bench/loadgen.py URL [options]``, or ``measure()``.

A fixed number of keep-alive connections, each sending its next request as soon as the previous
answer is read (closed loop: the server's speed sets the rate). Requests are written as raw bytes on
asyncio streams, on uvloop when it is installed: much lighter than an HTTP client library, so the
generator is not what limits the rate (``--self-test`` shows how far it goes against a trivial
server). A warm-up is sent and discarded, then every request completed within a fixed window is
counted: requests/s, latency p50 and p99 (per request, nearest-rank) and the count of each status.
A non-2xx status or a broken connection is an error; the caller fails the measurement on it.

The bench scenarios run it as its own process pinned to the side CPU (``bench/api_submit.py``), so
it never shares the measured process's core; ``--json`` prints the result as one JSON object.
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


@dataclass
class _Plan:
    """What every connection of one measurement shares: the request, the window, the tallies."""

    host: str
    port: int
    request: bytes
    start: float  # perf_counter at the end of the warm-up
    stop: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    answered: int = 0  # every answer, the warm-up's too


async def _connection(plan: _Plan) -> None:
    """One keep-alive connection in a closed loop until ``plan.stop``; records the requests
    answered between ``plan.start`` (the end of the warm-up) and ``plan.stop``."""
    connect = asyncio.open_connection(plan.host, plan.port)
    reader, writer = await asyncio.wait_for(connect, CONNECT_TIMEOUT_S)
    clock = time.perf_counter
    try:
        while True:
            sent = clock()
            if sent >= plan.stop:
                return
            writer.write(plan.request)
            try:
                status = await asyncio.wait_for(_read_response(reader), READ_TIMEOUT_S)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                plan.statuses["error"] += 1
                return
            done = clock()
            plan.answered += 1
            if plan.start <= done <= plan.stop:
                plan.latencies.append(done - sent)
                plan.statuses[str(status)] += 1
    finally:
        writer.close()


async def run(
    url: str,
    *,
    connections: int,
    warmup_s: float,
    duration_s: float,
    method: str = "POST",
    body: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
) -> Result:
    """Drives ``url`` with ``connections`` closed-loop connections: ``warmup_s``, then ``duration_s``
    measured."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = request_bytes(url, method=method, body=body, headers=headers)
    start = time.perf_counter() + warmup_s
    plan = _Plan(host=host, port=port, request=request, start=start, stop=start + duration_s)
    await asyncio.gather(*(_connection(plan) for _ in range(connections)))
    ms = [s * 1000 for s in plan.latencies]
    return Result(
        requests=len(ms),
        window_s=duration_s,
        rps=len(ms) / duration_s,
        p50_ms=percentile(ms, 50),
        p99_ms=percentile(ms, 99),
        max_ms=max(ms, default=math.nan),
        statuses=dict(plan.statuses),
        connections=connections,
        answered=plan.answered,
    )


def measure(
    url: str,
    *,
    connections: int,
    warmup_s: float,
    duration_s: float,
    method: str = "POST",
    body: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
) -> Result:
    """``run`` on a fresh event loop (uvloop's when installed)."""
    coro = run(
        url,
        connections=connections,
        warmup_s=warmup_s,
        duration_s=duration_s,
        method=method,
        body=body,
        headers=headers,
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--method", default="POST")
    parser.add_argument("--body", default="", help="the request body (sent as is)")
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("-c", "--connections", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds sent and not counted")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument("--serve-trivial", action="store_true", help="serve a fixed 201 on URL's port")
    args = parser.parse_args()
    if args.serve_trivial:
        serve_trivial(urlsplit(args.url).port or 80)
        return 0
    headers = [tuple(part.strip() for part in h.split(":", 1)) for h in args.header]
    result = measure(
        args.url,
        connections=args.connections,
        warmup_s=args.warmup,
        duration_s=args.duration,
        method=args.method,
        body=args.body.encode(),
        headers=[(name, value) for name, value in headers],
    )
    if args.json:
        print(json.dumps(asdict(result)))
    else:
        print(
            f"{result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
            f"max {result.max_ms:.2f} ms, {result.connections} connections, statuses {result.statuses}"
        )
    return 1 if result.errors or not result.requests else 0


if __name__ == "__main__":
    sys.exit(main())

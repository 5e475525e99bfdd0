"""The API's Prometheus metrics, served on their own port when ``UNICRON_METRICS_PORT`` is set, never
on the API's (docs/architecture.md, "Metrics").

Requests are counted by method, route template (``/api/job/{job_id}``, never the path itself: the
labels stay bounded whatever clients ask for) and status, with their latency. The queue's depth is
read from Redis at each scrape, on the API's own event loop and client, for at most
``QUEUE_READ_TIMEOUT_S``: a Redis away leaves the gauge out of that scrape, never the scrape.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unicron_core.store import AsyncStore
from unicron_core.store.ops import Batch, Op, call

log = logging.getLogger(__name__)

# Most answers take a millisecond or two; a page of a large listing or a Redis blip, seconds.
LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
QUEUE_READ_TIMEOUT_S = 0.5  # well inside Prometheus's default scrape timeout (10 s)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the route label of a request no route answered (a 404)
_CONVERTOR = re.compile(r"\{(\w+):[^}]*\}")  # `{job_id:job_id}`: a parameter and its convertor


class Metrics:
    """What one API process counts, in its own registry (tests build several apps in one process)."""

    def __init__(self, *, queue: str) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "unicron_api_requests", "Requests answered, by method, route template and status",
            ["method", "route", "status"], registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "unicron_api_request_duration_seconds", "Time to answer, by method and route template",
            ["method", "route"], buckets=LATENCY_BUCKETS_S, registry=r,
        )  # fmt: skip
        self.queue = QueueDepth(queue)
        r.register(self.queue)

    def answered(self, *, method: str, route: str, status: int, duration_s: float) -> None:
        """One request answered."""
        method = method if method in METHODS else "other"
        self.requests.labels(method=method, route=route, status=str(status)).inc()
        self.latency.labels(method=method, route=route).observe(duration_s)

    def serve(self, port: int, addr: str = "0.0.0.0") -> None:  # noqa: S104 - scraped from other hosts
        """Serves ``/metrics`` on ``port`` from a daemon thread."""
        start_http_server(port, addr=addr, registry=self.registry)


class RequestMetrics:
    """ASGI middleware that counts each request by the template of the route that answered it (the
    router records it in the scope), once its answer is sent."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before the answer started: the server answers 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = template(getattr(scope.get("route"), "path", None) or UNMATCHED)
            self.metrics.answered(
                method=scope["method"], route=route, status=status, duration_s=time.perf_counter() - started
            )


@functools.cache  # one entry a route: the routes are fixed at start
def template(path: str) -> str:
    """A route's path as its OpenAPI contract writes it: ``/api/job/{job_id}``, no convertor."""
    return _CONVERTOR.sub(r"{\1}", path)


class QueueDepth(Collector):
    """``unicron_queue_depth{queue}``: runs waiting in RQ's queue, read at each scrape (from the
    exporter's thread) on the event loop the API serves in, once ``attach`` has been given it."""

    def __init__(self, queue: str) -> None:
        self.queue = queue
        self._loop: asyncio.AbstractEventLoop | None = None
        self._read: Callable[[], Awaitable[int]] | None = None

    def attach(self, loop: asyncio.AbstractEventLoop, read: Callable[[], Awaitable[int]]) -> None:
        """Reads the depth with ``read`` on ``loop`` from now on."""
        self._loop, self._read = loop, read

    def detach(self) -> None:
        """No more reads (the loop is closing)."""
        self._loop = self._read = None

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The family without a sample: registering never reads Redis."""
        yield self._family()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The family, with the depth when Redis answered in time."""
        family = self._family()
        depth = self._depth()
        if depth is not None:
            family.add_metric([self.queue], depth)
        yield family

    def _family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily("unicron_queue_depth", "Runs waiting in the queue", labels=["queue"])

    def _depth(self) -> int | None:
        loop, read = self._loop, self._read
        if loop is None or read is None:
            return None
        try:
            future = asyncio.run_coroutine_threadsafe(_awaited(read), loop)
        except RuntimeError:  # the loop closed meanwhile
            return None
        try:
            return future.result(timeout=QUEUE_READ_TIMEOUT_S)
        except Exception as exc:  # whatever went wrong (Redis, the deadline), the scrape answers
            future.cancel()
            log.debug("queue depth not read (%s)", type(exc).__name__)
            return None


async def _awaited(read: Callable[[], Awaitable[int]]) -> int:
    return await read()


def queued(store: AsyncStore) -> Op[int]:
    """The length of RQ's queue of ``store``'s cluster, as a store operation (one LLEN)."""
    replies = yield Batch([call("llen", store.rq.queue_key)])
    return int(replies[0])

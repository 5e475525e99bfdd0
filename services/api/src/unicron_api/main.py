"""Entry point of ``unicron api``."""

from __future__ import annotations

import asyncio
import gc
import logging

import uvicorn
from redis.exceptions import RedisError

from unicron_api.app import create_app
from unicron_core.settings import Settings
from unicron_core.store import AsyncStore

log = logging.getLogger(__name__)


def run(settings: Settings, *, host: str = "0.0.0.0", port: int = 8185) -> int:  # noqa: S104 - a service
    """Serves the API until SIGTERM. A wrong cluster key stops it before the port opens."""
    app = create_app(settings)
    if settings.metrics_port:
        app.state.metrics.serve(settings.metrics_port, settings.metrics_addr)
    try:
        asyncio.run(_verify(settings))
        app.state.key_verified = True
    except RedisError as exc:
        log.warning("Redis unreachable at start (%s): answering 503 until it is back", type(exc).__name__)
    # What start-up built (routes, models, schemas) lives as long as the process: out of the garbage
    # collector's sight, its full collections no longer walk it (they were the API's p99 latency).
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="debug" if settings.debug else "info",
        access_log=settings.debug,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    return 0


async def _verify(settings: Settings) -> None:
    """The start-up check (``Cluster.verify``), on a client of its own: the app's connections
    belong to the loop uvicorn serves in."""
    store = AsyncStore.from_settings(settings)
    try:
        await store.run(store.cluster.verify())
    finally:
        await store.aclose()

"""A store on the session's Redis, and a worker's runtime in this process: its functions configured
as a worker process configures them, on an event loop of the test's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from unicron_core.store import Store

from helpers import LocalWorker, worker_settings


@pytest.fixture
def store(redis_client: redis.Redis, redis_url: str) -> Iterator[Store]:
    store = Store.from_settings(worker_settings(redis_url))
    store.run(store.cluster.verify())
    try:
        yield store
    finally:
        store.redis.close()


@pytest.fixture
def worker(store: Store, redis_url: str) -> Iterator[LocalWorker]:
    local = LocalWorker(worker_settings(redis_url), store)
    try:
        yield local
    finally:
        local.close()

"""A store on the session's Redis, and this process's RQ functions configured as a worker's."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
import redis

from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_worker import tasks
from unicron_worker.http_runner import HttpRunner
from unicron_worker.notify import Notifier
from unicron_worker.shell_runner import Sandbox

KEY = "worker-test-key-0123456789abcdef"


@pytest.fixture
def store(redis_client: redis.Redis, redis_url: str) -> Iterator[Store]:
    """A store, and this process's RQ functions configured as a worker's (RQ's loop sets signal
    handlers: the test's own come back afterwards)."""
    settings = Settings(key=KEY, redis_url=redis_url, command_user="", allow_commands=True)
    store = Store.from_settings(settings)
    store.run(store.cluster.verify())
    runtime = tasks.Runtime(
        settings=settings,
        store=store,
        http=HttpRunner(limit_bytes=1024, guard=settings.egress_guard()),
        notifier=Notifier(settings),
        sandbox=Sandbox(user=None, cpu_s=10, memory_bytes=256 << 20, processes=64, file_bytes=1 << 20),
    )
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    tasks.configure(runtime)
    try:
        yield store
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        runtime.http.close()
        runtime.notifier.close()
        store.redis.close()

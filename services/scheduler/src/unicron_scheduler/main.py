"""Entry point of ``unicron scheduler``."""

from __future__ import annotations

import logging
import signal

from redis.exceptions import RedisError

from unicron_core.lease import holder_epoch
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_scheduler.scheduler import Scheduler

log = logging.getLogger(__name__)


def run(settings: Settings, *, check: bool = False) -> int:
    """Schedules until SIGTERM, leader or standby; ``check`` probes Redis and the lease and exits."""
    store = Store.from_settings(settings)
    if check:
        return _check(store)
    try:
        store.run(store.cluster.verify())
    except RedisError as exc:
        log.warning("Redis unreachable at start (%s): retrying until it is back", type(exc).__name__)
    scheduler = Scheduler(store=store, settings=settings)
    if settings.metrics_port:
        scheduler.metrics.serve(settings.metrics_port, settings.metrics_addr)
    signal.signal(signal.SIGTERM, scheduler.request_stop)
    signal.signal(signal.SIGINT, scheduler.request_stop)
    scheduler.run()
    return 0


def _check(store: Store) -> int:
    """Exit 0 when Redis answers and the key matches; prints who leads."""
    try:
        store.run(store.cluster.verify())
        epoch = holder_epoch(store.redis)
    except RedisError as exc:
        print(f"unhealthy: Redis unreachable ({type(exc).__name__})")
        return 1
    print(f"ok: leader epoch {epoch}" if epoch else "ok: no leader right now")
    return 0

"""Entry point of ``unicron scheduler``."""

from __future__ import annotations

import contextlib
import logging
import signal
from types import FrameType

from redis.exceptions import RedisError

from unicron_core.lease import holder_epoch
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_scheduler.scheduler import CutShort, Scheduler, Stop

log = logging.getLogger(__name__)
# After SIGTERM the step under way and the lease's release get this long: a Redis that stopped
# answering (10 s a call, three tries) does not hold the stop; the lease then lapses by itself.
STOP_GRACE_S = 2.0


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

    def stop(signum: int, frame: FrameType | None) -> None:
        signal.setitimer(signal.ITIMER_REAL, STOP_GRACE_S)
        scheduler.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGALRM, _cut_short)
    with contextlib.suppress(Stop):  # the grace may end in the release: the lease then lapses
        try:
            scheduler.run()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return 0


def _cut_short(signum: int, frame: FrameType | None) -> None:
    """The stop's grace is over: whatever the loop is doing (a Redis call that hangs), it ends."""
    raise CutShort


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

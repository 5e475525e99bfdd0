"""The scheduler's leader lease: one holder at a time, with an epoch that fences stale leaders.

redbeat's shape (standbys keep trying; the holder extends with a token-checked script and releases
only what it still owns) plus an epoch, incremented on every acquisition. The lease value is
``<epoch>:<token>``; the script that enqueues fires checks it, so a leader that was paused past its
TTL can never enqueue once another node took over.
"""

from __future__ import annotations

import os
import secrets
import socket
import time

from redis import Redis

from unicron_core import keys
from unicron_core.store import Store
from unicron_core.store.scripts import Script

# Renew at a quarter of the TTL: three renewals can fail before the lease lapses.
RENEW_FRACTION = 4


def holder_epoch(redis: Redis) -> int | None:
    """The epoch of whichever node leads now, None when nobody does."""
    value = redis.get(keys.LEASE)
    return int(str(value, "ascii").split(":", 1)[0]) if isinstance(value, bytes) else None


class Lease:
    """One node's view of the leader lease."""

    def __init__(self, *, store: Store, ttl_ms: int) -> None:
        self.ttl_ms = ttl_ms
        self.token = secrets.token_hex(16)
        # How the dashboard names this node among the schedulers seen (keys.SCHEDULERS).
        self.seen_as = f"{socket.gethostname()}:{os.getpid()} {self.token}"
        self.epoch: int | None = None
        self._valid_until = 0.0
        # After a failed acquire: how long the holder's lease had left, so a standby can wake then.
        self.holder_left_ms = 0
        self._acquire = store.scripts[Script.LEASE_ACQUIRE]
        self._renew = store.scripts[Script.LEASE_RENEW]
        self._release = store.scripts[Script.LEASE_RELEASE]

    @property
    def value(self) -> str:
        """What the lease key holds while this node leads: ``<epoch>:<token>``."""
        return f"{self.epoch}:{self.token}"

    @property
    def held(self) -> bool:
        """True while this node believes it leads and its last renewal has not lapsed locally."""
        return self.epoch is not None and time.monotonic() < self._valid_until

    @property
    def renew_interval_s(self) -> float:
        """How often the holder renews, in seconds."""
        return self.ttl_ms / 1000 / RENEW_FRACTION

    def acquire(self) -> bool:
        """Takes the lease if nobody holds it; a new epoch is issued on success."""
        sent = time.monotonic()
        epoch = int(
            self._acquire(
                keys=[keys.LEASE, keys.EPOCH, keys.SCHEDULERS], args=[self.token, self.ttl_ms, self.seen_as]
            )
        )
        if epoch <= 0:
            self.holder_left_ms = -epoch
            return False
        self.epoch = epoch
        self._valid_until = sent + self.ttl_ms / 1000
        return True

    def renew(self) -> bool:
        """Extends the lease if this node still holds it; forgets it otherwise."""
        if self.epoch is None:
            return False
        sent = time.monotonic()
        if self._renew(keys=[keys.LEASE, keys.SCHEDULERS], args=[self.value, self.ttl_ms, self.seen_as]):
            self._valid_until = sent + self.ttl_ms / 1000
            return True
        self.lose()
        return False

    def release(self) -> bool:
        """Gives the lease up if this node still holds it (a rolling update hands over at once)."""
        if self.epoch is None:
            return False
        released = bool(self._release(keys=[keys.LEASE], args=[self.value]))
        self.lose()
        return released

    def lose(self) -> None:
        """Forgets the lease locally (after a failed renewal or a Redis error)."""
        self.epoch = None
        self._valid_until = 0.0

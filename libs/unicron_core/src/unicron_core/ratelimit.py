"""A per-key request limit kept in Redis, so every API replica counts the same requests.

Fixed windows (one counter per key per window, expiring with it): one round trip a request, and
a client over the limit is told exactly when the window ends (``Retry-After``).
"""

from __future__ import annotations

import time

from redis import Redis

from unicron_core import keys, lua
from unicron_core.errors import RateLimited

WINDOW_S = 60


class RateLimiter:
    """At most ``per_minute`` requests per key and minute; 0 turns it off."""

    def __init__(self, *, redis: Redis, per_minute: int) -> None:
        self._per_minute = per_minute
        self._hit = redis.register_script(lua.RATE_HIT)

    def hit(self, name: str) -> None:
        """Counts one request of key ``name``.

        Raises:
            RateLimited: over the limit; ``retry_after_s`` is when the window ends.
        """
        if not self._per_minute:
            return
        now = time.time()
        window = int(now // WINDOW_S)
        count = int(self._hit(keys=[keys.rate(name, window)], args=[WINDOW_S]))
        if count > self._per_minute:
            retry_after = max(1, int((window + 1) * WINDOW_S - now) + 1)
            raise RateLimited(
                f"rate limit of {self._per_minute} requests a minute for this key reached; "
                f"retry in {retry_after} s",
                retry_after_s=retry_after,
            )

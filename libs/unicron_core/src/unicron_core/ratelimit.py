"""A per-key request limit kept in Redis, so every API replica counts the same requests.

Fixed windows (one counter per key per window, expiring with it): one round trip a request (for a
stored key, the same round trip as its lookup: ``ApiKeys.admit``), and a client over the limit is
told exactly when the window ends (``Retry-After``).
"""

from __future__ import annotations

import time

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from unicron_core import keys, lua
from unicron_core.errors import RateLimited

WINDOW_S = 60


class RateLimiter:
    """At most ``per_minute`` requests per key and minute; 0 turns it off."""

    def __init__(self, *, redis: Redis, per_minute: int) -> None:
        self._per_minute = per_minute
        self._hit = redis.register_script(lua.RATE_HIT)

    @property
    def on(self) -> bool:
        """False when the limit is off (0)."""
        return self._per_minute > 0

    def hit(self, name: str) -> None:
        """Counts one request of key ``name``.

        Raises:
            RateLimited: over the limit; ``retry_after_s`` is when the window ends.
        """
        if not self.on:
            return
        now = time.time()
        count = int(self._hit(keys=[self.counter(name, now)], args=[WINDOW_S]))
        self.check(count, now)

    async def hit_async(self, name: str, *, redis: AsyncRedis) -> None:
        """``hit`` on an asyncio client (the API's event loop)."""
        if not self.on:
            return
        now = time.time()
        count = await redis.register_script(lua.RATE_HIT)(keys=[self.counter(name, now)], args=[WINDOW_S])
        self.check(int(count), now)

    def counter(self, name: str, now: float) -> str:
        """The Redis key counting key ``name``'s requests in the window of ``now`` (epoch s)."""
        return keys.rate(name, int(now // WINDOW_S))

    def check(self, count: int, now: float) -> None:
        """Refuses the request counted ``count``-th in the window of ``now``.

        Raises:
            RateLimited: over the limit; ``retry_after_s`` is when the window ends.
        """
        if count <= self._per_minute or not self.on:
            return
        window_end = (int(now // WINDOW_S) + 1) * WINDOW_S
        retry_after = max(1, int(window_end - now) + 1)
        raise RateLimited(
            f"rate limit of {self._per_minute} requests a minute for this key reached; "
            f"retry in {retry_after} s",
            retry_after_s=retry_after,
        )

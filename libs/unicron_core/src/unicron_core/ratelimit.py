"""A per-key request limit in fixed one-minute windows, counted in Redis so that every API replica
counts the same requests (the store's ``access`` module counts; this decides). A client over the
limit is told exactly when its window ends (``Retry-After``)."""

from __future__ import annotations

from dataclasses import dataclass

from unicron_core.errors import RateLimited

WINDOW_S = 60


@dataclass(frozen=True)
class RateLimit:
    """At most ``per_minute`` requests per key and minute; 0 turns it off."""

    per_minute: int

    @property
    def on(self) -> bool:
        """False when the limit is off (0)."""
        return self.per_minute > 0

    @staticmethod
    def window(now: float) -> int:
        """The number of the window holding ``now`` (epoch s)."""
        return int(now // WINDOW_S)

    def check(self, count: int, now: float) -> None:
        """Refuses the request counted ``count``-th in the window of ``now``.

        Raises:
            RateLimited: over the limit; ``retry_after_s`` is when the window ends.
        """
        if count <= self.per_minute or not self.on:
            return
        window_end = (self.window(now) + 1) * WINDOW_S
        retry_after = max(1, int(window_end - now) + 1)
        raise RateLimited(
            f"rate limit of {self.per_minute} requests a minute for this key reached; "
            f"retry in {retry_after} s",
            retry_after_s=retry_after,
        )

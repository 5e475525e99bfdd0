"""The fire log (``unicron:firelog``), read back: every enqueue the scheduler made, in order. The
chaos run and the scheduler's tests and benchmarks audit it."""

from __future__ import annotations

from typing import cast

from redis import Redis

from unicron_core import keys

Entry = tuple[bytes, dict[bytes, bytes]]


def fire_log(redis: Redis, after: str = "-") -> list[tuple[int, str, int, int]]:
    """Every entry after stream id ``after``, oldest first: (enqueue ms by Redis's clock, job id,
    scheduled ms, epoch)."""
    rows = cast(list[Entry], redis.xrange(keys.FIRE_LOG, min=after))
    return [
        (int(entry_id.split(b"-")[0]), f[b"job"].decode(), int(f[b"ms"]), int(f[b"epoch"]))
        for entry_id, f in rows
    ]

"""``ops.together``: two operations in one round trip a step, each with its own replies."""

from __future__ import annotations

import uuid
from typing import Any

import redis

from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_core.store.ops import Batch, Op, call, one, together

KEY = "together-test-key-0123456789abcdef"


def _reads(key: str, steps: int) -> Op[list[Any]]:
    """INCRs ``key`` once a step, ``steps`` round trips; the values seen."""
    seen = []
    for _ in range(steps):
        (value,) = yield one(call("incr", key))
        seen.append(value)
    return seen


def _atomic(key: str) -> Op[int]:
    replies = yield Batch([call("incr", key), call("incr", key)], atomic=True)
    return int(replies[-1])


class Counting(redis.Redis):
    """Counts round trips: each command sent alone or each pipeline."""

    trips = 0

    def execute_command(self, *args: Any, **options: Any) -> Any:
        type(self).trips += 1
        return super().execute_command(*args, **options)  # type: ignore[no-untyped-call]  # untyped in redis-py

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        type(self).trips += 1
        return super().pipeline(transaction=transaction, shard_hint=shard_hint)


def _store(redis_url: str) -> Store:
    store = Store.from_settings(Settings(key=KEY, redis_url=redis_url))
    store.redis = Counting.from_url(redis_url)
    return store


def test_each_op_gets_its_own_replies_in_shared_round_trips(
    redis_url: str, redis_client: redis.Redis
) -> None:
    store = _store(redis_url)
    tag = uuid.uuid4().hex
    Counting.trips = 0
    first, second = store.run(together(_reads(f"{tag}:a", 3), _reads(f"{tag}:b", 1)))
    assert (first, second) == ([1, 2, 3], [1])
    assert Counting.trips == 3  # the one step of the second went with the first's first


def test_an_atomic_batch_goes_alone(redis_url: str, redis_client: redis.Redis) -> None:
    store = _store(redis_url)
    tag = uuid.uuid4().hex
    Counting.trips = 0
    atomic, reads = store.run(together(_atomic(f"{tag}:c"), _reads(f"{tag}:d", 1)))
    assert (atomic, reads) == (2, [1])
    assert Counting.trips == 2

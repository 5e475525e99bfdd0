"""Redis clients: the blocking one (scheduler, worker, CLI) and the asyncio one (the API), both
failing fast so that callers answer 503 or retry, and both able to follow a Sentinel failover."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.asyncio.sentinel import Sentinel as AsyncSentinel
from redis.backoff import ExponentialBackoff
from redis.connection import HiredisRespSerializer, parse_url
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from redis.sentinel import Sentinel

from unicron_core.settings import Settings

SOCKET_TIMEOUT_S = 10


def open_redis(settings: Settings) -> Redis:
    """A blocking client that fails fast (the API answers 503) and retries a blip briefly.

    With ``REDIS_SENTINELS`` set it is a client of the master Sentinel names: each new connection
    asks Sentinel where the master is, so after a failover the callers' own retries reach the new one.
    """
    options = _client_options(settings, Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2))
    if not settings.sentinel_addresses:
        return Redis.from_url(settings.redis_dsn, **options)
    sentinel = Sentinel(settings.sentinel_addresses, sentinel_kwargs=_sentinel_options(settings))  # type: ignore[no-untyped-call]
    master: Redis = sentinel.master_for(settings.redis_sentinel_master, **options)  # type: ignore[no-untyped-call]
    return master


def open_async_redis(settings: Settings) -> AsyncRedis:
    """``open_redis``'s asyncio twin, for the API's event loop (no thread per request). Connections
    are made on first use, in the loop that uses them. It has no socket timeout: redis-py runs every
    write of a client with one in ``asyncio.wait_for`` (a task per command); callers bound their
    calls with ``deadline()``, one timer each."""
    options = _client_options(settings, AsyncRetry(ExponentialBackoff(cap=0.2, base=0.02), retries=2))
    options["socket_timeout"] = None
    if not settings.sentinel_addresses:
        return _packed_in_c(AsyncRedis.from_url(settings.redis_dsn, **options))
    sentinel = AsyncSentinel(settings.sentinel_addresses, sentinel_kwargs=_sentinel_options(settings))  # type: ignore[no-untyped-call]
    master: AsyncRedis = sentinel.master_for(settings.redis_sentinel_master, **options)
    return _packed_in_c(master)


class _HiredisPacking:
    """Packs commands as redis-py's blocking connections do, with hiredis: its asyncio ones pack in
    Python (packing a CREATE_TASK call was 6 % of the API's CPU under load); the bytes are the same."""

    _packer = HiredisRespSerializer()

    def pack_command(self, *args: Any) -> list[bytes]:
        packed: list[bytes] = self._packer.pack(*args)
        return packed


def _packed_in_c(client: AsyncRedis) -> AsyncRedis:
    """``client``, its connections (TCP, TLS, unix socket or Sentinel's) packing with hiredis."""
    pool = client.connection_pool
    pool.connection_class = type(pool.connection_class.__name__, (_HiredisPacking, pool.connection_class), {})
    return client


@asynccontextmanager
async def deadline() -> AsyncIterator[None]:
    """Bounds calls on the asyncio client as the blocking client's socket timeout does."""
    try:
        async with asyncio.timeout(SOCKET_TIMEOUT_S):
            yield
    except TimeoutError as exc:
        raise RedisTimeoutError(f"Redis did not answer within {SOCKET_TIMEOUT_S} s") from exc


def _client_options(settings: Settings, retry: object) -> dict[str, Any]:
    options: dict[str, Any] = {
        "socket_connect_timeout": 2,
        "socket_timeout": SOCKET_TIMEOUT_S,
        "health_check_interval": 15,
        "retry": retry,
    }
    if settings.sentinel_addresses:
        # The URL still gives the master's credentials and db; its host is replaced by Sentinel's answer.
        url = parse_url(settings.redis_dsn)  # type: ignore[no-untyped-call]  # redis-py leaves these untyped
        options.update({name: url[name] for name in ("username", "password", "db") if name in url})
    return options


def _sentinel_options(settings: Settings) -> dict[str, Any]:
    password = settings.redis_sentinel_password
    return {
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
        "password": None if password is None else password.get_secret_value(),
    }

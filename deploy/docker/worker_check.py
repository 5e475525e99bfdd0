"""The worker image's health check: Redis answers and this host has an RQ worker registered in it.

An RQ worker registers itself when its loop starts and refreshes its key while the loop runs, so
this proves more than a live process: a worker stuck waiting for Redis, or whose loop died, fails.
It needs the same environment as ``unicron worker``. Exit code 0 when healthy, else 1, with one
line saying why (Docker keeps it in the container's health log).
"""

from __future__ import annotations

import socket
import sys

from redis.exceptions import RedisError
from rq import Worker

from unicron_core.errors import UnicronError
from unicron_core.settings import get_settings
from unicron_core.store import open_redis


def main() -> int:
    """Prints one line and returns the exit code."""
    host = socket.gethostname()
    try:
        redis = open_redis(get_settings())
        mine = [worker for worker in Worker.all(connection=redis) if _text(worker.hostname) == host]
    except (RedisError, UnicronError) as exc:
        print(f"unhealthy: {type(exc).__name__}: {exc}")
        return 1
    if not mine:
        print(f"unhealthy: no worker of {host} is registered in Redis")
        return 1
    print(f"ok: {len(mine)} worker(s) of {host} registered")
    return 0


def _text(value: str | bytes | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


if __name__ == "__main__":
    sys.exit(main())

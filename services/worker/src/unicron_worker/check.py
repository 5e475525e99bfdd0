"""``unicron worker --check``: the probe of orchestrators (the image's health check, Kubernetes'
readiness probe), with the same environment as the worker it probes.

Healthy when Redis answers, the cluster key decrypts the canary, and an RQ worker of this host is
registered on Unicron's queue. An RQ worker registers when its loop starts and refreshes its key while
the loop runs (the key lapses minutes after the loop stops), so this proves more than a live process:
a worker stuck waiting for Redis, or whose loop died, fails. One line on stdout says why (Docker keeps
it in the container's health log).
"""

from __future__ import annotations

import socket

from redis.exceptions import RedisError
from rq import Worker

from unicron_core.errors import UnicronError
from unicron_core.settings import Settings
from unicron_core.store import Store


def check(settings: Settings) -> int:
    """Prints ``ok: ...`` and returns 0, or prints ``unhealthy: ...`` and returns 1."""
    host = socket.gethostname()
    store = Store.from_settings(settings)
    try:
        store.run(store.cluster.verify())
        workers = Worker.all(queue=store.queue)
    except RedisError as exc:
        return _unhealthy(f"Redis unreachable ({type(exc).__name__}: {exc})")
    except UnicronError as exc:
        return _unhealthy(str(exc))
    finally:
        store.redis.close()
    mine = [worker for worker in workers if _text(worker.hostname) == host]
    if not mine:
        return _unhealthy(f"no worker of {host} is registered on the queue {settings.queue!r}")
    print(f"ok: {len(mine)} worker(s) of {host} registered on the queue {settings.queue!r}")
    return 0


def _unhealthy(reason: str) -> int:
    print("unhealthy:", " ".join(reason.split()))  # one line, whatever the message
    return 1


def _text(value: str | bytes | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value

"""The one way services reach Redis (docs/architecture.md, "The store").

Operations on records (``jobs``, ``runs``, ``tasks``, ``access``, ``cluster``, ``sessions``, ...)
are written once as ``ops.Op`` generators; ``Store.run`` carries them out on the blocking client
(scheduler, worker, CLI), ``AsyncStore.run`` on the asyncio one (the API)::

    record = store.run(store.jobs.get(job_id=job_id))
    record = await astore.run(astore.jobs.get(job_id=job_id))

Records are sealed with the cluster key on the way in and opened on the way out; RQ jobs carry
ids only. The scheduler's fenced firing (``firing``) is on the blocking client only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.client import PubSub as AsyncPubSub
from rq import Queue

from unicron_core.crypto import Cipher
from unicron_core.settings import Settings
from unicron_core.store import ops, scripts
from unicron_core.store.aborts import Aborts
from unicron_core.store.access import Access
from unicron_core.store.audit import Audit
from unicron_core.store.blind import Blind
from unicron_core.store.claims import Claims
from unicron_core.store.cluster import Cluster
from unicron_core.store.codec import Codec
from unicron_core.store.connections import open_async_redis, open_redis
from unicron_core.store.firing import Firing
from unicron_core.store.jobjson import CHANGES_KEPT, JobJson
from unicron_core.store.joblist import JobList
from unicron_core.store.jobs import Jobs
from unicron_core.store.lifecycle import Lifecycle
from unicron_core.store.nodes import Nodes
from unicron_core.store.ops import Batch, Op
from unicron_core.store.overview import Overview
from unicron_core.store.retries import Retries
from unicron_core.store.rqhash import RqHash
from unicron_core.store.runs import Runs
from unicron_core.store.sessions import Sessions
from unicron_core.store.tasks import Tasks

T = TypeVar("T")


class Records:
    """The operations on every kind of record, for one cluster key and settings."""

    def __init__(self, *, cipher: Cipher, settings: Settings) -> None:
        codec = Codec(cipher)
        blind = Blind(codec=codec)
        self.settings = settings
        self.rq = RqHash(queue=settings.queue, failure_ttl_s=settings.result_retention_s)
        self.audit = Audit(codec=codec, settings=settings)
        self.jobs = Jobs(codec=codec, settings=settings, blind=blind, audit=self.audit)
        self.runs = Runs(codec=codec, settings=settings, blind=blind, jobs=self.jobs, rq=self.rq)
        self.lifecycle = Lifecycle(
            codec=codec, settings=settings, jobs=self.jobs, runs=self.runs, rq=self.rq, audit=self.audit
        )
        self.joblist = JobList(jobs=self.jobs, blind=blind)
        self.jobjson = JobJson(codec=codec)
        self.tasks = Tasks(codec=codec, settings=settings, rq=self.rq)
        self.claims = Claims(rq=self.rq)
        self.retries = Retries(rq=self.rq)
        self.aborts = Aborts(runs=self.runs, tasks=self.tasks, jobs=self.jobs, rq=self.rq, audit=self.audit)
        self.access = Access(settings=settings)
        self.cluster = Cluster(codec=codec, jobs=self.jobs)
        self.nodes = Nodes(rq=self.rq)
        self.overview = Overview(jobs=self.jobs)
        self.sessions = Sessions(idle_s=settings.ui_idle_s, max_s=settings.ui_max_s)

    @property
    def _placeholders(self) -> dict[str, str]:
        return {"SHARED_FIELDS": self.rq.shared_lua, "VIEW_CHANGES_KEPT": str(CHANGES_KEPT)}


def cipher_of(settings: Settings) -> Cipher:
    """The cipher of the cluster key and the old keys of ``settings``."""
    return Cipher(settings.key.get_secret_value(), settings.old_key_list)


class Store(Records):
    """The store on a blocking client: the scheduler, the worker and the CLI."""

    def __init__(self, *, redis: Redis, cipher: Cipher, settings: Settings) -> None:
        super().__init__(cipher=cipher, settings=settings)
        self.redis = redis
        self.scripts = scripts.register(redis, self._placeholders)
        self.queue = Queue(settings.queue, connection=redis)
        self.firing = Firing(redis=redis, scripts=self.scripts, settings=settings, rq=self.rq)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """A store on a new client of ``settings``' Redis."""
        return cls(redis=open_redis(settings), cipher=cipher_of(settings), settings=settings)

    def run(self, op: Op[T]) -> T:
        """Carries out ``op``, one round trip per batch it yields."""
        return ops.run(self.redis, self.scripts, op)

    def ping(self) -> bool:
        """True when Redis answers."""
        return bool(self.redis.ping())


class AsyncStore(Records):
    """The store on an asyncio client: the API. Connections are made in the loop that uses them."""

    def __init__(self, *, redis: AsyncRedis, cipher: Cipher, settings: Settings) -> None:
        super().__init__(cipher=cipher, settings=settings)
        self.redis = redis
        self.scripts = scripts.register_async(redis, self._placeholders)
        # redis-py's asyncio pool refuses a connection past its size ("Too many connections")
        # instead of waiting for one: ops beyond it wait here (a worker runs a thousand at once).
        self._slots = asyncio.Semaphore(redis.connection_pool.max_connections)

    @classmethod
    def from_settings(cls, settings: Settings) -> AsyncStore:
        """A store on a new asyncio client of ``settings``' Redis."""
        return cls(redis=open_async_redis(settings), cipher=cipher_of(settings), settings=settings)

    async def run(self, op: Op[T], *, offload: bool = False) -> T:
        """Carries out ``op``, one round trip per batch, each bounded by a deadline; with
        ``offload`` its own work (decrypting many records) runs in a thread."""
        async with self._slots:
            return await ops.arun(self.redis, self.scripts, op, offload=offload)

    async def ping(self) -> bool:
        """True when Redis answers."""
        return bool(await self.redis.ping())

    @asynccontextmanager
    async def subscribed(self, channel: str) -> AsyncIterator[AsyncPubSub]:
        """A subscription to ``channel``, on a connection of the pool held while it lasts."""
        async with self._slots:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(channel)
                yield pubsub
            finally:
                await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped

    async def aclose(self) -> None:
        """Closes the client's connections."""
        await self.redis.aclose()


__all__ = ["AsyncStore", "Batch", "Op", "Records", "Store", "open_async_redis", "open_redis"]

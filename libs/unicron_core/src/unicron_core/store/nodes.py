"""Who is in the cluster, for the dashboard's overview: the scheduler nodes seen lately (the
leader among them, with its epoch), the workers RQ has registered, and the queue's depth."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from unicron_core import keys
from unicron_core.replies import text
from unicron_core.store.ops import Batch, Op, call
from unicron_core.store.rqhash import RqHash

# A scheduler seen within this many ms is listed: standbys try for the lease every second or so,
# the leader renews it four times per lease TTL.
SEEN_WITHIN_MS = 10_000


@dataclass(frozen=True)
class SchedulerNode:
    """A scheduler process (``host:pid``) and when it last took or tried for the lease."""

    name: str
    seen: float  # epoch s
    leader: bool


@dataclass(frozen=True)
class WorkerNode:
    """A worker RQ has registered for the queue: its name, host, state and last heartbeat."""

    name: str
    hostname: str
    state: str
    heartbeat: float | None  # epoch s


@dataclass(frozen=True)
class ClusterStatus:
    """The cluster at one moment."""

    epoch: int | None  # the leader's fencing epoch; None while nobody leads
    schedulers: list[SchedulerNode]
    workers: list[WorkerNode]
    queued: int  # runs waiting in the queue


class Nodes:
    """The cluster's nodes (run the operation with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, rq: RqHash) -> None:
        self._rq = rq

    def status(self) -> Op[ClusterStatus]:
        """The schedulers, workers and queue depth, in two round trips."""
        now_ms = time.time() * 1000
        lease, seen, worker_keys, queued = yield Batch(
            [
                call("get", keys.LEASE),
                call("zrangebyscore", keys.SCHEDULERS, now_ms - SEEN_WITHIN_MS, "+inf", withscores=True),
                call("smembers", self._rq.workers_key),
                call("llen", self._rq.queue_key),
            ]
        )
        epoch, _, token = text(lease).partition(":") if lease else ("", "", "")
        schedulers = []
        for member, score in seen:
            name, _, node_token = text(member).partition(" ")
            schedulers.append(
                SchedulerNode(name=name, seen=score / 1000, leader=bool(token) and node_token == token)
            )
        schedulers.sort(key=lambda node: (not node.leader, node.name))
        ordered = sorted(text(key) for key in worker_keys)
        fields = ("birth", "hostname", "state", "last_heartbeat")
        rows = yield Batch([call("hmget", key, *fields) for key in ordered])
        # A worker's key is rq:worker:<name>; one that died uncleanly leaves its key in the set until
        # RQ's maintenance drops it, but its hash expires (no birth then).
        workers = [_worker(key, row) for key, row in zip(ordered, rows, strict=True) if row[0] is not None]
        return ClusterStatus(
            epoch=int(epoch) if epoch else None, schedulers=schedulers, workers=workers, queued=int(queued)
        )


def _worker(key: str, row: list[bytes | None]) -> WorkerNode:
    _, hostname, state, beat = (text(value) if value is not None else "" for value in row)
    heartbeat = datetime.fromisoformat(beat).timestamp() if beat else None
    return WorkerNode(name=key.rsplit(":", 1)[-1], hostname=hostname, state=state or "?", heartbeat=heartbeat)

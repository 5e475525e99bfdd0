"""The cluster at a glance, for the dashboard's overview: how many jobs are in each state, how many
runs, failures and missed runs the last 24 hours held, and the jobs due next. Each is read from an index: the
same few round trips at 100 jobs or 1,000,000."""

from __future__ import annotations

import time
from dataclasses import dataclass

from unicron_core import keys
from unicron_core.records import JobRecord
from unicron_core.store.jobreads import JobReads
from unicron_core.store.ops import Batch, Op, call, one

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Counts:
    """Jobs by state, and runs of the last 24 hours."""

    jobs: int
    paused: int
    failing: int
    running: int
    runs_24h: int
    failures_24h: int
    missed_24h: int


class Overview:
    """Counts and what is due (run the operations with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, jobs: JobReads) -> None:
        self._jobs = jobs

    def counts(self) -> Op[Counts]:
        """The counts, in one round trip."""
        since_ms = time.time() * 1000 - DAY_MS
        replies = yield Batch(
            [
                call("zcard", keys.JOBS),
                call("zcard", keys.PAUSED),
                call("zcard", keys.FAILING),
                call("zcard", keys.RUNNING),
                call("zcount", keys.RUNLOG, since_ms, "+inf"),
                call("zcount", keys.runlog("failure"), since_ms, "+inf"),
                call("zcount", keys.runlog("missed"), since_ms, "+inf"),
            ]
        )
        return Counts(*(int(reply) for reply in replies))

    def due(self, *, within_ms: int = DAY_MS, limit: int = 10) -> Op[list[JobRecord]]:
        """The jobs due next within ``within_ms``, soonest first, ``limit`` at most."""
        now_ms = time.time() * 1000
        (ids,) = yield one(call("zrangebyscore", keys.DUE, now_ms, now_ms + within_ms, start=0, num=limit))
        return (yield from self._jobs.many(job_ids=[job_id.decode() for job_id in ids]))

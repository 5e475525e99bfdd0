"""Next attempts of failed runs (docs/architecture.md, "Runs"): the worker that records a failed
attempt writes its next one's RQ job, unqueued, and puts it on the retries index in the same
script; the scheduler's leader queues each when it is due, fenced by its lease as its fires are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unicron_core import keys
from unicron_core.store import rqhash
from unicron_core.store.ops import Op, ScriptCall, one
from unicron_core.store.rqhash import RqHash
from unicron_core.store.scripts import Script

ENDED_KEPT_S = 3600  # an attempt's "ended" marker: far longer than a report can come twice
NONE_DUE = -1


@dataclass(frozen=True)
class Retry:
    """A run's next attempt: its RQ job (written with the failed attempt's record) and when it is
    due."""

    attempt: int
    rq_id: str
    due_ms: int
    fields: list[Any]

    def args(self) -> list[Any]:
        """The end scripts' last arguments: due time, RQ id, RQ hash fields."""
        return [self.due_ms, self.rq_id, *self.fields]


@dataclass(frozen=True)
class Queued:
    """What one ``enqueue_due`` call did."""

    fenced: bool  # False: the caller no longer holds the lease, nothing was queued
    queued: int
    next_ms: int | None  # the earliest due time left


def attempt_rq_id(first_rq_id: str, attempt: int) -> str:
    """The RQ id of a run's attempt: the run's own for the first, marked for the others."""
    return first_rq_id if attempt == 1 else f"{first_rq_id}-r{attempt}"


class Retries:
    """Next attempts, for one queue."""

    def __init__(self, *, rq: RqHash) -> None:
        self._rq = rq

    def next(
        self,
        *,
        func: str,
        args: tuple[Any, ...],
        first_rq_id: str,
        attempt: int,
        run_timeout_s: float,
        due_ms: int,
    ) -> Retry:
        """Attempt ``attempt`` of the run first queued as ``first_rq_id``, calling ``func(*args)``."""
        return Retry(
            attempt=attempt,
            rq_id=attempt_rq_id(first_rq_id, attempt),
            due_ms=due_ms,
            fields=self._rq.fields(func, args, run_timeout_s),
        )

    def enqueue_due(self, *, lease_value: str, now_ms: int, limit: int) -> Op[Queued]:
        """Queues up to ``limit`` next attempts due by ``now_ms``, if the caller holds the lease."""
        script_keys = [keys.LEASE, keys.RETRIES, self._rq.queue_key, rqhash.QUEUES_KEY]
        args = [lease_value, now_ms, limit, self._rq.job_prefix, rqhash.now()]
        ((queued, next_ms),) = yield one(ScriptCall(Script.ENQUEUE_RETRIES, script_keys, args))
        if queued < 0:
            return Queued(fenced=False, queued=0, next_ms=None)
        return Queued(fenced=True, queued=int(queued), next_ms=None if next_ms == NONE_DUE else int(next_ms))

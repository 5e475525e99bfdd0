"""The runs a worker takes from RQ's queue, a batch at once, and keeps while it runs them
(docs/decisions/0012-concurrent-worker.md): claimed as RQ marks a started job, kept alive on RQ's
started registry by heartbeats, and forgotten when done."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from unicron_core import keys
from unicron_core.replies import text
from unicron_core.store import rqhash
from unicron_core.store.ops import Batch, Op, ScriptCall, call, one
from unicron_core.store.rqhash import RqHash
from unicron_core.store.scripts import Script

RUN_DEADLINE_S = 30  # a run in flight is taken for dead this long after its last heartbeat


@dataclass(frozen=True)
class Claimed:
    """An RQ job a worker runs: its id, its execution's id on the started registry, its call."""

    rq_id: str
    execution: str
    func: str
    args: tuple[Any, ...]

    @property
    def member(self) -> str:
        """Its entry on RQ's started registry (RQ's ``Execution.composite_key``)."""
        return f"{self.rq_id}:{self.execution}"


def run_deadline() -> float:
    """The deadline, epoch s, of a run in flight whose heartbeat is now."""
    return time.time() + RUN_DEADLINE_S


def claim_prefix() -> str:
    """A new prefix of one claim call's execution ids (``<prefix>1``, ``<prefix>2``, ...)."""
    return uuid.uuid4().hex[:16] + "-"


class Claims:
    """Claiming, heartbeats and the end of RQ jobs, for one queue."""

    def __init__(self, *, rq: RqHash) -> None:
        self._rq = rq

    def claim(
        self,
        *,
        worker: str,
        limit: int,
        deadline_s: float,
        waited: str | None = None,
        prefix: str | None = None,
    ) -> Op[list[Claimed]]:
        """Takes up to ``limit`` jobs off the queue (``waited``, an id the worker's blocking wait
        moved to the intermediate list, first), each started until ``deadline_s`` (epoch s).
        ``prefix`` (default: a new one) names the call's executions, for ``lost``."""
        script_keys = [self._rq.queue_key, self._rq.intermediate_key, self._rq.started_key]
        prefix = prefix or claim_prefix()
        args = [limit, int(deadline_s), rqhash.now(), worker, prefix, self._rq.job_prefix, waited or ""]
        (reply,) = yield one(ScriptCall(Script.CLAIM_RUNS, script_keys, args))
        ids, executions, data = reply[0::3], reply[1::3], reply[2::3]  # one triple a job
        return [
            Claimed(text(i), text(ex), *rqhash.call_of(d))
            for i, ex, d in zip(ids, executions, data, strict=True)
        ]

    def lost(self, *, prefix: str) -> Op[list[Claimed]]:
        """The jobs a claim call with ``prefix`` took although its answer never arrived (Redis ran
        the script, then the connection broke): on the started registry, known to nobody else."""
        (members,) = yield one(call("zrange", self._rq.started_key, 0, -1))
        found = [
            (rq_id, execution)
            for rq_id, _, execution in (text(member).rpartition(":") for member in members)
            if execution.startswith(prefix)
        ]
        if not found:
            return []
        data = yield Batch([call("hget", rqhash.job_key(rq_id), "data") for rq_id, _ in found])
        return [
            Claimed(rq_id, execution, *rqhash.call_of(d))
            for (rq_id, execution), d in zip(found, data, strict=True)
            if d is not None  # deleted meanwhile: RQ's cleanup drops its entry
        ]

    def wait(self, *, timeout_s: float) -> Op[str | None]:
        """Waits up to ``timeout_s`` for a job to be queued, as RQ's dequeue does (moved to the
        intermediate list); its id, or None."""
        (moved,) = yield one(call("blmove", self._rq.queue_key, self._rq.intermediate_key, timeout_s))
        return None if moved is None else text(moved)

    def beat(self, *, runs: Iterable[Claimed], deadline_s: float) -> Op[None]:
        """Moves the deadline of each run on the started registry, and of each job's run on its
        job's in-flight set (only of those still on them)."""
        runs = list(runs)
        if not runs:
            return
        calls = [call("zadd", self._rq.started_key, {r.member: int(deadline_s) for r in runs}, xx=True)]
        for job_id, run_id in filter(None, (rqhash.fire_run(r.func, r.args) for r in runs)):
            calls.append(call("zadd", keys.inflight(job_id), {run_id: int(deadline_s * 1000)}, xx=True))
        yield Batch(calls)

    def done(self, *, runs: Iterable[Claimed]) -> Op[None]:
        """Forgets finished runs: off the started registry, their RQ hashes deleted (they keep no
        result: the run's own record does)."""
        runs = list(runs)
        if runs:
            yield Batch(
                [
                    call("zrem", self._rq.started_key, *(run.member for run in runs)),
                    call("delete", *(rqhash.job_key(run.rq_id) for run in runs)),
                ]
            )

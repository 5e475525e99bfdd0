"""Aborts (docs/architecture.md, "Runs"): a queued run or task is dropped and recorded aborted at
once; a running one is asked of the worker that holds it, by a note and a message on the abort
channel, and that worker records it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

from unicron_core import keys
from unicron_core.apikeys import Principal
from unicron_core.errors import Conflict, NotFound
from unicron_core.records import RunResult, TaskStatus, empty_output
from unicron_core.replies import text
from unicron_core.store import rqhash
from unicron_core.store.audit import Audit
from unicron_core.store.jobs import Jobs
from unicron_core.store.ops import Batch, Op, ScriptCall, call, one
from unicron_core.store.retries import attempt_rq_id
from unicron_core.store.rqhash import RqHash
from unicron_core.store.runs import IN_PROGRESS, Runs, job_of, unstarted
from unicron_core.store.scripts import Script
from unicron_core.store.tasks import Tasks

REPLACED_BY = "overlap replace: run "  # who asks, when a newer run of the job replaces it
NOTE_KEPT_S = 600  # an abort's note: read by the holder's next heartbeat at the latest
TASK_ENDED = frozenset({TaskStatus.SUCCESS, TaskStatus.FAILURE, TaskStatus.REVOKED})


class AbortReply(IntEnum):
    """What ``abort_run.lua`` did."""

    NEITHER = 0  # neither queued nor claimed
    DROPPED = 1
    ASKED = 2


@dataclass(frozen=True)
class Abort:
    """What an abort did: ``aborted`` (it was queued, now recorded so) or ``aborting`` (its worker
    was asked, and records it)."""

    status: Literal["aborted", "aborting"]


class Aborts:
    """Aborts of runs of jobs and of tasks."""

    def __init__(self, *, runs: Runs, tasks: Tasks, jobs: Jobs, rq: RqHash, audit: Audit) -> None:
        self._audit = audit
        self._runs = runs
        self._tasks = tasks
        self._jobs = jobs
        self._rq = rq

    def run(self, *, run_id: str, actor: Principal, ip: str | None = None) -> Op[Abort]:
        """Aborts a run of a job, queued (for its first attempt or a later one) or running.

        Raises:
            NotFound: no such run. Conflict: it has ended.
        """
        job_id = job_of(run_id)
        if job_id is None:
            raise NotFound(f"no run with id {run_id!r}")
        record = yield from self._runs.find(job_id=job_id, run_id=run_id)
        if record is not None and record.status not in IN_PROGRESS:
            raise Conflict(f"run {run_id} has ended: {record.status}")
        attempt = 1 if record is None else record.attempt
        reply = yield from self._ask(run_id, attempt_rq_id(run_id, attempt), actor)
        if reply == AbortReply.NEITHER:
            if record is None:
                raise NotFound(f"no run with id {run_id!r}")
            raise Conflict(f"run {run_id} is neither queued nor running")
        yield from self._audit.record(actor=actor.name, ip=ip, action="run.abort", target=run_id)
        if reply == AbortReply.ASKED:
            return Abort("aborting")
        spec = yield from self._jobs.spec_at(
            job_id=job_id, version=None if record is None else record.version
        )
        if spec is None:
            raise NotFound(f"no job with id {job_id!r}")
        now = time.time()
        never = record or unstarted(spec, job_id=job_id, run_id=run_id, at=now)
        update = {"status": "aborted", "success": False, "end": now, "next_attempt": None}
        aborted = never.model_copy(update={**update, "reason": _by(actor)})
        # Dropped before its first attempt it never ran: history, not the job's state.
        yield from self._runs.end(job_id=job_id, run=aborted, ender=_ender(), ran=record is not None)
        return Abort("aborted")

    def task(self, *, task_id: str, actor: Principal, ip: str | None = None) -> Op[Abort]:
        """Aborts a task, queued (for its first attempt or a later one) or running; once dropped
        it is REVOKED.

        Raises:
            NotFound: no such task. Conflict: it has ended.
        """
        task = yield from self._tasks.get(task_id=task_id)
        if task.status in TASK_ENDED:
            raise Conflict(f"task {task_id} has ended: {task.status.value}")
        attempt = {TaskStatus.PENDING: 1, TaskStatus.RETRY: task.attempts + 1}.get(task.status, task.attempts)
        reply = yield from self._ask(task_id, attempt_rq_id(task_id, attempt), actor)
        if reply == AbortReply.NEITHER:
            raise Conflict(f"task {task_id} is neither queued nor running")
        yield from self._audit.record(actor=actor.name, ip=ip, action="task.abort", target=task_id)
        if reply == AbortReply.ASKED:
            return Abort("aborting")
        now = time.time()
        earlier = task.result.history() if task.result is not None else []
        aborted = RunResult(
            success=False,
            start=now,
            end=now,
            output=empty_output(task.spec, None),
            run_id=f"{task_id}-{attempt}",
            status="aborted",
            trigger="retry" if attempt > 1 else "manual",
            attempt=attempt,
            reason=_by(actor),
            attempts=earlier,
        )
        yield from self._tasks.end(
            task_id=task_id, status=TaskStatus.REVOKED, result=aborted, error=_by(actor), ender=_ender()
        )
        return Abort("aborted")

    def ask(self, *, run_keys: Iterable[str], by: str) -> Op[None]:
        """Asks the workers holding these running runs to abort them (overlap ``replace``)."""
        calls = []
        for run_key in run_keys:
            calls += [
                call("set", keys.abort(run_key), by, ex=NOTE_KEPT_S),
                call("publish", keys.ABORT_CHANNEL, run_key),
            ]
        if calls:
            yield Batch(calls)

    def notes(self, *, run_keys: list[str]) -> Op[dict[str, str]]:
        """Who asked to abort which of these runs (those with a note only)."""
        if not run_keys:
            return {}
        (found,) = yield one(call("mget", [keys.abort(k) for k in run_keys]))
        return {k: text(by) for k, by in zip(run_keys, found, strict=True) if by is not None}

    def _ask(self, run_key: str, rq_id: str, actor: Principal) -> Op[AbortReply]:
        script_keys = [
            self._rq.queue_key,
            keys.RETRIES,
            rqhash.job_key(rq_id),
            keys.abort(run_key),
            self._rq.intermediate_key,
        ]
        args = [rq_id, actor.name, keys.ABORT_CHANNEL, run_key, NOTE_KEPT_S]
        (reply,) = yield one(ScriptCall(Script.ABORT_RUN, script_keys, args))
        return AbortReply(reply)


def _by(actor: Principal) -> str:
    return f"aborted by {actor.name}"


def _ender() -> str:
    return f"abort-{uuid.uuid4().hex}"

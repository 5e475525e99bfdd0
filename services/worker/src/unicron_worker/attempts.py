"""Whether a run starts too late, and what the end of an attempt makes of its run
(docs/architecture.md, "Runs"): over, or waiting for its next attempt after the spec's backoff
(``policy.retry_after_s``), with every earlier attempt kept on it. Shared by the runs the worker
finishes and those of dead workers."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from unicron_core import policy
from unicron_core.models import JobSpec, RunSpec
from unicron_core.records import RunResult, TaskStatus
from unicron_core.settings import Settings
from unicron_core.store import Records
from unicron_core.store.retries import Retry
from unicron_core.store.rqhash import FIRE_FUNC, TASK_FUNC, FireCall
from unicron_worker.execute import ABORTED


def too_late(spec: JobSpec, running: RunResult, settings: Settings) -> str | None:
    """Why a scheduled fire starting now is missed: past the job's start deadline after its fire
    time (``policy.start_deadline_s``); None when in time. A catch-up, a run now and a retry are
    never missed: they were meant to run late."""
    if running.trigger != "schedule" or running.attempt > 1 or running.scheduled is None:
        return None
    deadline_s = policy.start_deadline_s(spec, settings)
    late_s = running.start - running.scheduled
    if late_s <= deadline_s:
        return None
    late = f"{late_s:.0f} s late: the workers were busy or down"
    return f"missed: not started within {deadline_s:g} s of its fire time ({late})"


def _retry(
    store: Records,
    spec: RunSpec,
    run: RunResult,
    *,
    func: str,
    args: tuple[Any, ...],
    first_rq_id: str,
    now: float,
) -> Retry | None:
    # A failed run is tried again, and so is one its worker aborted as it stopped (it goes on
    # elsewhere); an abort someone asked for is final.
    if run.status != "failure" and (run.status != "aborted" or run.reason != ABORTED):
        return None
    delay_s = policy.retry_after_s(spec, attempt=run.attempt, draw=random.random())  # noqa: S311 - jitter
    if delay_s is None:
        return None
    return store.retries.next(
        func=func,
        args=args,
        first_rq_id=first_rq_id,
        attempt=run.attempt + 1,
        run_timeout_s=policy.run_timeout_s(spec, store.settings),
        due_ms=int((now + delay_s) * 1000),
    )


def fire_ended(
    store: Records, spec: RunSpec, run: RunResult, *, fire: FireCall, now: float
) -> tuple[RunResult, Retry | None]:
    """A job's run after its attempt ``run`` ended: as it is, or ``queued`` for its next attempt
    (``fire``: the attempt's ``run_fire`` arguments; the next one is not forced)."""
    again = tuple(fire._replace(attempt=run.attempt + 1, force=False))
    retry = _retry(store, spec, run, func=FIRE_FUNC, args=again, first_rq_id=run.run_id, now=now)
    if retry is None:
        return run, None
    due_s = retry.due_ms / 1000
    waiting = run.model_copy(
        update={
            "status": "queued",
            "attempt": retry.attempt,
            "attempts": run.history(),
            "next_attempt": due_s,
            "reason": f"attempt {run.attempt} {_ended(run)}; attempt {retry.attempt} at {_iso(due_s)}",
        }
    )
    return waiting, retry


def task_ended(
    store: Records, spec: RunSpec, run: RunResult, *, task_id: str, now: float
) -> tuple[TaskStatus, RunResult, Retry | None]:
    """A task's status after its attempt ``run`` ended, the attempt's record (with when the next
    is due) and its next attempt, if any."""
    retry = _retry(
        store, spec, run, func=TASK_FUNC, args=(task_id, run.attempt + 1), first_rq_id=task_id, now=now
    )
    if retry is not None:
        return TaskStatus.RETRY, run.model_copy(update={"next_attempt": retry.due_ms / 1000}), retry
    if run.success:
        return TaskStatus.SUCCESS, run, None
    revoked = run.status == "aborted" and run.reason != ABORTED  # someone asked
    return (TaskStatus.REVOKED if revoked else TaskStatus.FAILURE), run, None


def _ended(run: RunResult) -> str:
    why = run.reason or run.error
    return f"{run.status}: {why}" if why else run.status


def _iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="seconds")

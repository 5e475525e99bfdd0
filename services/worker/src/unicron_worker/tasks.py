"""The runs the worker's engine starts for RQ's jobs, by the function names the jobs carry (RQ jobs
carry ids only: the spec is read, and decrypted, from the store), and ``on_rq_failure``, which RQ's
abandoned-job handling calls for a run whose worker died (docs/decisions/0012-concurrent-worker.md).

A worker process calls ``configure`` once at start with its ``Runtime``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from functools import partial
from types import TracebackType
from typing import Any, TypeVar

from redis import exceptions as redis_errors
from rq.job import Job

from unicron_core.errors import NotFound
from unicron_core.models import RunSpec
from unicron_core.records import RunResult, RunStatus, TaskRecord, TaskStatus, Trigger, empty_output
from unicron_core.store import AsyncStore, Store, rqhash
from unicron_core.store.ops import together
from unicron_core.store.rqhash import FIRE_FUNC
from unicron_worker.execute import execute
from unicron_worker.runtime import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")
# How long a run waits for Redis to come back before giving up (well inside RQ's time limit).
REDIS_PATIENCE_S = 30.0
# What a Redis that went away for a while (a restart, a failover) raises.
_REDIS_BLIPS = (redis_errors.ConnectionError, redis_errors.TimeoutError, redis_errors.BusyLoadingError)
FIRE_DEFAULTS: tuple[int | None, Trigger, str | None] = (None, "schedule", None)  # run_fire's last three


_runtime: Runtime | None = None


def configure(runtime: Runtime) -> None:
    """Gives this process's runs and RQ callbacks their store, runners and notifier."""
    global _runtime  # noqa: PLW0603 - RQ calls plain functions by name; this is their one piece of state
    _runtime = runtime


def _rt() -> Runtime:
    if _runtime is None:
        raise RuntimeError("unicron_worker.tasks.configure() was not called in this process")
    return _runtime


async def run_fire(
    job_id: str,
    scheduled_ms: int,
    version: int | None = None,
    trigger: Trigger = "schedule",
    by: str | None = None,
) -> None:
    """Runs one run of a job (a fire, a manual run, a catch-up) with the definition it was queued
    with (``version``), and stores its result. Its RQ job's id is its run id."""
    rt = _rt()
    store = rt.store
    # Its definition read and the run counted in progress in one round trip.
    spec, running = await patiently(
        lambda: store.run(
            together(store.jobs.spec_at(job_id=job_id, version=version), store.runs.started(job_id=job_id))
        )
    )
    if spec is None:
        if running > 0:  # there, but unreadable: not running after all
            await patiently(lambda: store.run(store.runs.ended(job_id=job_id)))
        log.info("job %s was deleted before its fire %d ran", job_id, scheduled_ms)
        return
    run_id = rqhash.run_id(job_id, scheduled_ms, trigger)
    try:
        run = await execute(
            rt, spec, job_id=job_id, run_id=run_id, idempotency_key=run_id, scheduled_ms=scheduled_ms
        )
    finally:
        await patiently(lambda: store.run(store.runs.ended(job_id=job_id)))
    run = run.model_copy(update={"job_id": job_id, "trigger": trigger, "by": by, "version": version})
    await patiently(lambda: store.run(store.runs.record(job_id=job_id, run=run)))
    if await _notify(rt, spec, run, job_id=job_id):
        await patiently(lambda: store.run(store.runs.record(job_id=job_id, run=run)))


async def run_task(task_id: str) -> None:
    """Runs one attempt of an async task; a failed one with retries left is enqueued again."""
    rt = _rt()
    store = rt.store
    task = await _start(store, task_id)
    if task is None:
        log.info("task %s expired before it ran", task_id)
        return
    run_id = f"{task_id}-{task.attempts}"
    run = await execute(rt, task.spec, job_id=None, run_id=run_id, idempotency_key=task_id, scheduled_ms=None)
    run = run.model_copy(
        update={"attempt": task.attempts, "trigger": "retry" if task.attempts > 1 else "manual"}
    )
    retry = not run.success and task.attempts <= task.spec.retries
    status = TaskStatus.SUCCESS if run.success else TaskStatus.RETRY if retry else TaskStatus.FAILURE

    def finish() -> Awaitable[None]:
        return store.run(store.tasks.finish(task_id=task_id, status=status, result=run, error=run.error))

    await patiently(finish)
    if await _notify(rt, task.spec, run, job_id=None):
        await patiently(finish)
    if retry:
        await patiently(
            lambda: store.run(store.tasks.retry(task_id=task_id, attempt=task.attempts, spec=task.spec))
        )


async def _start(store: AsyncStore, task_id: str) -> TaskRecord | None:
    """``store.tasks.start``, the attempt counted once. A start whose answer was lost (Redis went
    away after running it) may have been carried out: the retries look before they start."""
    try:
        return await store.run(store.tasks.start(task_id=task_id))
    except _REDIS_BLIPS:
        pass

    async def look_then_start() -> TaskRecord | None:
        try:
            task = await store.run(store.tasks.get(task_id=task_id))
        except NotFound:
            return None  # expired before it ran
        if task.status == TaskStatus.STARTED:  # an attempt starts from PENDING or RETRY
            return task
        return await store.run(store.tasks.start(task_id=task_id))

    return await patiently(look_then_start)


async def patiently(call: Callable[[], Awaitable[T]]) -> T:
    """``await call()``, waiting out a Redis blip (a restart, a failover) for up to
    ``REDIS_PATIENCE_S``: a fire whose worker lost Redis just before running it still runs, and its
    result is kept."""
    deadline = time.monotonic() + REDIS_PATIENCE_S
    delay_s = 0.05
    while True:
        try:
            return await call()
        except _REDIS_BLIPS:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(delay_s)  # backing off from a Redis that is down; nothing to poll for
            delay_s = min(delay_s * 2, 1.0)


def on_rq_failure(
    job: Job, connection: Any, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """RQ's callback for a run whose worker died mid-run (its abandoned-job handling, which every
    worker's maintenance runs) or that failed outside ``run_fire``/``run_task``: recorded as failed
    with the reason, once however many times RQ reports it. Nothing stays STARTED."""
    store = _rt().blocking
    if not store.run(store.claims.abandoned(rq_id=job.id)):
        return  # another worker's maintenance recorded it
    reason = f"{exc_type.__name__}: {exc}".rstrip(": ")
    detail = "".join(traceback.format_exception(exc_type, exc, tb)) if tb else None
    func, args = job.func_name or "", tuple(job.args)
    unfinished(store, func, args, job.id, reason=f"the run did not finish: {reason}", detail=detail)


def unfinished(
    store: Store,
    func: str,
    args: tuple[Any, ...],
    rq_id: str,
    *,
    reason: str,
    status: RunStatus = "failure",
    detail: str | None = None,
) -> None:
    """Records a run that did not finish (its worker died or stopped, or a bug): a task fails with
    ``detail`` (a traceback) or ``reason``; a job gets a run of ``status`` with the reason."""
    if func != FIRE_FUNC:
        (task_id,) = args
        store.run(store.tasks.finish(task_id=task_id, status=TaskStatus.FAILURE, error=detail or reason))
        return
    job_id, scheduled_ms, *given = args  # then version, trigger, by, when given (``run_fire``)
    full: tuple[Any, ...] = (*given, *FIRE_DEFAULTS[len(given) :])
    version, trigger, by = full
    spec = store.run(store.jobs.spec_at(job_id=job_id, version=version))
    if spec is None:
        return  # deleted meanwhile: no history to keep
    now = time.time()
    run = RunResult(
        success=False,
        start=now,
        end=now,
        run_id=rq_id,
        scheduled=scheduled_ms / 1000,
        error=reason,
        output=empty_output(spec, job_id),
        job_id=job_id,
        status=status,
        trigger=trigger,
        by=by,
        version=version,
        reason=reason,
    )
    store.run(store.runs.ended(job_id=job_id))
    store.run(store.runs.record(job_id=job_id, run=run))


async def _notify(rt: Runtime, spec: RunSpec, run: RunResult, *, job_id: str | None) -> bool:
    """Sends the email and the webhook (each in a thread: SMTP is blocking); records each outcome
    on ``run``. True if any was sent."""
    if spec.email:
        email = partial(rt.notifier.email, to=spec.email, job_name=spec.name, run=run)
        run.notifications["email"] = await asyncio.to_thread(email)
    if spec.hook_url:
        payload = {"job_id": job_id, "name": spec.name, **run.model_dump()}
        hook = partial(rt.notifier.hook, url=spec.hook_url, headers=spec.hook_headers, payload=payload)
        run.notifications["hook"] = await asyncio.to_thread(hook)
    return bool(run.notifications)

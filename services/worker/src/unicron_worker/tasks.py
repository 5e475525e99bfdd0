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
import uuid
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

from redis import exceptions as redis_errors
from rq.job import Job

from unicron_core import policy
from unicron_core.errors import NotFound
from unicron_core.models import JobSpec, RunSpec
from unicron_core.records import RunResult, Trigger, empty_output
from unicron_core.store import AsyncStore
from unicron_core.store.aborts import REPLACED_BY
from unicron_core.store.claims import run_deadline
from unicron_core.store.ops import Op, together
from unicron_core.store.retries import Retry
from unicron_core.store.rqhash import FIRE_FUNC, FireCall
from unicron_core.store.runs import Ended, Started
from unicron_worker import alerts, attempts
from unicron_worker.execute import execute
from unicron_worker.runtime import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")
# How long a run waits for Redis to come back before giving up. Its heartbeats renew its registry
# entry as soon as Redis is back (and no maintenance cleans before they do), so a run that ends in an
# outage of minutes is recorded as it ended, not as a dead worker's.
REDIS_PATIENCE_S = 300.0
# What a Redis that went away for a while (a restart, a failover) raises.
_REDIS_BLIPS = (redis_errors.ConnectionError, redis_errors.TimeoutError, redis_errors.BusyLoadingError)
REPLACE_WAIT_S = 10.0  # overlap replace: how long a new run waits for the ones it aborts
REPLACE_POLL_S = 0.05

_runtime: Runtime | None = None


def configure(runtime: Runtime) -> None:
    """Gives this process's runs and RQ callbacks their store, runners and notifier."""
    global _runtime  # noqa: PLW0603 - RQ calls plain functions by name; this is their one piece of state
    _runtime = runtime


def _rt() -> Runtime:
    if _runtime is None:
        raise RuntimeError("unicron_worker.tasks.configure() was not called in this process")
    return _runtime


async def run_fire(  # noqa: PLR0917 - RQ passes the fire's arguments positionally
    job_id: str,
    scheduled_ms: int,
    version: int | None = None,
    trigger: Trigger = "schedule",
    by: str | None = None,
    attempt: int = 1,
    force: bool = False,
) -> None:
    """Runs one attempt of a run of a job (a fire, a manual run, a catch-up) with the definition it
    was queued with (``version``), and stores it: ``running`` as it starts (or ``skipped`` when the
    job's overlap rule says so), then its end, and its next attempt when it failed with attempts
    left. Its run id is its first attempt's RQ id; ``force`` starts it whatever the overlap rule."""
    rt = _rt()
    store = rt.store
    fire = FireCall(job_id, scheduled_ms, version, trigger, by, attempt, force)
    run_id = fire.run_id
    spec, before = await patiently(lambda: store.run(_definition(store, fire)))
    if spec is None:
        log.info("job %s was deleted before its fire %d ran", job_id, scheduled_ms)
        return
    own = {
        "job_id": job_id,
        "trigger": trigger if attempt == 1 else "retry",
        "by": by,
        "version": version,
        "attempt": attempt,
        "worker": rt.worker,
        "attempts": before.attempts if before is not None else [],
    }
    running = RunResult(
        success=False,
        start=time.time(),
        end=None,
        output=empty_output(spec, job_id),
        run_id=run_id,
        scheduled=scheduled_ms / 1000,
        status="running",
        **own,
    )
    reason = attempts.too_late(spec, running, rt.settings)
    if reason is not None:
        await _end_fire(
            rt,
            spec,
            running.model_copy(update={"status": "missed", "end": running.start, "reason": reason}),
            fire,
        )
        return
    if_running = policy.on_overlap(spec.overlap, running=True, force=force)

    def start() -> Awaitable[Started]:
        return store.run(
            store.runs.start(job_id=job_id, run=running, deadline_s=run_deadline(), if_running=if_running)
        )

    # Its record is written beside its call when the overlap rule has nothing to decide (allow, or
    # forced): the call need not wait for it. Otherwise the rule is decided first.
    starting = asyncio.ensure_future(patiently(start))
    if if_running != "start":
        started = await starting
        if started.skipped:
            others = ", ".join(started.others)
            reason = f"skipped: run {others} of this job was still running (overlap: forbid)"
            ended = running.model_copy(update={"status": "skipped", "end": time.time(), "reason": reason})
            await _end_fire(rt, spec, ended, fire)
            return
        if started.others:  # overlap: replace
            await _replace(rt, job_id, started.others, by=run_id)
    watch = asyncio.create_task(alerts.overrun(rt, spec, running)) if spec.max_duration else None
    try:
        run = await execute(
            rt, spec, job_id=job_id, run_id=run_id, idempotency_key=run_id, scheduled_ms=scheduled_ms
        )
    finally:
        if watch is not None:
            watch.cancel()
    await starting  # stored before its end replaces it
    await _end_fire(rt, spec, run.model_copy(update=own), fire)


async def _replace(rt: Runtime, job_id: str, others: list[str], *, by: str) -> None:
    """Aborts the job's other runs in flight (overlap ``replace``) and waits for them to end, up to
    ``REPLACE_WAIT_S`` (a dead worker's run ends only at its deadline): then this one starts."""
    store = rt.store
    await patiently(lambda: store.run(store.aborts.ask(run_keys=others, by=f"{REPLACED_BY}{by}")))
    deadline = time.monotonic() + REPLACE_WAIT_S
    while set(others) & set(await patiently(lambda: store.run(store.runs.live(job_id=job_id)))):
        if time.monotonic() > deadline:
            log.warning("run(s) %s of job %s still in flight; starting its new run", others, job_id)
            return
        await asyncio.sleep(REPLACE_POLL_S)


def _definition(store: AsyncStore, fire: FireCall) -> Op[tuple[JobSpec | None, RunResult | None]]:
    """A fire's definition, and for a later attempt the run as the last one left it (its earlier
    attempts), in one round trip."""
    spec_at = store.jobs.spec_at(job_id=fire.job_id, version=fire.version)
    if fire.attempt == 1:
        return (yield from spec_at), None
    return (yield from together(spec_at, store.runs.find(job_id=fire.job_id, run_id=fire.run_id)))


async def _end_fire(rt: Runtime, spec: JobSpec, ended: RunResult, fire: FireCall) -> None:
    """Records the end of a fire's attempt (and its next one), then tells whom the job says."""
    store, job_id = rt.store, fire.job_id
    run, retry = attempts.fire_ended(store, spec, ended, fire=fire, now=time.time())

    def end() -> Awaitable[Ended]:
        return store.run(
            store.runs.end(
                job_id=job_id, run=run, ender=_ender(rt), retry=retry, alert_after=spec.alert_after
            )
        )

    done = await patiently(end)
    if not done.stored:
        return  # recorded before: this worker was taken for dead, and its run went on elsewhere
    _count(rt, spec, ended, retry)
    event = alerts.of_fire(spec, ended, done)
    if event is not None and await alerts.tell(rt, spec, run, job_id=job_id, event=event):
        await patiently(lambda: store.run(store.runs.record(job_id=job_id, run=run)))


async def run_task(task_id: str, attempt: int = 1) -> None:
    """Runs one attempt of an async task and stores it (and its next attempt when it failed with
    attempts left)."""
    rt = _rt()
    store = rt.store
    task = await patiently(lambda: store.run(store.tasks.start(task_id=task_id, attempt=attempt)))
    if task is None:
        log.info("task %s expired before it ran", task_id)
        return
    run_id = f"{task_id}-{attempt}"
    run = await execute(rt, task.spec, job_id=None, run_id=run_id, idempotency_key=task_id, scheduled_ms=None)
    before = task.result if attempt > 1 else None
    own = {"attempt": attempt, "trigger": "retry" if attempt > 1 else "manual", "worker": rt.worker}
    run = run.model_copy(update={**own, "attempts": before.history() if before is not None else []})
    status, run, retry = attempts.task_ended(store, task.spec, run, task_id=task_id, now=time.time())
    if not await patiently(
        lambda: store.run(
            store.tasks.end(
                task_id=task_id, status=status, result=run, error=run.error, ender=_ender(rt), retry=retry
            )
        )
    ):
        return  # recorded before (see run_fire), or expired meanwhile
    _count(rt, task.spec, run, retry)
    event = alerts.of_task(task.spec, run, status)
    if event is not None and await alerts.tell(rt, task.spec, run, job_id=None, event=event):
        await patiently(
            lambda: store.run(store.tasks.record(task_id=task_id, status=status, result=run, error=run.error))
        )


async def patiently(call: Callable[[], Awaitable[T]]) -> T:
    """``await call()``, waiting out Redis going away (a restart, a failover, an outage) for up
    to ``REDIS_PATIENCE_S``: a fire whose worker lost Redis just before running it still runs, and
    its result is kept."""
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
    worker's maintenance runs) or that failed outside ``run_fire``/``run_task``: its attempt ends
    as failed with the reason (tried again if it has attempts left), once however many times RQ
    reports it. Nothing stays running."""
    reason = f"{exc_type.__name__}: {exc}".rstrip(": ")
    detail = "".join(traceback.format_exception(exc_type, exc, tb)) if tb else None
    func, args = job.func_name or "", tuple(job.args)
    unfinished(_rt(), func, args, reason=f"the run did not finish: {reason}", detail=detail)


def _ender(rt: Runtime) -> str:
    """Who ends the runs this worker ran (``Runs.end``)."""
    return rt.worker or "worker"


def _count(rt: Runtime, spec: RunSpec, attempt: RunResult, retry: Retry | None) -> None:
    """An attempt that ended, in the metrics: its own status, and its next one if it has one."""
    took_s = None if attempt.end is None else attempt.end - attempt.start
    rt.metrics.run_finished(status=attempt.status, trigger=attempt.trigger, kind=spec.kind, duration_s=took_s)
    if retry is not None:
        rt.metrics.retry_scheduled(kind=spec.kind)


def unfinished(
    rt: Runtime, func: str, args: tuple[Any, ...], *, reason: str, detail: str | None = None
) -> None:
    """Ends the attempt of a run that did not finish (its worker died, or a bug) as failed with the
    reason (a task's error: ``detail``, a traceback, when there is one); a run with attempts left
    is tried again. Recorded once: a second report does nothing."""
    ender = f"cleanup-{uuid.uuid4().hex}"  # this report
    if func == FIRE_FUNC:
        _unfinished_fire(rt, args, reason=reason, ender=ender)
    else:
        _unfinished_task(rt, args, reason=reason, detail=detail, ender=ender)


def _unfinished_task(
    rt: Runtime, args: tuple[Any, ...], *, reason: str, detail: str | None, ender: str
) -> None:
    store, now = rt.blocking, time.time()
    task_id, *rest = args  # then the attempt, when given (``run_task``)
    attempt = rest[0] if rest else 1
    try:
        task = store.run(store.tasks.get(task_id=task_id))
    except NotFound:
        return  # expired meanwhile
    run = RunResult(
        success=False,
        start=now,
        end=now,
        output=empty_output(task.spec, None),
        run_id=f"{task_id}-{attempt}",
        error=reason,
        status="failure",
        trigger="retry" if attempt > 1 else "manual",
        attempt=attempt,
        reason=reason,
        attempts=task.result.history() if attempt > 1 and task.result is not None else [],
    )
    status, run, retry = attempts.task_ended(store, task.spec, run, task_id=task_id, now=now)
    ended = store.tasks.end(
        task_id=task_id, status=status, result=run, error=detail or reason, ender=ender, retry=retry
    )
    if store.run(ended):
        _count(rt, task.spec, run, retry)
        event = alerts.of_task(task.spec, run, status)
        if event is not None and alerts.send(rt, task.spec, run, job_id=None, event=event):
            store.run(store.tasks.record(task_id=task_id, status=status, result=run, error=detail or reason))


def _unfinished_fire(rt: Runtime, args: tuple[Any, ...], *, reason: str, ender: str) -> None:
    store, now = rt.blocking, time.time()
    fire = FireCall(*args)
    job_id = fire.job_id
    spec = store.run(store.jobs.spec_at(job_id=job_id, version=fire.version))
    if spec is None:
        return  # deleted meanwhile: no history to keep
    found = store.run(store.runs.find(job_id=job_id, run_id=fire.run_id))  # as it started, if it did
    running = found if found is not None and found.status == "running" else None
    ended = RunResult(
        success=False,
        start=now if running is None else running.start,
        end=now,
        output=empty_output(spec, job_id),
        run_id=fire.run_id,
        scheduled=fire.scheduled_ms / 1000,
        error=reason,
        job_id=job_id,
        status="failure",
        trigger=fire.trigger if fire.attempt == 1 else "retry",
        by=fire.by,
        version=fire.version,
        reason=reason,
        attempt=fire.attempt,
        worker=None if running is None else running.worker,
        attempts=[] if found is None else found.attempts,
    )
    run, retry = attempts.fire_ended(store, spec, ended, fire=fire, now=now)
    done = store.run(
        store.runs.end(job_id=job_id, run=run, ender=ender, retry=retry, alert_after=spec.alert_after)
    )
    if done.stored:
        _count(rt, spec, ended, retry)
        event = alerts.of_fire(spec, ended, done)
        if event is not None and alerts.send(rt, spec, run, job_id=job_id, event=event):
            store.run(store.runs.record(job_id=job_id, run=run))

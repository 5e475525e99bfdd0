"""The functions RQ runs. RQ jobs carry ids only: the spec is read (and decrypted) from the store.

A worker process calls ``configure`` once at start; RQ then calls ``run_fire``, ``run_task`` and,
when a job failed outside them (worker died, RQ's own timeout), ``on_rq_failure``.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

from redis import exceptions as redis_errors
from redis.client import Pipeline
from rq.job import Job

from unicron_core import policy
from unicron_core.models import JobSpec, RunSpec
from unicron_core.records import RunResult, TaskRecord, TaskStatus, Trigger, empty_output
from unicron_core.settings import Settings
from unicron_core.store import Store, rqhash
from unicron_core.store.rqhash import FIRE_FUNC, TASK_FUNC
from unicron_worker.http_runner import HttpRunner
from unicron_worker.notify import Notifier
from unicron_worker.outcome import Outcome
from unicron_worker.shell_runner import Sandbox, run_command

log = logging.getLogger(__name__)
T = TypeVar("T")
# How long a run waits for Redis to come back before giving up (well inside RQ's time limit).
REDIS_PATIENCE_S = 30.0
FIRE_DEFAULTS: tuple[int | None, Trigger, str | None] = (None, "schedule", None)  # run_fire's last three


@dataclass
class Runtime:
    """What the RQ functions need, built once per worker process."""

    settings: Settings
    store: Store
    http: HttpRunner
    notifier: Notifier
    sandbox: Sandbox
    # Tasks the worker started in its own start round trip (``start_on``), for ``run_task``: what
    # it read, None when the task had expired.
    started: dict[str, TaskRecord | None] = field(default_factory=dict)


_runtime: Runtime | None = None


def configure(runtime: Runtime) -> None:
    """Gives this process's RQ functions their store, runners and notifier."""
    global _runtime  # noqa: PLW0603 - RQ calls plain functions; this is their one piece of state
    _runtime = runtime


def _rt() -> Runtime:
    if _runtime is None:
        raise RuntimeError("unicron_worker.tasks.configure() was not called in this process")
    return _runtime


def run_fire(
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
    spec = _patiently(lambda: store.run(store.jobs.spec_at(job_id=job_id, version=version)))
    if spec is None:
        log.info("job %s was deleted before its fire %d ran", job_id, scheduled_ms)
        return
    run_id = rqhash.run_id(job_id, scheduled_ms, trigger)
    _patiently(lambda: store.run(store.runs.started(job_id=job_id)))
    try:
        run = execute(
            rt, spec, job_id=job_id, run_id=run_id, idempotency_key=run_id, scheduled_ms=scheduled_ms
        )
    finally:
        _patiently(lambda: store.run(store.runs.ended(job_id=job_id)))
    run = run.model_copy(update={"job_id": job_id, "trigger": trigger, "by": by, "version": version})
    _patiently(lambda: store.run(store.runs.record(job_id=job_id, run=run)))
    if _notify(rt, spec, run, job_id=job_id):
        _patiently(lambda: store.run(store.runs.record(job_id=job_id, run=run)))


def start_on(job: Job, pipe: Pipeline) -> Callable[[list[Any]], None] | None:
    """Puts the start of the task ``job`` runs on ``pipe``, the worker's own start round trip (one
    round trip less a task). Returns what to call with the pipeline's replies, or None when ``job``
    is not a task."""
    rt = _runtime
    if job.func_name != TASK_FUNC or rt is None:
        return None
    task_id: str = job.args[0]
    paused = rt.store.queue_first(rt.store.tasks.start(task_id=task_id), pipe)

    def started(replies: list[Any]) -> None:
        rt.started[task_id] = rt.store.resume(paused, replies)

    return started


def _start(rt: Runtime, task_id: str) -> TaskRecord | None:
    """The task, started by the worker's round trip (``start_on``) or else here."""
    if task_id in rt.started:
        return rt.started.pop(task_id)
    return _patiently(lambda: rt.store.run(rt.store.tasks.start(task_id=task_id)))


def run_task(task_id: str) -> None:
    """Runs one attempt of an async task; a failed one with retries left is enqueued again."""
    rt = _rt()
    task = _start(rt, task_id)
    if task is None:
        log.info("task %s expired before it ran", task_id)
        return
    run_id = f"{task_id}-{task.attempts}"
    run = execute(rt, task.spec, job_id=None, run_id=run_id, idempotency_key=task_id, scheduled_ms=None)
    run = run.model_copy(
        update={"attempt": task.attempts, "trigger": "retry" if task.attempts > 1 else "manual"}
    )
    retry = not run.success and task.attempts <= task.spec.retries
    status = TaskStatus.SUCCESS if run.success else TaskStatus.RETRY if retry else TaskStatus.FAILURE

    def finish() -> None:
        rt.store.run(rt.store.tasks.finish(task_id=task_id, status=status, result=run, error=run.error))

    _patiently(finish)
    if _notify(rt, task.spec, run, job_id=None):
        _patiently(finish)
    if retry:
        _patiently(
            lambda: rt.store.run(rt.store.tasks.retry(task_id=task_id, attempt=task.attempts, spec=task.spec))
        )


def _patiently(call: Callable[[], T]) -> T:
    """``call()``, waiting out a Redis blip (a restart, a failover) for up to ``REDIS_PATIENCE_S``:
    a fire whose worker lost Redis just before running it still runs, and its result is kept."""
    deadline = time.monotonic() + REDIS_PATIENCE_S
    delay_s = 0.05
    while True:
        try:
            return call()
        except (redis_errors.ConnectionError, redis_errors.TimeoutError, redis_errors.BusyLoadingError):
            if time.monotonic() > deadline:
                raise
            time.sleep(delay_s)  # backing off from a Redis that is down; nothing to poll for
            delay_s = min(delay_s * 2, 1.0)


def on_rq_failure(
    job: Job, connection: Any, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """Records a failure that happened outside ``run_fire``/``run_task``: the worker died
    mid-run (RQ's abandoned-job handling), RQ's own time limit, or a bug. Nothing stays STARTED."""
    rt = _rt()
    reason = f"{exc_type.__name__}: {exc}".rstrip(": ")
    detail = "".join(traceback.format_exception(exc_type, exc, tb)) if tb else reason
    if job.func_name != FIRE_FUNC:
        (task_id,) = job.args
        rt.store.run(rt.store.tasks.finish(task_id=task_id, status=TaskStatus.FAILURE, error=detail))
        return
    job_id, scheduled_ms, *given = job.args  # then version, trigger, by, when given (``run_fire``)
    full: tuple[Any, ...] = (*given, *FIRE_DEFAULTS[len(given) :])
    version, trigger, by = full
    spec = rt.store.run(rt.store.jobs.spec_at(job_id=job_id, version=version))
    if spec is None:
        return  # deleted meanwhile: no history to keep
    now = time.time()
    run = RunResult(
        success=False,
        start=now,
        end=now,
        run_id=job.id,
        scheduled=scheduled_ms / 1000,
        error=f"the run did not finish: {reason}",
        output=empty_output(spec, job_id),
        job_id=job_id,
        status="failure",
        trigger=trigger,
        by=by,
        version=version,
        reason=f"the run did not finish: {reason}",
    )
    rt.store.run(rt.store.runs.ended(job_id=job_id))
    rt.store.run(rt.store.runs.record(job_id=job_id, run=run))


def execute(
    rt: Runtime,
    spec: RunSpec,
    *,
    job_id: str | None,
    run_id: str,
    idempotency_key: str,
    scheduled_ms: int | None,
) -> RunResult:
    """Runs a spec with its executor; never raises for a failing command or call."""
    timeout_s = policy.run_timeout_s(spec, rt.settings)
    start = time.time()
    if spec.command is not None:
        # A job's command sees the job's own zone as TZ, as its schedule does; a task the cluster's.
        tz = (spec.timezone if isinstance(spec, JobSpec) else None) or rt.settings.tz
        env = _command_env(rt.settings, tz=tz, job_id=job_id, run_id=run_id, scheduled_ms=scheduled_ms)
        outcome = run_command(
            spec.command,
            timeout_s=timeout_s,
            env=env,
            limit_bytes=rt.settings.output_limit_bytes,
            job_id=job_id,
            sandbox=rt.sandbox,
        )
    else:
        outcome = rt.http.call(spec, timeout_s=timeout_s, idempotency_key=idempotency_key, job_id=job_id)
    return _result(outcome, start=start, run_id=run_id, scheduled_ms=scheduled_ms)


def _result(outcome: Outcome, *, start: float, run_id: str, scheduled_ms: int | None) -> RunResult:
    return RunResult(
        success=outcome.success,
        start=start,
        end=time.time(),
        output=outcome.output,
        run_id=run_id,
        scheduled=scheduled_ms / 1000 if scheduled_ms is not None else None,
        error=outcome.error,
        status="success" if outcome.success else "failure",
        reason=outcome.error,
    )


def _command_env(
    settings: Settings, *, tz: str, job_id: str | None, run_id: str, scheduled_ms: int | None
) -> dict[str, str]:
    """A clean environment: the allowlisted worker variables, TZ and the run's own; never the
    worker's secrets (UNICRON_KEY, REDIS_URL, SMTP_PASSWORD are not on the list)."""
    allowed = [name.strip() for name in settings.command_env.split(",") if name.strip()]
    env = {name: os.environ[name] for name in allowed if name in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(
        TZ=tz,
        UNICRON_JOB_ID=job_id or "",
        UNICRON_RUN_ID=run_id,
        UNICRON_FIRE_TIME=str(scheduled_ms) if scheduled_ms is not None else "",
    )
    return env


def _notify(rt: Runtime, spec: RunSpec, run: RunResult, *, job_id: str | None) -> bool:
    """Sends the email and the webhook; records each outcome on ``run``. True if any was sent."""
    if spec.email:
        run.notifications["email"] = rt.notifier.email(to=spec.email, job_name=spec.name, run=run)
    if spec.hook_url:
        payload = {"job_id": job_id, "name": spec.name, **run.model_dump()}
        run.notifications["hook"] = rt.notifier.hook(
            url=spec.hook_url, headers=spec.hook_headers, payload=payload
        )
    return bool(run.notifications)

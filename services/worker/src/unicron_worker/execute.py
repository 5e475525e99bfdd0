"""One run of a spec: its HTTP call or its command, with its time limit, its output capped, and an
end the worker can ask for (docs/decisions/0012-concurrent-worker.md): a run whose task is
cancelled stops at once (a command's whole process group is killed) and is reported aborted."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from dataclasses import replace
from functools import partial

from unicron_core import policy
from unicron_core.models import JobSpec, RunSpec
from unicron_core.records import RunResult, empty_output
from unicron_core.settings import Settings
from unicron_worker.outcome import Outcome
from unicron_worker.runtime import Runtime
from unicron_worker.shell_runner import run_command

ABORTED = "aborted: the worker stopped before the run finished"
TERM_GRACE_S = 1.0  # an aborted command's group gets SIGTERM, then SIGKILL after this


async def execute(
    rt: Runtime,
    spec: RunSpec,
    *,
    job_id: str | None,
    run_id: str,
    idempotency_key: str,
    scheduled_ms: int | None,
) -> RunResult:
    """Runs a spec with its executor; never raises for a failing command or call. Cancelled (the
    worker stopping, or an abort asked for: ``rt.aborting``), the run ends at once and is reported
    ``aborted`` with the reason. Its run key (``idempotency_key``: a job's run id or a task id) is
    in ``rt.executing`` while it runs."""
    start = time.time()
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("a run is executed in an asyncio task")
    asked = rt.aborting.get(idempotency_key)
    if asked is not None:  # asked before it started
        outcome = Outcome(output=empty_output(spec, job_id), success=False, error=asked)
        return _result(outcome, start=start, run_id=run_id, scheduled_ms=scheduled_ms, status="aborted")
    rt.executing[idempotency_key] = task
    try:
        return await _execute(
            rt, spec, task, job_id=job_id, run_id=run_id, key=idempotency_key, scheduled_ms=scheduled_ms
        )
    finally:
        rt.executing.pop(idempotency_key, None)


async def _execute(
    rt: Runtime,
    spec: RunSpec,
    task: asyncio.Task[object],
    *,
    job_id: str | None,
    run_id: str,
    key: str,
    scheduled_ms: int | None,
) -> RunResult:
    timeout_s = policy.run_timeout_s(spec, rt.settings)
    start = time.time()
    try:
        if spec.command is not None:
            # A job's command sees the job's own zone as TZ, as its schedule does; a task the cluster's.
            tz = (spec.timezone if isinstance(spec, JobSpec) else None) or rt.settings.tz
            env = _command_env(rt.settings, tz=tz, job_id=job_id, run_id=run_id, scheduled_ms=scheduled_ms)
            command = partial(
                run_command,
                spec.command,
                timeout_s=timeout_s,
                env=env,
                limit_bytes=rt.settings.output_limit_bytes,
                job_id=job_id,
                sandbox=rt.sandbox,
            )
            outcome = await _command(rt, command)
        else:
            outcome = await rt.http.call(spec, timeout_s=timeout_s, idempotency_key=key, job_id=job_id)
    except asyncio.CancelledError:  # before the call or the command started
        outcome = Outcome(output=empty_output(spec, job_id), success=False)
    if task.cancelling():  # the worker's stop, or an abort: this run ends here, recorded
        task.uncancel()
        outcome = replace(outcome, success=False, error=rt.aborting.get(key, ABORTED))
        return _result(outcome, start=start, run_id=run_id, scheduled_ms=scheduled_ms, status="aborted")
    return _result(outcome, start=start, run_id=run_id, scheduled_ms=scheduled_ms)


async def _command(rt: Runtime, command: partial[Outcome]) -> Outcome:
    """Runs a command in a thread of its own (the command is a child process: the thread only
    waits for it), ``rt.commands`` at once, its group known to the reaper while it runs. Cancelled,
    it ends the command's process group (SIGTERM, then SIGKILL after ``TERM_GRACE_S``) and returns
    what it had written."""
    groups: list[int] = []

    def started(pgid: int) -> None:
        groups.append(pgid)
        rt.reaper.started(pgid)

    async with rt.commands:
        running = asyncio.get_running_loop().run_in_executor(rt.threads, partial(command, on_start=started))
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            _signal(groups, signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(asyncio.shield(running), TERM_GRACE_S)
            _signal(groups, signal.SIGKILL)
            return await running  # at once: the command is gone
        finally:
            for group in groups:
                rt.reaper.ended(group)


def _signal(groups: list[int], signum: int) -> None:
    for group in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signum)


def _result(
    outcome: Outcome, *, start: float, run_id: str, scheduled_ms: int | None, status: str | None = None
) -> RunResult:
    return RunResult(
        success=outcome.success,
        start=start,
        end=time.time(),
        output=outcome.output,
        run_id=run_id,
        scheduled=scheduled_ms / 1000 if scheduled_ms is not None else None,
        error=outcome.error,
        status=status or ("success" if outcome.success else "failure"),
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

"""Telling people about a run: the email and the webhook a run's end (or an overrun) sends, as
the job's ``notify`` decides (``policy.alert``; docs/architecture.md, "Runs"). A notification
never fails the run: its outcome is recorded on the run."""

from __future__ import annotations

import asyncio

from unicron_core import policy
from unicron_core.models import JobSpec, RunSpec
from unicron_core.policy import AlertEvent
from unicron_core.records import RunResult, TaskStatus
from unicron_core.store.runs import Ended
from unicron_worker.runtime import Runtime


def of_fire(spec: JobSpec, ended: RunResult, done: Ended) -> AlertEvent | None:
    """The event a job's attempt ``ended`` is told as, from the job's health after it (``done``)."""
    return policy.alert(
        spec.notify,
        status=ended.status,
        change=done.change,
        failures=done.failures,
        alert_after=spec.alert_after,
    )


def of_task(spec: RunSpec, run: RunResult, status: TaskStatus) -> AlertEvent | None:
    """The event a task's attempt is told as. A task has no history to change: ``change`` tells
    its failure, as ``failure`` does; an attempt with another to come is no failure yet."""
    notify = "failure" if spec.notify == "change" else spec.notify
    failures = 0 if status == TaskStatus.RETRY else 1
    return policy.alert(notify, status=run.status, change="", failures=failures, alert_after=1)


def send(rt: Runtime, spec: RunSpec, run: RunResult, *, job_id: str | None, event: AlertEvent) -> bool:
    """Sends the email and the webhook, each naming ``event`` (blocking: SMTP is); records each
    outcome on ``run``. True if any was sent."""
    if spec.email:
        run.notifications["email"] = rt.notifier.email(
            to=spec.email, job_name=spec.name, run=run, event=event
        )
        rt.metrics.notified(channel="email", result=run.notifications["email"])
    if spec.hook_url:
        payload = {"event": event, "job_id": job_id, "name": spec.name, **run.model_dump()}
        run.notifications["hook"] = rt.notifier.hook(
            url=spec.hook_url, headers=spec.hook_headers, payload=payload
        )
        rt.metrics.notified(channel="hook", result=run.notifications["hook"])
    return bool(run.notifications)


async def tell(rt: Runtime, spec: RunSpec, run: RunResult, *, job_id: str | None, event: AlertEvent) -> bool:
    """``send``, in a thread."""
    return await asyncio.to_thread(send, rt, spec, run, job_id=job_id, event=event)


async def overrun(rt: Runtime, spec: JobSpec, running: RunResult) -> None:
    """Tells of a run still going after the job's ``max_duration`` (it goes on: its timeout ends
    it); cancelled when the run ends first."""
    if spec.max_duration is None or spec.notify == "never":
        return
    await asyncio.sleep(spec.max_duration)
    reason = f"overrun: still running after {spec.max_duration:g} s (max_duration)"
    await tell(
        rt, spec, running.model_copy(update={"reason": reason}), job_id=running.job_id, event="overrun"
    )

"""Schedules without a job: ``/api/schedule/...``; ``Count`` is also what a job's next fires take."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError

from unicron_api.contract import SECURED, WITH_BODY, WITH_ID, errors
from unicron_api.envelope import ScheduleTimesEnvelope
from unicron_api.routes.common import JobId, both, secured_router, settings_of, store_of
from unicron_core import cron, policy
from unicron_core.apikeys import Scope
from unicron_core.preview import COUNT_DEFAULT, COUNT_MAX, SchedulePreview, instant_ms, now_ms, times_of

router = secured_router()

# `?count=` of the operations that answer fire times (1-100; default preview.COUNT_DEFAULT).
Count = Annotated[int, Query(ge=1, le=COUNT_MAX, description="how many fire times")]


@both(
    router,
    "POST",
    "/schedule/preview",
    operation_id="preview_schedule",
    scope=Scope.JOBS_READ,
    tags=["schedule"],
    summary="Preview a schedule",
    responses=errors(*SECURED, *WITH_BODY),
)
async def preview_schedule(body: SchedulePreview, request: Request) -> ScheduleTimesEnvelope:
    """Checks a schedule and explains it without creating a job: its next `count` fire times after
    `after` (default now) in `timezone` (default the cluster's `TZ`), and a description in words.

    A 422 names the field (`schedule`, `timezone`, `after`, `count`) and says what is wrong with it;
    a schedule this cluster would refuse for firing too often (`UNICRON_MIN_INTERVAL`) is one too.
    """
    settings = settings_of(request)
    tz = body.timezone or settings.tz
    schedule = cron.parse(body.schedule, tz)
    refusal = policy.too_frequent(schedule, settings)
    if refusal is not None:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", "schedule"), "msg": refusal, "input": body.schedule}]
        )
    after_ms = now_ms() if body.after is None else instant_ms(body.after, cron.get_zone(tz))
    return ScheduleTimesEnvelope.ok(times_of(schedule, after_ms=after_ms, count=body.count))


@both(
    router,
    "GET",
    "/job/{job_id:job_id}/next",
    operation_id="job_next_times",
    scope=Scope.JOBS_READ,
    tags=["jobs"],
    summary="A job's next fire times",
    responses=errors(*SECURED, *WITH_ID, 422),
)
async def job_next_times(
    job_id: JobId, request: Request, count: Count = COUNT_DEFAULT
) -> ScheduleTimesEnvelope:
    """The job's next `count` (1-100, default 5) fire times from now in its zone (ISO 8601 with the
    offset, and epoch ms), and its schedule in words. A paused job answers the times its schedule
    has; it fires at the first of them after it is resumed."""
    store = store_of(request)
    record = await store.run(store.jobs.get(job_id=job_id))
    schedule = policy.schedule_of(record.spec, settings_of(request))
    msg = "paused: the times its schedule has once resumed" if record.paused is not None else "ok"
    return ScheduleTimesEnvelope.ok(times_of(schedule, after_ms=now_ms(), count=count), msg)

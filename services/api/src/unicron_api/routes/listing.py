"""Jobs by the page, filtered (``GET /api/jobs``), and the same filters acting on many jobs at once
(``POST /api/jobs/pause``, ``/api/jobs/resume``)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

from fastapi import Query, Request

from unicron_api.contract import SECURED, WITH_BODY, errors
from unicron_api.envelope import BulkEnvelope, JobsPageEnvelope
from unicron_api.requests import BulkPauseRequest, BulkResult, BulkResumeRequest
from unicron_api.routes.common import StoreDep, both, ip_of, principal, secured_router, store_of
from unicron_core.apikeys import Scope
from unicron_core.errors import UnicronError
from unicron_core.models import LABEL_PATTERN, TAGS_MAX, JobState, Label
from unicron_core.store.joblist import JobFilter
from unicron_core.store.pages import Cursor
from unicron_core.views import JobsPage, JobView

router = secured_router()
BULK_MAX = 10_000  # jobs a bulk operation changes at most; past it, it says how many it left

Limit = Annotated[int, Query(ge=1, le=500, description="jobs a page holds at most")]
# Never null: a query parameter is absent (no tag filter) or given, each value a tag as jobs have.
Tags = Annotated[
    list[Label], Query(max_length=TAGS_MAX, description="the job has every tag given (repeat it)")
]


@both(
    router,
    "GET",
    "/jobs",
    operation_id="page_jobs",
    scope=Scope.JOBS_READ,
    tags=["jobs"],
    summary="Jobs, a page at a time",
    responses=errors(*SECURED, 422),
)
async def page_jobs(
    *,
    store: StoreDep,
    limit: Limit = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200, description="the name contains it")] = None,
    tag: Tags = [],  # noqa: B006 - FastAPI copies a parameter's default, never shares it
    state: Annotated[JobState | None, Query(description="active, paused, failing, running")] = None,
    managed_by: Annotated[str | None, Query(pattern=LABEL_PATTERN, description="the job's owner")] = None,
) -> JobsPageEnvelope:
    """Jobs in the order they were created, read from indexes, `limit` a page: pass `next_cursor`
    as `cursor` for the next one. Filters combine: `q` (the name contains it, any case), `tag` (each
    given), `state` (`failing`: the latest run failed; `running`: a run in progress), `managed_by`.
    `total` counts every match (null with `q`, which would read every job's name). A filtered page
    may hold fewer jobs than `limit` and still have a `next_cursor`: it stops after reading 5,000
    candidates."""
    where = JobFilter(q=q, tags=tuple(tag), state=state, managed_by=managed_by)
    page = await store.run(store.joblist.page(where=where, limit=limit, cursor=Cursor.decode(cursor)))
    items = [JobView.of(record) for record in page.items]
    next_cursor = page.next_cursor.encode() if page.next_cursor is not None else None
    return JobsPageEnvelope.ok(JobsPage(items=items, next_cursor=next_cursor, total=page.total))


@both(
    router,
    "POST",
    "/jobs/pause",
    operation_id="pause_jobs",
    scope=Scope.JOBS_WRITE,
    tags=["jobs"],
    summary="Pause every job with a tag",
    responses=errors(*SECURED, *WITH_BODY),
)
async def pause_jobs(body: BulkPauseRequest, request: Request) -> BulkEnvelope:
    """Pauses each job with the tag (as pause_job does); says which it paused and why others not."""
    store = store_of(request)
    actor, ip = principal(request), ip_of(request)
    result = BulkResult(done=[], failed={})
    for job_id in await _tagged(request, body.tag, state=None):
        op = store.lifecycle.pause(job_id=job_id, actor=actor, reason=body.reason, until=body.until, ip=ip)
        await _each(result, job_id, store.run(op))
    return BulkEnvelope.ok(result, _summary("paused", result))


@both(
    router,
    "POST",
    "/jobs/resume",
    operation_id="resume_jobs",
    scope=Scope.JOBS_WRITE,
    tags=["jobs"],
    summary="Resume every paused job with a tag",
    responses=errors(*SECURED, *WITH_BODY),
)
async def resume_jobs(body: BulkResumeRequest, request: Request) -> BulkEnvelope:
    """Resumes each paused job with the tag (as resume_job does); says which and why others not."""
    store = store_of(request)
    actor, ip = principal(request), ip_of(request)
    result = BulkResult(done=[], failed={})
    for job_id in await _tagged(request, body.tag, state="paused"):
        op = store.lifecycle.resume(job_id=job_id, actor=actor, catchup=body.catchup, ip=ip)
        await _each(result, job_id, store.run(op))
    return BulkEnvelope.ok(result, _summary("resumed", result))


async def _tagged(request: Request, tag: str, *, state: JobState | None) -> list[str]:
    store = store_of(request)
    where = JobFilter(tags=(tag,), state=state)
    page = await store.run(store.joblist.page(where=where, limit=BULK_MAX, cursor=None))
    return [record.job_id for record in page.items]


async def _each(result: BulkResult, job_id: str, done: Awaitable[object]) -> None:
    try:
        await done
    except UnicronError as exc:
        result.failed[job_id] = str(exc)
    else:
        result.done.append(job_id)


def _summary(what: str, result: BulkResult) -> str:
    failed = f", {len(result.failed)} not (see failed)" if result.failed else ""
    return f"{len(result.done)} job(s) {what}{failed}"

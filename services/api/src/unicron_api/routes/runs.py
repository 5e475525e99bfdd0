"""Runs across jobs: ``GET /api/runs`` (a page, newest first, filtered), one run, a rerun and an
abort."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request

from unicron_api.contract import RUN_OPERATIONS, SECURED, WITH_ID, errors, links
from unicron_api.envelope import AbortedEnvelope, RunEnvelope, RunsPageEnvelope, RunStartedEnvelope
from unicron_api.requests import Aborted, RunStarted
from unicron_api.routes.common import JobId, StoreDep, both, ip_of, principal, secured_router, store_of
from unicron_core.apikeys import Scope
from unicron_core.models import LABEL_PATTERN
from unicron_core.records import RunStatus, Trigger
from unicron_core.store.pages import Cursor
from unicron_core.store.runs import RunFilter
from unicron_core.views import RunsPage

router = secured_router()
RunId = Annotated[str, Path(min_length=18, max_length=80, pattern=r"^[A-Za-z0-9-]+$", description="a run id")]


@both(
    router,
    "GET",
    "/runs",
    operation_id="page_runs",
    scope=Scope.JOBS_READ,
    tags=["results"],
    summary="Runs, a page at a time",
    responses=errors(*SECURED, 422),
)
async def page_runs(
    *,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=500, description="runs a page holds at most")] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before")] = None,
    job_id: Annotated[JobId | None, Query(description="one job's runs")] = None,
    status: Annotated[RunStatus | None, Query(description="runs of this status")] = None,
    trigger: Annotated[Trigger | None, Query(description="runs started so")] = None,
    since: Annotated[
        float | None, Query(allow_inf_nan=False, description="started at or after, epoch seconds")
    ] = None,
    until: Annotated[
        float | None, Query(allow_inf_nan=False, description="started at or before, epoch seconds")
    ] = None,
    tag: Annotated[str | None, Query(pattern=LABEL_PATTERN, description="runs of jobs with this tag")] = None,
) -> RunsPageEnvelope:
    """Every job's runs of the retention window, newest first, `limit` a page: pass `next_cursor` as
    `cursor` for the next one. Failed, skipped, aborted and missed runs are indexed by status; other
    filters are read page by page, so a filtered page may hold fewer runs than `limit` and still have
    a `next_cursor` (it stops after reading 2,000 runs)."""
    where = RunFilter(job_id=job_id, status=status, trigger=trigger, since=since, until=until, tag=tag)
    items, after = await store.run(store.runs.page(where=where, limit=limit, cursor=Cursor.decode(cursor)))
    return RunsPageEnvelope.ok(
        RunsPage(items=items, next_cursor=after.encode() if after is not None else None)
    )


@both(
    router,
    "GET",
    "/runs/{run_id}",
    operation_id="get_run",
    scope=Scope.JOBS_READ,
    tags=["results"],
    summary="Get a run",
    responses=errors(*SECURED, *WITH_ID),
)
async def get_run(run_id: RunId, store: StoreDep) -> RunEnvelope:
    """One run of a job, while it is kept (the retention window, the job's most runs); one still
    waiting for a worker to start it is `queued`."""
    return RunEnvelope.ok(await store.run(store.runs.get(run_id=run_id)))


@both(
    router,
    "POST",
    "/runs/{run_id}/rerun",
    operation_id="rerun",
    scope=Scope.JOBS_WRITE,
    tags=["results"],
    summary="Run a run's job again",
    status_code=202,
    responses={**errors(*SECURED, *WITH_ID), 202: {"links": links(*RUN_OPERATIONS, run_id="/result/run_id")}},
)
async def rerun(run_id: RunId, request: Request) -> RunStartedEnvelope:
    """Queues a manual run of the job the run belongs to, with the job's current definition."""
    store = store_of(request)
    new = await store.run(store.lifecycle.rerun(run_id=run_id, actor=principal(request), ip=ip_of(request)))
    return RunStartedEnvelope.ok(RunStarted(run_id=new), "run queued")


@both(
    router,
    "POST",
    "/runs/{run_id}/abort",
    operation_id="abort_run",
    scope=Scope.JOBS_WRITE,
    tags=["results"],
    summary="Abort a run",
    status_code=202,
    responses=errors(*SECURED, *WITH_ID, 409),
)
async def abort_run(run_id: RunId, request: Request) -> AbortedEnvelope:
    """Aborts a run: a queued one (or one waiting for its next attempt) is dropped and recorded
    `aborted` at once; for a running one its worker is asked, which cancels an HTTP call or kills
    a command's process group (SIGTERM, then SIGKILL) and records it `aborted`, with who asked as
    its reason. An aborted run is not tried again. 409 when the run has ended."""
    store = store_of(request)
    done = await store.run(store.aborts.run(run_id=run_id, actor=principal(request), ip=ip_of(request)))
    return AbortedEnvelope.ok(Aborted(status=done.status), f"run {done.status}")

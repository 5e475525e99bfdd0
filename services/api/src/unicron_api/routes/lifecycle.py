"""A job's life besides its definition's fields: versions and restore, create-or-update by name,
pause, resume, run now (``/api/job/{id}/...``, ``/api/job/name/{name}``)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Body, Path, Query, Request, Response

from unicron_api.contract import JOB_OPERATIONS, RUN_OPERATIONS, SECURED, WITH_BODY, WITH_ID, errors, links
from unicron_api.envelope import (
    JobEnvelope,
    RunStartedEnvelope,
    UpsertedEnvelope,
    UpsertedJob,
    VersionsEnvelope,
)
from unicron_api.requests import PauseRequest, ResumeRequest, RunRequest, RunStarted
from unicron_api.routes.common import (
    JobId,
    StoreDep,
    both,
    check_egress,
    ip_of,
    principal,
    restore_version,
    secured_router,
    store_of,
)
from unicron_core.apikeys import Scope
from unicron_core.errors import InvalidSpec
from unicron_core.models import JobSpec
from unicron_core.records import JobRecord
from unicron_core.views import JobVersionView, JobView

router = secured_router()
# An empty body is the defaults': `curl -X POST .../pause` pauses until resumed.
NO_PAUSE = PauseRequest()
NO_RESUME = ResumeRequest()
NO_RUN = RunRequest()
JobName = Annotated[str, Path(min_length=1, max_length=200, description="a job's name, exactly")]


@both(
    router,
    "GET",
    "/job/{job_id:job_id}/versions",
    operation_id="job_versions",
    scope=Scope.JOBS_READ,
    tags=["jobs"],
    summary="A job's versions",
    responses=errors(*SECURED, *WITH_ID),
)
async def job_versions(job_id: JobId, store: StoreDep) -> VersionsEnvelope:
    """The job's definitions, newest (the current one) first, the last 20: when, by which key, the
    names of the fields each changed, and the definition (header values masked)."""
    versions = await store.run(store.jobs.versions(job_id=job_id))
    return VersionsEnvelope.ok([JobVersionView.of(version) for version in versions])


@both(
    router,
    "POST",
    "/job/{job_id:job_id}/versions/{version}/restore",
    operation_id="restore_job_version",
    scope=Scope.JOBS_WRITE,
    tags=["jobs"],
    summary="Restore an earlier version",
    responses=errors(*SECURED, *WITH_ID, 409),
)
async def restore_job_version(
    job_id: JobId,
    version: Annotated[int, Path(ge=1, description="a version job_versions lists")],
    request: Request,
) -> JobEnvelope:
    """Makes version `version` the job's definition again: itself a new version."""
    record, fields = await restore_version(request, job_id=job_id, version=version, actor=principal(request))
    msg = f"version {version} restored as version {record.version}" if fields else "job unchanged"
    return JobEnvelope.ok(JobView.of(record), msg)


@both(
    router,
    "PUT",
    "/job/name/{name:job_name}",
    operation_id="upsert_job",
    scope=Scope.JOBS_WRITE,
    tags=["jobs"],
    summary="Create or update a job by name",
    status_code=200,
    responses={
        **errors(*SECURED, *WITH_BODY, 404, 409),
        200: {"links": links(*JOB_OPERATIONS, job_id="/result/job_id")},
        201: {"model": UpsertedEnvelope, "description": "created"},
    },
)
async def upsert_job(
    name: JobName,
    spec: JobSpec,
    request: Request,
    response: Response,
    dry_run: Annotated[bool, Query(description="say what it would do, change nothing")] = False,
) -> UpsertedEnvelope:
    """Makes the job named `name` have this definition: creates it (201) or updates it (200), and the
    same definition twice changes nothing the second time (200, `outcome: unchanged`). 409 when
    several jobs have that name (POST allows it; change those by id). The body is a whole definition,
    its `name` the path's (as Kubernetes has a PUT's body name its path's object). `dry_run=true`
    answers what it would do and changes nothing (how `unicron apply` plans)."""
    if spec.name != name:
        raise InvalidSpec(f"the body's name {spec.name!r} is not the path's {name!r}", field="name")
    store = store_of(request)
    await check_egress(spec, request)
    op = store.jobs.upsert(name=name, spec=spec, actor=principal(request), ip=ip_of(request), dry_run=dry_run)
    upserted = await store.run(op)
    if upserted.job_id:
        record = await store.run(store.jobs.get(job_id=upserted.job_id))
    else:  # a dry run that would create it: the job it would be
        record = JobRecord(
            job_id="", spec=spec, created=time.time(), version=0, created_by=principal(request).name
        )
    if upserted.outcome == "created" and not dry_run:
        response.status_code = 201
    view = UpsertedJob(**JobView.of(record).model_dump(), outcome=upserted.outcome, changed=upserted.fields)
    fields = f": {', '.join(upserted.fields)}" if upserted.fields else ""
    return UpsertedEnvelope.ok(view, ("would be " if dry_run else "job ") + upserted.outcome + fields)


@both(
    router,
    "POST",
    "/job/{job_id:job_id}/pause",
    operation_id="pause_job",
    scope=Scope.JOBS_WRITE,
    tags=["jobs"],
    summary="Pause a job",
    responses={
        **errors(*SECURED, *WITH_BODY, *WITH_ID),
        200: {"links": links("resume_job", job_id="/result/job_id")},
    },
)
async def pause_job(
    job_id: JobId, request: Request, body: Annotated[PauseRequest, Body()] = NO_PAUSE
) -> JobEnvelope:
    """Stops the job firing until resumed, or until `until` (then it resumes by itself). Pausing
    keeps everything (definition, history); a paused job's fires are recorded as skipped when it
    resumes. Pausing a paused job changes its reason and end."""
    store = store_of(request)
    op = store.lifecycle.pause(
        job_id=job_id, actor=principal(request), reason=body.reason, until=body.until, ip=ip_of(request)
    )
    return JobEnvelope.ok(JobView.of(await store.run(op)), "job paused")


@both(
    router,
    "POST",
    "/job/{job_id:job_id}/resume",
    operation_id="resume_job",
    scope=Scope.JOBS_WRITE,
    tags=["jobs"],
    summary="Resume a paused job",
    responses=errors(*SECURED, *WITH_BODY, *WITH_ID, 409),
)
async def resume_job(
    job_id: JobId, request: Request, body: Annotated[ResumeRequest, Body()] = NO_RESUME
) -> JobEnvelope:
    """Lets a paused job fire again from its next time. The fires it missed while paused are
    recorded as one skipped run; `catchup: latest` runs the latest of them now. 409 when the job is
    not paused."""
    store = store_of(request)
    op = store.lifecycle.resume(
        job_id=job_id, actor=principal(request), catchup=body.catchup, ip=ip_of(request)
    )
    resumed = await store.run(op)
    caught_up = f"; the latest runs now as {resumed.catchup_run_id}" if resumed.catchup_run_id else ""
    return JobEnvelope.ok(
        JobView.of(resumed.job), f"job resumed; {resumed.skipped} fire(s) skipped{caught_up}"
    )


@both(
    router,
    "POST",
    "/job/{job_id:job_id}/run",
    operation_id="run_job",
    scope=Scope.JOBS_WRITE,
    tags=["jobs"],
    summary="Run a job now",
    status_code=202,
    responses={
        **errors(*SECURED, *WITH_BODY, *WITH_ID),
        202: {"links": links(*RUN_OPERATIONS, run_id="/result/run_id")},
    },
)
async def run_job(
    job_id: JobId, request: Request, body: Annotated[RunRequest, Body()] = NO_RUN
) -> RunStartedEnvelope:
    """Queues a run of the job now, through the same idempotent path as a fire: it is in the job's
    history with `trigger: manual` and the key's name as `by`. A paused job runs too. It obeys the
    job's `overlap` rule unless `force`. A command job needs a key with the `commands` scope."""
    store = store_of(request)
    run_id = await store.run(
        store.lifecycle.run_now(job_id=job_id, actor=principal(request), ip=ip_of(request), force=body.force)
    )
    return RunStartedEnvelope.ok(RunStarted(run_id=run_id), "run queued")

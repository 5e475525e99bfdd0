"""Jobs and their runs: ``/api/job/...``."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import Body, Request, Response

from unicron_api.contract import JOB_OPERATIONS, SECURED, WITH_BODY, WITH_ID, errors, links
from unicron_api.envelope import DeletedEnvelope, JobEnvelope, JobIdEnvelope, JobsEnvelope, RunsEnvelope
from unicron_api.requests import merge_patch
from unicron_api.routes.common import (
    JobId,
    StoreDep,
    both,
    check_egress,
    ip_of,
    principal,
    secured_router,
    store_of,
    submissions,
)
from unicron_core.apikeys import Scope
from unicron_core.models import JobSpec
from unicron_core.store.jobs import Change
from unicron_core.views import JobView

router = secured_router()
# A changed job links to restoring the version it now is (a restore that changes nothing).
RESTORE_LINK = links("restore_job_version", job_id="/result/job_id", version="/result/version")


@both(
    submissions,
    "POST",
    "/job/",
    operation_id="create_job",
    scope=Scope.JOBS_WRITE,
    tags=["jobs"],
    summary="Register a job",
    status_code=201,
    responses={
        **errors(*SECURED, *WITH_BODY),
        201: {"links": links(*JOB_OPERATIONS, job_id="/result")},
    },
)
async def create_job(spec: JobSpec, request: Request) -> JobIdEnvelope:
    """Registers a job: a schedule plus exactly one of `http_url` and `command`. Answers its new id.

    The job fires from the next time its schedule matches, in its `timezone` (default: the
    cluster's `TZ`, stored on the job). Shell commands need `UNICRON_ALLOW_COMMANDS=true` (else 403).
    """
    store = store_of(request)
    await check_egress(spec, request)
    job_id = await store.run(store.jobs.create(spec=spec, actor=principal(request), ip=ip_of(request)))
    return JobIdEnvelope.ok(job_id, "job created")


@both(
    router,
    "GET",
    "/job/",
    operation_id="list_jobs",
    scope=Scope.JOBS_READ,
    tags=["jobs"],
    summary="List jobs",
    response_model=JobsEnvelope,
    responses=errors(*SECURED),
)
async def list_jobs(store: StoreDep) -> Response:
    """Every registered job, by id. Header values are masked (`***`). GET /api/jobs pages them."""
    body = await store.run(store.jobjson.every(), offload=True)  # the cluster's jobs, off the loop
    content = await asyncio.to_thread(_enveloped, body)  # tens of megabytes: encoded off the loop too
    return Response(content, media_type="application/json")


def _enveloped(result: str) -> bytes:
    return f'{{"success":true,"msg":"ok","result":{result}}}'.encode()


@both(
    router,
    "GET",
    "/job/result",
    operation_id="list_results",
    scope=Scope.JOBS_READ,
    tags=["results"],
    summary="All job runs",
    responses=errors(*SECURED),
)
async def list_results(store: StoreDep) -> RunsEnvelope:
    """Every job's runs of the retention window (default 24 h), newest first."""
    return RunsEnvelope.ok(await store.run(store.runs.all(), offload=True))


@both(
    router,
    "GET",
    "/job/result/{job_id}",
    operation_id="job_results",
    scope=Scope.JOBS_READ,
    tags=["results"],
    summary="A job's runs",
    responses=errors(*SECURED, *WITH_ID),
)
async def job_results(job_id: JobId, store: StoreDep) -> RunsEnvelope:
    """One job's runs of the retention window, newest first; 404 for an unknown job.

    At most the newest `UNICRON_MAX_RUNS` (default 100) are kept per job.
    """
    await store.run(store.jobs.get(job_id=job_id))  # 404 for an unknown job
    return RunsEnvelope.ok(await store.run(store.runs.of_job(job_id=job_id)))


@both(
    router,
    "GET",
    "/job/{job_id:job_id}",
    operation_id="get_job",
    scope=Scope.JOBS_READ,
    tags=["jobs"],
    summary="Get a job",
    responses=errors(*SECURED, *WITH_ID),
)
async def get_job(job_id: JobId, store: StoreDep) -> JobEnvelope:
    """One job: its schedule, definition (`info`, header values masked), counters and next fire."""
    return JobEnvelope.ok(JobView.of(await store.run(store.jobs.get(job_id=job_id))))


@both(
    router,
    "DELETE",
    "/job/{job_id:job_id}",
    operation_id="delete_job",
    scope=Scope.JOBS_WRITE,
    tags=["jobs"],
    summary="Delete a job",
    responses=errors(*SECURED, *WITH_ID),
)
async def delete_job(job_id: JobId, request: Request) -> DeletedEnvelope:
    """Deletes a job, its versions and its results; answers 1."""
    store = store_of(request)
    await store.run(store.jobs.delete(job_id=job_id, actor=principal(request), ip=ip_of(request)))
    return DeletedEnvelope.ok(1, "job deleted")


@both(
    router,
    "PUT",
    "/job/{job_id:job_id}",
    operation_id="replace_job",
    scope=Scope.JOBS_WRITE,
    tags=["jobs"],
    summary="Replace a job's definition",
    responses={**errors(*SECURED, *WITH_BODY, *WITH_ID, 409), 200: {"links": RESTORE_LINK}},
)
async def replace_job(job_id: JobId, spec: JobSpec, request: Request) -> JobEnvelope:
    """Makes `spec` the job's definition (the same body and rules as create_job): a new version,
    from the next fire computed after it. A fire already queued runs with the definition it was
    queued with. The same definition again changes nothing."""
    await check_egress(spec, request)
    return await _changed(request, job_id, lambda _: spec)


@both(
    router,
    "PATCH",
    "/job/{job_id:job_id}",
    operation_id="patch_job",
    scope=Scope.JOBS_WRITE,
    tags=["jobs"],
    summary="Change some of a job's fields",
    responses={**errors(*SECURED, *WITH_BODY, *WITH_ID, 409), 200: {"links": RESTORE_LINK}},
)
async def patch_job(
    job_id: JobId,
    patch: Annotated[dict[str, Any], Body(examples=[{"schedule": "0 3 * * *"}])],
    request: Request,
) -> JobEnvelope:
    """A JSON merge patch (RFC 7396) of the job's definition: a field given replaces, `null` clears
    an optional field (a defaulted one goes back to its default), an object merges member by member
    (`{"http_headers": {"X-Token": "new"}}` changes one header and keeps the others). Two patches at
    once both apply: each to the definition the other left, so patches of different fields merge and
    the later of two patches of one field wins."""
    store = store_of(request)
    current = await store.run(store.jobs.get(job_id=job_id))
    await check_egress(merge_patch(current.spec, patch), request)
    return await _changed(request, job_id, lambda spec: merge_patch(spec, patch))


async def _changed(request: Request, job_id: str, change: Change) -> JobEnvelope:
    store = store_of(request)
    op = store.jobs.change(job_id=job_id, change=change, actor=principal(request), ip=ip_of(request))
    record, fields = await store.run(op)
    msg = f"job updated: {', '.join(fields)}" if fields else "job unchanged"
    return JobEnvelope.ok(JobView.of(record), msg)

"""One-off async tasks: ``/api/async/...``."""

from __future__ import annotations

from fastapi import Request

from unicron_api.contract import SECURED, WITH_BODY, WITH_ID, errors, links
from unicron_api.envelope import AbortedEnvelope, TaskEnvelope, TaskIdEnvelope
from unicron_api.requests import Aborted
from unicron_api.routes.common import (
    StoreDep,
    TaskId,
    both,
    check_egress,
    ip_of,
    principal,
    secured_router,
    store_of,
    submissions,
)
from unicron_core.apikeys import Scope
from unicron_core.models import TaskSpec
from unicron_core.views import TaskView

router = secured_router()


@both(
    submissions,
    "POST",
    "/async/",
    operation_id="create_task",
    scope=Scope.TASKS_WRITE,
    tags=["tasks"],
    summary="Submit an async task",
    status_code=201,
    responses={
        **errors(*SECURED, *WITH_BODY),
        201: {"links": links("get_task", "abort_task", task_id="/result")},
    },
)
async def create_task(spec: TaskSpec, request: Request) -> TaskIdEnvelope:
    """Submits a one-off task; answers its id (a UUID).

    The task runs once, as soon as a worker is free, with `retries` extra attempts if it fails.
    It takes exactly one of `http_url` and `command`. Read its status with get_task.
    """
    store = store_of(request)
    await check_egress(spec, request)
    task_id = await store.run(store.tasks.create(spec=spec, actor=principal(request)))
    return TaskIdEnvelope.ok(task_id, "task submitted")


@both(
    router,
    "GET",
    "/async/{task_id}",
    operation_id="get_task",
    scope=Scope.TASKS_WRITE,
    tags=["tasks"],
    summary="Get a task's status",
    responses=errors(*SECURED, *WITH_ID),
)
async def get_task(task_id: TaskId, store: StoreDep) -> TaskEnvelope:
    """A task's status (PENDING, STARTED, RETRY, FAILURE, SUCCESS, REVOKED: aborted) and, once run,
    its result.

    Tasks are kept for the retention window (default 24 h), then answer 404.
    """
    return TaskEnvelope.ok(TaskView.of(await store.run(store.tasks.get(task_id=task_id))))


@both(
    router,
    "POST",
    "/async/{task_id}/abort",
    operation_id="abort_task",
    scope=Scope.TASKS_WRITE,
    tags=["tasks"],
    summary="Abort a task",
    status_code=202,
    responses=errors(*SECURED, *WITH_ID, 409),
)
async def abort_task(task_id: TaskId, request: Request) -> AbortedEnvelope:
    """Aborts a task: queued (or waiting for its next attempt), it is dropped and REVOKED at once;
    running, its worker is asked, which cancels its call or kills its command and records it
    REVOKED. It is not tried again. 409 when it has ended."""
    store = store_of(request)
    done = await store.run(store.aborts.task(task_id=task_id, actor=principal(request), ip=ip_of(request)))
    return AbortedEnvelope.ok(Aborted(status=done.status), f"task {done.status}")

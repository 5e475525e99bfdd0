"""A run's screen (status, times, attempts, the HTTP answer or the command's output, notifications,
rerun, abort), updating by itself while it runs; and the tasks screens (submit, list, detail)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from unicron_api.routes.common import TaskId, check_egress, ip_of, store_of
from unicron_api.ui import forms
from unicron_api.ui.pages import done
from unicron_api.ui.render import page
from unicron_api.ui.session import changing, first, viewer
from unicron_core.apikeys import Scope
from unicron_core.errors import EgressRefused, InvalidSpec
from unicron_core.store.pages import Cursor
from unicron_core.store.runs import IN_PROGRESS
from unicron_core.views import TaskView

router = APIRouter(prefix="/ui", include_in_schema=False)
TASKS_PAGE = 50
LIVE_TASK = frozenset({"PENDING", "STARTED", "RETRY"})


@router.get("/runs/{run_id}")
async def run(request: Request, run_id: str) -> HTMLResponse:
    """The run, and the job it belongs to."""
    return await _run_page(request, run_id, "run.html")


@router.get("/runs/{run_id}/live")
async def run_live(request: Request, run_id: str) -> HTMLResponse:
    """The run's part that updates by itself while it runs (htmx)."""
    return await _run_page(request, run_id, "_run.html")


async def _run_page(request: Request, run_id: str, template: str) -> HTMLResponse:
    who = await viewer(request)
    store = store_of(request)
    found = await store.run(store.runs.get(run_id=run_id))
    return page(request, template, who, run=found, live=found.status in IN_PROGRESS)


@router.post("/runs/{run_id}/abort")
async def abort(request: Request, run_id: str) -> RedirectResponse:
    """Aborts the run (as the API's abort_run)."""
    who, _ = await changing(request, Scope.JOBS_WRITE)
    store = store_of(request)
    aborted = await store.run(store.aborts.run(run_id=run_id, actor=who.principal, ip=ip_of(request)))
    return await done(request, who, f"run {run_id}: {aborted.status}", f"/ui/runs/{run_id}")


@router.post("/runs/{run_id}/rerun")
async def rerun(request: Request, run_id: str) -> RedirectResponse:
    """Runs the run's job again now, with its current definition."""
    who, _ = await changing(request, Scope.JOBS_WRITE)
    store = store_of(request)
    new = await store.run(store.lifecycle.rerun(run_id=run_id, actor=who.principal, ip=ip_of(request)))
    return await done(request, who, f"run {new} queued", f"/ui/runs/{new}")


@router.get("/tasks")
async def tasks(request: Request, cursor: str | None = None) -> HTMLResponse:
    """The tasks of the retention window, newest first, and a form to submit one."""
    who = await viewer(request)
    who.require(Scope.TASKS_WRITE)  # as the API's get_task: no scope reads tasks only
    store = store_of(request)
    items, after = await store.run(store.tasks.page(limit=TASKS_PAGE, cursor=Cursor.decode(cursor)))
    views = [TaskView.of(record) for record in items]
    names = {record.task_id: record.spec.name for record in items}
    return page(
        request,
        "tasks.html",
        who,
        tasks=views,
        names=names,
        after=after.encode() if after else None,
        values={"http_method": "get"},
        errors={},
    )


@router.post("/tasks")
async def submit(request: Request) -> Response:
    """Submits the task the form describes."""
    who, form = await changing(request, Scope.TASKS_WRITE)
    store = store_of(request)
    spec, errors = forms.task_spec(form)
    if spec is not None:
        try:
            await check_egress(spec, request)
            task_id = await store.run(store.tasks.create(spec=spec, actor=who.principal))
        except (InvalidSpec, EgressRefused) as exc:
            errors = forms.refused(exc)
        else:
            return await done(request, who, f"task {task_id} submitted", f"/ui/tasks/{task_id}")
    values = {name: first(form, name) for name in forms.FORM_FIELDS}
    return page(
        request, "tasks.html", who, tasks=[], names={}, after=None, values=values, errors=errors, status=422
    )


@router.get("/tasks/{task_id}")
async def task(request: Request, task_id: TaskId) -> HTMLResponse:
    """One task: its status, and its latest attempt's run once one ended."""
    who = await viewer(request)
    who.require(Scope.TASKS_WRITE)
    store = store_of(request)
    record = await store.run(store.tasks.get(task_id=task_id))
    view = TaskView.of(record)
    return page(request, "task.html", who, task=view, name=record.spec.name, live=view.status in LIVE_TASK)


@router.post("/tasks/{task_id}/abort")
async def abort_task(request: Request, task_id: TaskId) -> RedirectResponse:
    """Aborts the task (as the API's abort_task)."""
    who, _ = await changing(request, Scope.TASKS_WRITE)
    store = store_of(request)
    aborted = await store.run(store.aborts.task(task_id=task_id, actor=who.principal, ip=ip_of(request)))
    return await done(request, who, f"task {task_id}: {aborted.status}", f"/ui/tasks/{task_id}")

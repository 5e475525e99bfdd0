"""The jobs screens: the list (search, tag and state filters, pages, row and bulk actions), a new
job's form, and the actions on one job (run now, pause, resume, delete)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from unicron_api.routes.common import check_egress, ip_of, store_of
from unicron_api.ui import forms
from unicron_api.ui.pages import done
from unicron_api.ui.render import page
from unicron_api.ui.session import Viewer, changing, first, viewer
from unicron_core.apikeys import Scope
from unicron_core.errors import EgressRefused, InvalidSpec, UnicronError
from unicron_core.models import JobState
from unicron_core.store.joblist import JobFilter
from unicron_core.store.pages import Cursor

router = APIRouter(prefix="/ui", include_in_schema=False)
PAGE = 50  # jobs a page lists
STATES: tuple[JobState, ...] = ("active", "paused", "failing", "running")
ACTIONS = ("run", "pause", "resume", "delete")


@router.get("/jobs")
async def jobs(
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    tag: Annotated[str, Query(max_length=64)] = "",
    state: Annotated[JobState | None, Query()] = None,
    cursor: str | None = None,
) -> HTMLResponse:
    """A page of jobs, filtered."""
    who = await viewer(request)
    store = store_of(request)
    where = JobFilter(q=q or None, tags=(tag,) if tag else (), state=state)
    found = await store.run(store.joblist.page(where=where, limit=PAGE, cursor=Cursor.decode(cursor)))
    after = found.next_cursor.encode() if found.next_cursor is not None else None
    filters = {"q": q, "tag": tag, "state": state or ""}
    return page(request, "jobs.html", who, page=found, after=after, filters=filters, states=STATES)


@router.post("/jobs/bulk")
async def bulk(request: Request) -> RedirectResponse:
    """One action on the jobs ticked: says which it did and why not the others."""
    who, form = await changing(request, Scope.JOBS_WRITE)
    action = first(form, "action")
    if action not in ACTIONS:
        raise InvalidSpec(f"unknown action {action!r}; the actions are {', '.join(ACTIONS)}", field="action")
    job_ids = form.get("job", [])
    if not job_ids:
        return await done(request, who, "tick at least one job first", "/ui/jobs")
    failed: dict[str, str] = {}
    for job_id in job_ids:
        try:
            await act(request, who, job_id, action)
        except UnicronError as exc:
            failed[job_id] = str(exc)
    message = f"{action}: {len(job_ids) - len(failed)} of {len(job_ids)} job(s) done"
    if failed:
        message += "; not done: " + "; ".join(f"{job_id}: {why}" for job_id, why in failed.items())
    return await done(request, who, message, first(form, "back", "/ui/jobs"))


async def action(request: Request, job_id: str) -> RedirectResponse:
    """Run now, pause, resume or delete one job (the last segment of the path says which)."""
    who, form = await changing(request, Scope.JOBS_WRITE)
    verb = request.url.path.rsplit("/", 1)[1]
    message = await act(request, who, job_id, verb)
    back = "/ui/jobs" if verb == "delete" else first(form, "back", f"/ui/jobs/{job_id}")
    return await done(request, who, message, back)


for _verb in ACTIONS:  # one route each: /jobs/{id}/edit and the like are other screens'
    router.add_api_route(f"/jobs/{{job_id}}/{_verb}", action, methods=["POST"])


async def act(request: Request, who: Viewer, job_id: str, action: str) -> str:
    """Carries out ``action`` on the job, as the API's route of the same name does; what it did."""
    store = store_of(request)
    actor, ip = who.principal, ip_of(request)
    if action == "run":
        run_id = await store.run(store.lifecycle.run_now(job_id=job_id, actor=actor, ip=ip))
        return f"run {run_id} queued"
    if action == "pause":
        await store.run(
            store.lifecycle.pause(
                job_id=job_id, actor=actor, reason="paused from the dashboard", until=None, ip=ip
            )
        )
        return f"job {job_id} paused"
    if action == "resume":
        resumed = await store.run(store.lifecycle.resume(job_id=job_id, actor=actor, catchup="none", ip=ip))
        return f"job {job_id} resumed; {resumed.skipped} fire(s) skipped while paused"
    await store.run(store.jobs.delete(job_id=job_id, actor=actor, ip=ip))
    return f"job {job_id} deleted"


@router.get("/jobs/new")
async def new_job(request: Request) -> HTMLResponse:
    """An empty job form."""
    who = await viewer(request)
    return form_page(request, who, None, forms.job_values(None), {})


@router.post("/jobs/new")
async def create_job(request: Request) -> Response:
    """Registers the job the form describes; the form again, with each error beside its field. A
    form submitted twice makes one job."""
    who, form = await changing(request, Scope.JOBS_WRITE)
    store = store_of(request)
    values = {name: first(form, name) for name in forms.FORM_FIELDS}
    spec, errors = forms.job_spec(form, None)
    if spec is None:
        return form_page(request, who, None, values, errors, status=422, nonce=first(form, "nonce"))
    nonce = first(form, "nonce") or secrets.token_urlsafe(16)
    made = await store.run(store.sessions.once(session=who.session, nonce=nonce))
    if made is not None:  # submitted before: show what that made
        return RedirectResponse(f"/ui/jobs/{made}" if made else "/ui/jobs", status_code=303)
    try:
        await check_egress(spec, request)
        job_id = await store.run(store.jobs.create(spec=spec, actor=who.principal, ip=ip_of(request)))
    except (InvalidSpec, EgressRefused) as exc:  # the nonce stays claimed: the form comes back with a new one
        return form_page(request, who, None, values, forms.refused(exc), status=422)
    await store.run(store.sessions.made(session=who.session, nonce=nonce, what=job_id))
    return await done(request, who, f"job {job_id} created", f"/ui/jobs/{job_id}")


def form_page(
    request: Request,
    who: Viewer,
    job_id: str | None,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status: int = 200,
    nonce: str = "",
) -> HTMLResponse:
    """A job's form (``job_id`` None: a new job's) with its values and each error by its field; a
    new job's form carries a nonce, so that submitting it twice makes one job."""
    return page(
        request,
        "job_form.html",
        who,
        job_id=job_id,
        values=values,
        errors=errors,
        nonce=nonce or (secrets.token_urlsafe(16) if job_id is None else ""),
        status=status,
    )

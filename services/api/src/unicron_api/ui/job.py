"""One job's screen: its definition (header values masked), next fires, history with its chart,
versions with a diff and restore, and its edit form with live validation and a preview of the
fires the edited schedule would have."""

from __future__ import annotations

import difflib
import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from unicron_api.routes.common import JobId, check_egress, ip_of, restore_version, settings_of, store_of
from unicron_api.ui import chart, forms
from unicron_api.ui.jobs import form_page
from unicron_api.ui.pages import done
from unicron_api.ui.render import page
from unicron_api.ui.session import changing, first, viewer
from unicron_core import cron, policy
from unicron_core.apikeys import Scope
from unicron_core.errors import EgressRefused, InvalidSpec, NotFound, UnicronError
from unicron_core.preview import now_ms, times_of
from unicron_core.records import JobVersion
from unicron_core.store.runs import RunFilter
from unicron_core.views import JobView

router = APIRouter(prefix="/ui", include_in_schema=False)
NEXT_FIRES = 5
HISTORY = 100  # the job's runs its screen lists (a job keeps UNICRON_MAX_RUNS, 100 by default)


@router.get("/jobs/{job_id}")
async def job(request: Request, job_id: JobId) -> HTMLResponse:
    """The job, its next fires, history and versions."""
    who = await viewer(request)
    store = store_of(request)
    record = await store.run(store.jobs.get(job_id=job_id))
    runs, _ = await store.run(store.runs.page(where=RunFilter(job_id=job_id), limit=HISTORY, cursor=None))
    versions = await store.run(store.jobs.versions(job_id=job_id))
    schedule = policy.schedule_of(record.spec, settings_of(request))
    view = JobView.of(record)
    return page(
        request,
        "job.html",
        who,
        job=view,
        definition=json.dumps(view.info.model_dump(mode="json", exclude_defaults=True), indent=2),
        times=times_of(schedule, after_ms=now_ms(), count=NEXT_FIRES),
        runs=runs,
        history=chart.history(runs),
        versions=versions,
    )


@router.get("/jobs/{job_id}/edit")
async def edit(request: Request, job_id: JobId) -> HTMLResponse:
    """The job's form, filled in."""
    who = await viewer(request)
    store = store_of(request)
    record = await store.run(store.jobs.get(job_id=job_id))
    return form_page(request, who, job_id, forms.job_values(record.spec), {})


@router.post("/jobs/{job_id}/edit")
async def save(request: Request, job_id: JobId) -> Response:
    """A new version of the job from the form; the form again with each error beside its field."""
    who, form = await changing(request, Scope.JOBS_WRITE)
    store = store_of(request)
    record = await store.run(store.jobs.get(job_id=job_id))
    values = {name: first(form, name) for name in forms.FORM_FIELDS}
    spec, errors = forms.job_spec(form, record.spec)
    if spec is None:
        return form_page(request, who, job_id, values, errors, status=422)
    try:
        await check_egress(spec, request)
        change = store.jobs.change(
            job_id=job_id, change=lambda _: spec, actor=who.principal, ip=ip_of(request), action="job.update"
        )
        changed, fields = await store.run(change)
    except (InvalidSpec, EgressRefused) as exc:
        return form_page(request, who, job_id, values, forms.refused(exc), status=422)
    message = f"saved as version {changed.version} ({', '.join(fields)})" if fields else "nothing changed"
    return await done(request, who, message, f"/ui/jobs/{job_id}")


@router.post("/jobs/check")
async def check(request: Request) -> HTMLResponse:
    """The form's errors and the edited schedule's next fires, while it is typed (htmx)."""
    who, form = await changing(request)
    _, errors = forms.job_spec(form, None)
    times, description = [], ""
    schedule_error = errors.get("schedule") or errors.get("timezone")
    if not schedule_error and first(form, "schedule"):
        try:
            schedule = cron.parse(first(form, "schedule"), first(form, "timezone") or settings_of(request).tz)
            refusal = policy.too_frequent(schedule, settings_of(request))
            if refusal is not None:
                errors["schedule"] = refusal
            preview = times_of(schedule, after_ms=now_ms(), count=NEXT_FIRES)
            times, description = preview.times, preview.description
        except UnicronError as exc:
            errors["schedule"] = str(exc)
    # Only the fields typed in so far: a required field not reached yet is said on submit.
    shown = {name: errors.get(name, "") if first(form, name) else "" for name in forms.FORM_FIELDS}
    shown["form"] = errors.get("form", "") if all(first(form, n) for n in ("name", "schedule")) else ""
    return page(
        request,
        "_check.html",
        who,
        errors=shown,
        times=times,
        description=description,
    )


@router.get("/jobs/{job_id}/diff")
async def diff(request: Request, job_id: JobId, a: int, b: int) -> HTMLResponse:
    """What changed between two versions of the job, line by line."""
    who = await viewer(request)
    store = store_of(request)
    versions = {v.version: v for v in await store.run(store.jobs.versions(job_id=job_id))}
    if a not in versions or b not in versions:
        raise NotFound(f"job {job_id} keeps versions {', '.join(map(str, sorted(versions)))} only")
    lines = difflib.unified_diff(
        _lines(versions[a]), _lines(versions[b]), f"version {a}", f"version {b}", lineterm=""
    )
    return page(request, "diff.html", who, job_id=job_id, a=a, b=b, lines=list(lines))


@router.post("/jobs/{job_id}/versions/{version}/restore")
async def restore(request: Request, job_id: JobId, version: int) -> RedirectResponse:
    """Makes an earlier version the job's definition again (itself a new version)."""
    who, _ = await changing(request, Scope.JOBS_WRITE)
    record, fields = await restore_version(request, job_id=job_id, version=version, actor=who.principal)
    message = f"version {version} restored as version {record.version}" if fields else "nothing changed"
    return await done(request, who, message, f"/ui/jobs/{job_id}")


def _lines(version: JobVersion) -> list[str]:
    return json.dumps(version.spec.public(), indent=2, sort_keys=True).splitlines()

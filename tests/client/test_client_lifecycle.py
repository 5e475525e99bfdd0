"""The job lifecycle through the generated client against real processes (api, scheduler, worker):
upsert by name, replace, patch, versions and restore, pause and resume, run now and rerun, pages of
jobs and runs, bulk operations by tag, the audit log."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import redis
from unicron_client import AuthenticatedClient
from unicron_client.api.admin import audit_log
from unicron_client.api.jobs import (
    create_job,
    job_next_times,
    job_versions,
    page_jobs,
    patch_job,
    pause_job,
    pause_jobs,
    replace_job,
    restore_job_version,
    resume_job,
    resume_jobs,
    run_job,
    upsert_job,
)
from unicron_client.api.results import get_run, page_runs, rerun
from unicron_client.models import (
    BulkPauseRequest,
    BulkResumeRequest,
    CommandOutput,
    ErrorEnvelope,
    JobSpec,
    PatchJobPatch,
    PauseRequest,
    ResumeRequest,
    RunEnvelope,
    RunResult,
)
from unicron_client.types import Response

from unicron_testkit.firelog import fire_log
from unicron_testkit.waiting import wait_for

if TYPE_CHECKING:
    from client.conftest import Live  # this folder's conftest, as mypy names it; only a type here

RUN_TIMEOUT_S = 20


def _ok(response: Response[Any], status: int = 200) -> Any:
    """The result of a successful answer of ``status``."""
    assert response.status_code == status, response.content
    assert response.parsed is not None and not isinstance(response.parsed, ErrorEnvelope), response.parsed
    return response.parsed


def _refused(response: Response[Any], status: int) -> ErrorEnvelope:
    assert response.status_code == status, response.content
    assert isinstance(response.parsed, ErrorEnvelope)
    return response.parsed


def _job(**fields: Any) -> JobSpec:
    return JobSpec.from_dict({"schedule": "@daily", "command": "echo $UNICRON_RUN_ID", **fields})


def test_upsert_by_name_replace_patch_versions_restore(client: AuthenticatedClient) -> None:
    spec = _job(name="nightly", http_headers={}, tags=["etl"])
    plan = _ok(upsert_job.sync_detailed("nightly", client=client, body=spec, dry_run=True))
    assert (plan.result.outcome, plan.result.job_id) == ("created", "")
    created = _ok(upsert_job.sync_detailed("nightly", client=client, body=spec), 201)
    job_id = created.result.job_id
    assert (created.result.outcome, created.result.version) == ("created", 1)
    upcoming = _ok(job_next_times.sync_detailed(job_id, client=client, count=3)).result
    assert len(upcoming.times) == 3 and upcoming.description.startswith("at 00:00 every day")
    again = _ok(upsert_job.sync_detailed("nightly", client=client, body=spec))
    assert (again.result.outcome, again.result.version, again.result.changed) == ("unchanged", 1, [])

    changed = _job(name="nightly", schedule="0 3 * * *", tags=["etl"])
    updated = _ok(upsert_job.sync_detailed("nightly", client=client, body=changed))
    assert (updated.result.outcome, updated.result.changed, updated.result.version) == (
        "updated",
        ["schedule"],
        2,
    )

    replaced = _ok(
        replace_job.sync_detailed(job_id, client=client, body=_job(name="nightly", email="ops@example.com"))
    )
    assert replaced.result.version == 3 and replaced.msg == "job updated: email, tags, schedule"
    patch = PatchJobPatch.from_dict({"email": None, "http_headers": {"X-Token": "secret"}})
    patched = _ok(patch_job.sync_detailed(job_id, client=client, body=patch))
    assert patched.result.info.email is None and patched.result.info.http_headers.to_dict() == {
        "X-Token": "***"
    }

    versions = _ok(job_versions.sync_detailed(job_id, client=client)).result
    assert [v.version for v in versions] == [4, 3, 2, 1]
    assert versions[0].fields == ["http_headers", "email"] and versions[1].fields == [
        "email",
        "tags",
        "schedule",
    ]
    assert versions[3].schedule == "@daily" and versions[0].info.http_headers.to_dict() == {"X-Token": "***"}
    restored = _ok(restore_job_version.sync_detailed(job_id, 1, client=client))
    assert restored.result.version == 5 and restored.result.schedule == "@daily"
    assert restored.result.info.tags == ["etl"]
    assert "no version 9" in _refused(restore_job_version.sync_detailed(job_id, 9, client=client), 404).msg

    _ok(create_job.sync_detailed(client=client, body=_job(name="nightly")), 201)  # names are not unique
    assert (
        "2 jobs are named" in _refused(upsert_job.sync_detailed("nightly", client=client, body=spec), 409).msg
    )


def test_pause_resume_run_now_and_the_runs(client: AuthenticatedClient) -> None:
    job_id = _ok(
        create_job.sync_detailed(client=client, body=_job(name="every", schedule="* * * * * *")), 201
    ).result
    until = time.time() + 3600
    paused = _ok(
        pause_job.sync_detailed(job_id, client=client, body=PauseRequest(reason="maintenance", until=until))
    )
    assert paused.result.paused.reason == "maintenance" and paused.result.next_run is None
    page = _ok(page_jobs.sync_detailed(client=client, state="paused")).result
    assert job_id in [job.job_id for job in page.items] and page.total >= 1
    started = time.monotonic()
    wait_for(
        lambda: time.monotonic() - started > 2.2, 5, message="fires to be skipped"
    )  # a paused job's fires
    resumed = _ok(resume_job.sync_detailed(job_id, client=client, body=ResumeRequest(catchup="none")))
    assert resumed.result.paused is None and "skipped" in resumed.msg
    assert (
        "not paused"
        in _refused(resume_job.sync_detailed(job_id, client=client, body=ResumeRequest()), 409).msg
    )

    run_id = _ok(run_job.sync_detailed(job_id, client=client), 202).result.run_id
    run = wait_for(lambda: _run(client, run_id), RUN_TIMEOUT_S, interval_s=0.2, message="the manual run")
    assert (run.trigger, run.by, run.status, run.job_id) == ("manual", "env", "success", job_id)
    assert isinstance(run.output, CommandOutput) and run.output.stdout == f"{run_id}\n"  # saw its run id
    skipped = _ok(page_runs.sync_detailed(client=client, job_id=job_id, status="skipped")).result.items
    assert len(skipped) == 1 and "paused by env (maintenance)" in skipped[0].reason

    again = _ok(rerun.sync_detailed(run_id, client=client), 202).result.run_id
    assert again != run_id
    wait_for(lambda: _run(client, again), RUN_TIMEOUT_S, interval_s=0.2, message="the rerun")
    scheduled = wait_for(
        lambda: (
            _ok(
                page_runs.sync_detailed(client=client, job_id=job_id, trigger="schedule", status="success")
            ).result.items
        ),
        RUN_TIMEOUT_S,
        message="a fire after the resume",
    )
    assert scheduled[0].version == 1 and scheduled[0].status == "success"
    pages, cursor = [], None
    while True:
        page = _ok(page_runs.sync_detailed(client=client, limit=2, cursor=cursor)).result
        pages.append(page.items)
        cursor = page.next_cursor
        if not cursor:
            break
    ids = [r.run_id for items in pages for r in items]
    assert len(ids) == len(set(ids)) and {run_id, again} <= set(ids)  # every run once, across pages
    assert "no run" in _refused(get_run.sync_detailed(f"{job_id}-1", client=client), 404).msg


def test_pages_of_jobs_by_tag_and_in_bulk(client: AuthenticatedClient) -> None:
    ids = [
        _ok(
            create_job.sync_detailed(client=client, body=_job(name=f"tagged-{i}", tags=["bulk", f"n{i}"])),
            201,
        ).result
        for i in range(5)
    ]
    seen, cursor = [], None
    while True:
        page = _ok(page_jobs.sync_detailed(client=client, tag=["bulk"], limit=2, cursor=cursor)).result
        assert page.total == 5
        seen += [job.job_id for job in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == ids  # creation order, each once
    one = _ok(page_jobs.sync_detailed(client=client, tag=["bulk", "n3"])).result
    assert [job.job_id for job in one.items] == [ids[3]] and one.total == 1
    named = _ok(page_jobs.sync_detailed(client=client, q="TAGGED-4")).result
    assert [job.job_id for job in named.items] == [ids[4]] and named.total is None

    bulk = _ok(
        pause_jobs.sync_detailed(client=client, body=BulkPauseRequest(tag="bulk", reason="freeze"))
    ).result
    assert sorted(bulk.done) == sorted(ids) and bulk.failed.to_dict() == {}
    active = _ok(page_jobs.sync_detailed(client=client, tag=["bulk"], state="active")).result
    assert active.items == [] and active.total == 0
    bulk = _ok(resume_jobs.sync_detailed(client=client, body=BulkResumeRequest(tag="bulk"))).result
    assert sorted(bulk.done) == sorted(ids)


def test_the_audit_log_names_who_did_what(client: AuthenticatedClient) -> None:
    job_id = _ok(create_job.sync_detailed(client=client, body=_job(name="audited")), 201).result
    _ok(patch_job.sync_detailed(job_id, client=client, body=PatchJobPatch.from_dict({"timeout": 5})))
    _ok(pause_job.sync_detailed(job_id, client=client, body=PauseRequest()))
    entries = _ok(audit_log.sync_detailed(client=client, limit=50)).result.items
    mine = [(e.action, e.fields) for e in entries if e.target == job_id]
    assert mine == [("job.pause", []), ("job.update", ["timeout"]), ("job.create", [])]  # newest first
    assert {(e.actor, e.ip) for e in entries if e.target == job_id} == {("env", "127.0.0.1")}


def test_an_update_racing_fires_never_fires_twice(live: Live, client: AuthenticatedClient) -> None:
    spec = _job(name="raced", schedule="* * * * * *", command="true")
    job_id = _ok(create_job.sync_detailed(client=client, body=spec), 201).result
    deadline = time.monotonic() + 4
    changes = 0
    while time.monotonic() < deadline:  # changes as fast as the API takes them, across fires
        timeout = 10 + changes % 7
        _ok(
            patch_job.sync_detailed(job_id, client=client, body=PatchJobPatch.from_dict({"timeout": timeout}))
        )
        changes += 1
    redis_url = live.cluster.env["REDIS_URL"]
    fires = [ms for _, job, ms, _ in fire_log(redis.Redis.from_url(redis_url)) if job == job_id]
    assert changes > 20 and len(fires) >= 3
    assert len(fires) == len(set(fires)), "a fire was enqueued twice"


def _run(client: AuthenticatedClient, run_id: str) -> RunResult | None:
    """The run once it has ended (404 until a worker starts it)."""
    parsed = get_run.sync_detailed(run_id, client=client).parsed
    run = parsed.result if isinstance(parsed, RunEnvelope) else None
    return run if run is not None and run.status not in ("queued", "running") else None


def test_a_pause_ends_by_itself(client: AuthenticatedClient) -> None:
    job_id = _ok(
        create_job.sync_detailed(client=client, body=_job(name="nap", schedule="* * * * * *")), 201
    ).result
    _ok(
        pause_job.sync_detailed(
            job_id, client=client, body=PauseRequest(reason="nap", until=time.time() + 2.5)
        )
    )

    def resumed() -> bool:
        job = _ok(page_jobs.sync_detailed(client=client, q="nap")).result.items[0]
        return job.paused is None

    wait_for(resumed, 15, interval_s=0.2, message="the scheduler to end the pause")
    skipped = _ok(page_runs.sync_detailed(client=client, job_id=job_id, status="skipped")).result.items
    assert len(skipped) == 1 and "until resumed by scheduler" in skipped[0].reason
    entries = _ok(audit_log.sync_detailed(client=client, limit=20)).result.items
    assert ("job.resume", "scheduler") in {(e.action, e.actor) for e in entries if e.target == job_id}

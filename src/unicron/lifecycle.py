"""A job's life after ``job add``: ``unicron job edit``, ``pause``, ``resume``, ``run``, ``versions``,
``restore`` and ``next``, through the generated client.

Edits and restores print what changed: the answer of PATCH and of a restore is the job, without the
names of the fields the change touched, so those are read from the version it made (the job's
version before the change tells whether it made one).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from unicron_client.api.jobs import (
    get_job,
    job_next_times,
    job_versions,
    patch_job,
    pause_job,
    pause_jobs,
    restore_job_version,
    resume_job,
    resume_jobs,
    run_job,
)
from unicron_client.models import (
    BulkPauseRequest,
    BulkResult,
    BulkResumeRequest,
    JobEnvelope,
    JobSpec,
    JobView,
    PatchJobPatch,
    PauseRequest,
    ResumeRequest,
    RunRequest,
)
from unicron_client.models.resume_request_catchup import check_resume_request_catchup
from unicron_client.types import UNSET

from unicron import documents, render, tables
from unicron.calls import EXIT_FAILED, Api, RemoteError, emit, fields_of, warn
from unicron.commands import job_options
from unicron.runs import queued
from unicron_core.errors import ConfigError

# Giving one of these makes the job of that kind: the other is cleared (exactly one is allowed).
KINDS = (("http_url", "command"), ("command", "http_url"))


def job_edit(api: Api, args: argparse.Namespace) -> int:
    """Changes the fields given (a JSON merge patch of just those); prints what changed."""
    patch = PatchJobPatch.from_dict(_patch(args))
    before = api.call(partial(get_job.sync_detailed, args.job_id)).result
    job = api.call(partial(patch_job.sync_detailed, args.job_id, body=patch)).result
    return _changed(api, args, before, job)


def _patch(args: argparse.Namespace) -> dict[str, Any]:
    patch = job_options().payload(args, documents.read_object(args.file) if args.file else {})
    unknown = sorted(set(patch) - fields_of(JobSpec))
    if unknown:
        raise ConfigError(f"invalid change: unknown field {unknown[0]!r}")
    for field in args.clear:
        if patch.get(field) is not None:
            raise ConfigError(f"{field}: both --clear and a value given")
        patch[field] = None
    for given, other in KINDS:
        if patch.get(given) is not None and other not in patch:
            patch[other] = None
    if not patch:
        raise ConfigError("nothing to change: give the options of the fields to change, --clear or --file")
    return patch


def job_restore(api: Api, args: argparse.Namespace) -> int:
    """Makes an earlier version the definition again (itself a new version)."""
    before = api.call(partial(get_job.sync_detailed, args.job_id)).result
    restore = partial(restore_job_version.sync_detailed, args.job_id, args.version)
    return _changed(api, args, before, api.call(restore).result)


def _changed(api: Api, args: argparse.Namespace, before: JobView, job: JobView) -> int:
    fields: list[str] | None = None  # None: no new version
    if job.version != before.version:
        versions = api.call(partial(job_versions.sync_detailed, job.job_id)).result
        fields = next((v.fields for v in versions if v.version == job.version), [])
    emit(args, job.to_dict(), lambda: render.change_text(job, fields))
    return 0


def job_pause(api: Api, args: argparse.Namespace) -> int:
    """Pauses jobs by id, or every job with ``--tag`` (one request); exit 1 if any was not."""
    reason = UNSET if args.reason is None else args.reason
    until = UNSET if args.until is None else args.until
    if _tag_or_ids(args):
        bulk = BulkPauseRequest(tag=args.tag, reason=reason, until=until)
        return _bulk(args, api.call(partial(pause_jobs.sync_detailed, body=bulk)).result, "paused")
    request = PauseRequest(reason=reason, until=until)
    return _each(api, args, lambda job_id: partial(pause_job.sync_detailed, job_id, body=request), _paused)


def job_resume(api: Api, args: argparse.Namespace) -> int:
    """Resumes paused jobs by id, or every paused job with ``--tag``; exit 1 if any was not."""
    catchup = UNSET if args.catchup is None else check_resume_request_catchup(args.catchup)
    if _tag_or_ids(args):
        bulk = BulkResumeRequest(tag=args.tag, catchup=catchup)
        return _bulk(args, api.call(partial(resume_jobs.sync_detailed, body=bulk)).result, "resumed")
    request = ResumeRequest(catchup=catchup)
    return _each(api, args, lambda job_id: partial(resume_job.sync_detailed, job_id, body=request), _resumed)


def _tag_or_ids(args: argparse.Namespace) -> bool:
    """Whether the command is for a tag (else for ids); exactly one of the two is given."""
    if bool(args.tag) == bool(args.job_ids):
        raise ConfigError("give job ids or --tag TAG (not both)")
    return bool(args.tag)


def _each(
    api: Api,
    args: argparse.Namespace,
    request: Callable[[str], Callable[..., Any]],
    line: Callable[[str, JobEnvelope], str],
) -> int:
    """``request`` for each job id, going on past one that fails; exit 1 if any did."""
    done: list[JobView] = []
    failed = False
    for job_id in args.job_ids:
        try:
            envelope: JobEnvelope = api.call(request(job_id))
        except RemoteError as exc:
            warn(f"{job_id}: {exc}")
            failed = True
            continue
        done.append(envelope.result)
        if not args.json:
            print(line(job_id, envelope))
    if args.json:
        emit(args, [job.to_dict() for job in done], str)
    return EXIT_FAILED if failed else 0


def _paused(job_id: str, envelope: JobEnvelope) -> str:
    paused = envelope.result.paused
    until = paused.until if paused is not None and isinstance(paused.until, float | int) else None
    return f"paused {job_id}" + (f" until {tables.when(until)}" if until is not None else "")


def _resumed(job_id: str, envelope: JobEnvelope) -> str:
    return f"resumed {job_id} ({envelope.msg})"  # the API says how many fires were skipped


def _bulk(args: argparse.Namespace, result: BulkResult, what: str) -> int:
    """What a bulk request did: a line per job changed, one on stderr per job it could not change."""
    failed = result.failed.to_dict()
    if args.json:
        emit(args, result.to_dict(), str)
    else:
        for job_id in result.done:
            print(f"{what} {job_id}")
        if not result.done and not failed:
            print(f"no job with tag {args.tag} to be {what}", file=sys.stderr)
    for job_id, why in failed.items():
        warn(f"{job_id}: not {what}: {why}")
    return EXIT_FAILED if failed else 0


def job_run(api: Api, args: argparse.Namespace) -> int:
    """Runs a job now; prints the run's id, or with ``--wait`` the run (exit 1 if it failed)."""
    request = partial(run_job.sync_detailed, args.job_id, body=RunRequest(force=args.force))
    return queued(api, args, api.call(request).result.run_id)


def job_versions_(api: Api, args: argparse.Namespace) -> int:
    """A job's versions, newest first."""
    versions = api.call(partial(job_versions.sync_detailed, args.job_id)).result
    emit(args, [v.to_dict() for v in versions], lambda: render.versions_table(versions))
    return 0


def job_next(api: Api, args: argparse.Namespace) -> int:
    """A job's next fire times, one a line; its schedule in words on stderr (as ``unicron cron next``)."""
    upcoming = api.call(partial(job_next_times.sync_detailed, args.job_id, count=args.count)).result
    if args.json:
        emit(args, upcoming.to_dict(), str)
        return 0
    print(upcoming.description, file=sys.stderr)
    for fire in upcoming.times:
        print(fire.iso)
    return 0


COMMANDS: dict[str, Callable[[Api, argparse.Namespace], int]] = {
    "job_edit": job_edit,
    "job_pause": job_pause,
    "job_resume": job_resume,
    "job_run": job_run,
    "job_versions": job_versions_,
    "job_restore": job_restore,
    "job_next": job_next,
}

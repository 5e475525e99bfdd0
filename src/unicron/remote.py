"""``unicron job ...``, ``task ...``, ``runs ...`` and ``apply`` at work, through the generated client.

Tables for people, the API's ``result`` as JSON with ``--json``. An API error is one line on stderr,
``unicron: <what the API said> (HTTP <status>)``, and exit code 1; so is an unreachable API. This
module runs the commands that register, list, show and delete jobs and those of tasks; a job's life
after that is in ``unicron.lifecycle``, runs in ``unicron.runs``, ``apply`` in ``unicron.apply``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from unicron_client.api.jobs import create_job, delete_job, get_job, page_jobs
from unicron_client.api.results import job_results, list_results
from unicron_client.api.tasks import abort_task, create_task, get_task
from unicron_client.models import JobSpec, JobView, TaskSpec, TaskView
from unicron_client.models.page_jobs_state_type_0 import check_page_jobs_state_type_0
from unicron_client.types import UNSET

from unicron import apply, documents, lifecycle, render, runs, waiting
from unicron.calls import EXIT_FAILED, EXIT_TIMEOUT, Api, RemoteError, body, connect, emit, paged, warn
from unicron.commands import job_options, parse, task_options

if TYPE_CHECKING:
    from unicron.options import ModelOptions

FINISHED = ("SUCCESS", "FAILURE", "REVOKED")
# A job's state in `job ls`: the first of these that holds (`active`: none does).
STATE_ORDER = ("paused", "failing", "running")


def main(argv: Sequence[str]) -> int:
    """Runs ``unicron job|task|runs|apply ...`` (``argv`` starts with the group's name)."""
    args = parse(argv)
    return run(args.action, args)


def run(name: str, args: argparse.Namespace) -> int:
    """Runs the command ``name`` with ``args``; returns the exit code."""
    try:
        with connect(args) as api:
            return COMMANDS[name](api, args)
    except RemoteError as exc:
        warn(str(exc))
        return EXIT_FAILED


# -- jobs --------------------------------------------------------------------------------------------


def job_add(api: Api, args: argparse.Namespace) -> int:
    """Registers a job; prints its id."""
    spec = body(JobSpec, _payload(job_options(), args), "job", job_options().option_of)
    job_id = api.call(partial(create_job.sync_detailed, body=spec)).result
    emit(args, job_id, lambda: job_id)
    return 0


def job_ls(api: Api, args: argparse.Namespace) -> int:
    """Lists jobs a page at a time, filtered; the table also says each job's state."""
    where: dict[str, Any] = {
        "tag": args.tag or UNSET,
        "q": args.q or UNSET,
        "managed_by": args.managed_by or UNSET,
    }
    state = check_page_jobs_state_type_0(args.state) if args.state else UNSET
    jobs, more = paged(partial(_jobs_page, api, {**where, "state": state}), args.limit)
    if args.json:
        emit(args, [job.to_dict() for job in jobs], str)
        return 0
    # A job's view says whether it is paused, not whether it is failing or running: the listing does.
    marked = {name: _ids_in(api, where, name) for name in STATE_ORDER[1:]} if jobs else {}
    states = {job.job_id: _state_of(job, marked) for job in jobs}
    table = render.jobs_table(jobs, states)
    print(table + (f"\n(first {len(jobs)} shown: --limit to show more)" if more else ""))
    return 0


def _jobs_page(
    api: Api, where: dict[str, Any], cursor: str | None, size: int
) -> tuple[list[JobView], str | None]:
    page = api.call(partial(page_jobs.sync_detailed, limit=size, cursor=cursor or UNSET, **where)).result
    return page.items, page.next_cursor


def _ids_in(api: Api, where: dict[str, Any], state: str) -> set[str]:
    fetch = partial(_jobs_page, api, {**where, "state": check_page_jobs_state_type_0(state)})
    return {job.job_id for job in paged(fetch, None)[0]}


def _state_of(job: JobView, marked: dict[str, set[str]]) -> str:
    if job.paused is not None:
        return "paused"
    return next((state for state, ids in marked.items() if job.job_id in ids), "active")


def job_show(api: Api, args: argparse.Namespace) -> int:
    """Shows a job."""
    job = api.call(partial(get_job.sync_detailed, args.job_id)).result
    emit(args, job.to_dict(), lambda: render.job_text(job))
    return 0


def job_rm(api: Api, args: argparse.Namespace) -> int:
    """Deletes jobs, going on past one that fails; exit 1 if any did."""
    deleted: dict[str, int] = {}
    failed = False
    for job_id in args.job_ids:
        try:
            deleted[job_id] = api.call(partial(delete_job.sync_detailed, job_id)).result
        except RemoteError as exc:
            warn(f"{job_id}: {exc}")
            failed = True
    emit(args, deleted, lambda: "\n".join(f"deleted {job_id}" for job_id in deleted))
    return EXIT_FAILED if failed else 0


def job_runs(api: Api, args: argparse.Namespace) -> int:
    """Runs of one job or of all, newest first."""
    if args.job_id:
        found = api.call(partial(job_results.sync_detailed, args.job_id)).result
    else:
        found = api.call(list_results.sync_detailed).result
    shown = found[: args.limit] if args.limit > 0 else found
    emit(args, [run.to_dict() for run in shown], lambda: render.runs_table(shown, len(found)))
    return 0


# -- tasks -------------------------------------------------------------------------------------------


def task_run(api: Api, args: argparse.Namespace) -> int:
    """Submits a task; prints its id, or with ``--wait`` its outcome."""
    spec = body(TaskSpec, _payload(task_options(), args), "task", task_options().option_of)
    task_id = api.call(partial(create_task.sync_detailed, body=spec)).result
    if not args.wait:
        emit(args, task_id, lambda: task_id)
        return 0
    print(f"task {task_id} submitted", file=sys.stderr)
    return _wait_and_show(api, args, task_id)


def task_status(api: Api, args: argparse.Namespace) -> int:
    """Shows a task; with ``--wait``, once it has finished."""
    if args.wait:
        return _wait_and_show(api, args, args.task_id)
    task = _task(api, args.task_id)
    emit(args, task.to_dict(), lambda: render.task_text(task))
    return 0


def task_abort(api: Api, args: argparse.Namespace) -> int:
    """Aborts a task; prints ``aborted`` (it was queued) or ``aborting`` (its worker ends it)."""
    done = api.call(partial(abort_task.sync_detailed, args.task_id)).result
    emit(args, done.to_dict(), lambda: f"task {args.task_id} {done.status}")
    return 0


def _wait_and_show(api: Api, args: argparse.Namespace, task_id: str) -> int:
    task = waiting.until_done(
        partial(_task, api, task_id),
        lambda task: str(task.status),
        finished=lambda status: status in FINISHED,
        label=f"task {task_id}",
        timeout_s=args.wait_timeout,
    )
    if task is None:
        return EXIT_TIMEOUT
    emit(args, task.to_dict(), lambda: render.task_text(task))
    return 0 if task.status == "SUCCESS" else EXIT_FAILED


def _task(api: Api, task_id: str) -> TaskView:
    return api.call(partial(get_task.sync_detailed, task_id)).result


def _payload(options: ModelOptions, args: argparse.Namespace) -> dict[str, Any]:
    """The ``--file`` document (JSON or YAML) with the options given on top."""
    return options.payload(args, documents.read_object(args.file) if args.file else {})


COMMANDS: dict[str, Callable[[Api, argparse.Namespace], int]] = {
    "job_add": job_add,
    "job_ls": job_ls,
    "job_show": job_show,
    "job_rm": job_rm,
    "job_results": job_runs,
    "task_run": task_run,
    "task_status": task_status,
    "task_abort": task_abort,
    **lifecycle.COMMANDS,
    **runs.COMMANDS,
    "apply": apply.apply,
}

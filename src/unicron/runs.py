"""``unicron runs ls``, ``show``, ``rerun`` and ``abort``: every job's runs, through the generated client; and
waiting for a run started by hand (``job run --wait``, ``runs rerun --wait``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from unicron_client.api.results import abort_run, get_run, page_runs, rerun
from unicron_client.models import RunResult
from unicron_client.models.page_runs_status_type_0 import check_page_runs_status_type_0
from unicron_client.models.page_runs_trigger_type_0 import check_page_runs_trigger_type_0
from unicron_client.types import UNSET

from unicron import render, waiting
from unicron.calls import EXIT_FAILED, EXIT_TIMEOUT, Api, RemoteError, emit, paged

UNFINISHED = ("queued", "running")
HTTP_NOT_FOUND = 404


def runs_ls(api: Api, args: argparse.Namespace) -> int:
    """Runs of every job (or of those the filters keep), newest first."""
    where: dict[str, Any] = {
        "job_id": args.job or UNSET,
        "status": check_page_runs_status_type_0(args.status) if args.status else UNSET,
        "trigger": check_page_runs_trigger_type_0(args.trigger) if args.trigger else UNSET,
        "since": UNSET if args.since is None else args.since,
        "until": UNSET if args.until is None else args.until,
        "tag": args.tag or UNSET,
    }
    found, more = paged(partial(_runs_page, api, where), args.limit if args.limit > 0 else None)
    emit(args, [run.to_dict() for run in found], lambda: render.runs_page_table(found, more=more))
    return 0


def _runs_page(
    api: Api, where: dict[str, Any], cursor: str | None, size: int
) -> tuple[list[RunResult], str | None]:
    page = api.call(partial(page_runs.sync_detailed, limit=size, cursor=cursor or UNSET, **where)).result
    return page.items, page.next_cursor


def runs_show(api: Api, args: argparse.Namespace) -> int:
    """One run: every field, then its output."""
    found = api.call(partial(get_run.sync_detailed, args.run_id)).result
    emit(args, found.to_dict(), lambda: render.run_text(found))
    return 0


def runs_rerun(api: Api, args: argparse.Namespace) -> int:
    """Runs a run's job again now; prints the new run's id, or with ``--wait`` the run."""
    return queued(api, args, api.call(partial(rerun.sync_detailed, args.run_id)).result.run_id)


def runs_abort(api: Api, args: argparse.Namespace) -> int:
    """Aborts a run; prints ``aborted`` (it was queued) or ``aborting`` (its worker ends it)."""
    done = api.call(partial(abort_run.sync_detailed, args.run_id)).result
    emit(args, done.to_dict(), lambda: f"run {args.run_id} {done.status}")
    return 0


def queued(api: Api, args: argparse.Namespace, run_id: str) -> int:
    """A run just queued: prints its id, or with ``--wait`` waits for it and shows it."""
    if args.wait:
        print(f"run {run_id} queued", file=sys.stderr)
        return wait_for_run(api, args, run_id)
    emit(args, {"run_id": run_id}, lambda: run_id)
    return 0


def wait_for_run(api: Api, args: argparse.Namespace, run_id: str) -> int:
    """Waits until the run is recorded as finished, then shows it: exit 0 if it succeeded, 1 if not,
    124 if ``--wait-timeout`` ran out first."""
    found = waiting.until_done(
        partial(_recorded, api, run_id),
        lambda seen: None if seen is None else str(seen.status),
        finished=lambda status: status not in UNFINISHED,
        label=f"run {run_id}",
        timeout_s=args.wait_timeout,
    )
    if found is None:
        return EXIT_TIMEOUT
    emit(args, found.to_dict(), lambda: render.run_text(found))
    return 0 if found.status == "success" else EXIT_FAILED


def _recorded(api: Api, run_id: str) -> RunResult | None:
    """The run; ``None`` while it is not recorded yet (queued runs may not be)."""
    try:
        return api.call(partial(get_run.sync_detailed, run_id)).result
    except RemoteError as exc:
        if exc.status == HTTP_NOT_FOUND:
            return None
        raise


COMMANDS: dict[str, Callable[[Api, argparse.Namespace], int]] = {
    "runs_ls": runs_ls,
    "runs_show": runs_show,
    "runs_rerun": runs_rerun,
    "runs_abort": runs_abort,
}

"""The ``unicron job``, ``task``, ``runs`` and ``apply`` subcommands: their arguments, and where the
API is.

``unicron.cli`` hands these commands' arguments over to ``unicron.remote``, which parses them here:
the options of ``job add``, ``job edit`` and ``task run`` are made from the fields of ``JobSpec`` and
``TaskSpec`` (``unicron.options``), and the choices of ``runs ls`` from the run records. Those need
pydantic and the models (~0.1 s to import), so they are made only for the command given: ``job ls``,
``runs show`` and the other ``unicron`` commands never import them.

Where the API is: ``--api-url``, else ``UNICRON_API_URL``, else ``http://127.0.0.1:8185`` (where
``unicron up`` serves). The token: ``UNICRON_API_TOKEN``, else the ``api-token`` file in the data
dir of ``unicron up`` (``--data-dir``, default ``.unicron``). There is no token flag: a command
line is visible to every user of the machine.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

if TYPE_CHECKING:
    from unicron.options import ModelOptions

DEFAULT_URL = "http://127.0.0.1:8185"
DEFAULT_WAIT_S = 600.0
DEFAULT_LIMIT = 20
DEFAULT_OWNER = "apply"  # the managed_by of the jobs `unicron apply` keeps, unless --owner
JOB_STATES = ("active", "paused", "failing", "running")


@cache
def job_options() -> ModelOptions:
    """The options of ``JobSpec``'s fields (``job add``, ``job edit``)."""
    from unicron.options import ModelOptions  # noqa: PLC0415 - pydantic only where it is needed
    from unicron_core.models import JobSpec  # noqa: PLC0415

    return ModelOptions(JobSpec)


@cache
def task_options() -> ModelOptions:
    """The options of ``TaskSpec``'s fields (``task run``)."""
    from unicron.options import ModelOptions  # noqa: PLC0415 - as in job_options
    from unicron_core.models import TaskSpec  # noqa: PLC0415

    return ModelOptions(TaskSpec)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """``argv`` (``job ...`` or ``task ...``) parsed; ``action`` names the ``unicron.remote`` command.

    Every command's parser is made (``unicron job --help`` lists them), but the options that need the
    models only for the command ``argv`` names: its group and verb are its first two words, as no
    option comes before them.
    """
    given = tuple(argv[:2])
    parser = argparse.ArgumentParser(prog="unicron")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--api-url", help=f"the API's URL (default: $UNICRON_API_URL, else {DEFAULT_URL})")
    common.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".unicron"),
        help="where `unicron up` keeps api-token, read when UNICRON_API_TOKEN is unset (default: .unicron)",
    )
    common.add_argument("--json", action="store_true", help="print the API's result as JSON, for scripts")
    wait = argparse.ArgumentParser(add_help=False)
    wait.add_argument("--wait", action="store_true", help="wait until it succeeds or fails, showing progress")
    wait.add_argument(
        "--wait-timeout",
        type=float,
        default=DEFAULT_WAIT_S,
        metavar="S",
        help="give up waiting after S seconds (exit 124; default: %(default)g)",
    )
    _job_parsers(sub, common, wait, given)
    _task_parsers(sub, common, wait, given)
    _runs_parsers(sub, common, wait, given)
    _apply_parser(sub, common)
    return parser.parse_args(argv)


def when(text: str) -> float:
    """A time given on the command line, as epoch seconds: epoch seconds, or ISO 8601 (a time without
    an offset is this machine's local time, as the tables show times)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither epoch seconds nor an ISO 8601 time (2026-01-31T18:00, ...+01:00)"
        ) from None
    return (moment if moment.tzinfo else moment.astimezone()).timestamp()


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _job_parsers(
    sub: Any, common: argparse.ArgumentParser, wait: argparse.ArgumentParser, given: tuple[str, ...]
) -> None:
    job = sub.add_parser("job")
    verbs = job.add_subparsers(required=True, metavar="ACTION")

    add = verbs.add_parser("add", parents=[common], help="register a job; prints its id")
    add.add_argument("--file", type=Path, help="a job as JSON (- for stdin); the options below override it")
    if given == ("job", "add"):
        job_options().add_to(add)
    add.set_defaults(action="job_add")

    edit = verbs.add_parser(
        "edit",
        parents=[common],
        help="change some fields of a job; prints the fields changed and the new version",
        description="Each option given changes its field (a JSON merge patch of just those fields): "
        "--header and --data change the names given and keep the others, --tag replaces the tags. "
        "--url or --command makes the job of that kind (the other is cleared).",
    )
    edit.add_argument("job_id")
    edit.add_argument(
        "--file", type=Path, help="a JSON merge patch as JSON or YAML (- for stdin); the options go on top"
    )
    if given == ("job", "edit"):
        _edit_options(edit)
    edit.set_defaults(action="job_edit")

    ls = verbs.add_parser("ls", parents=[common], help="list jobs, in the order they were created")
    ls.add_argument("--tag", action="append", default=[], help="jobs with this tag (repeatable: every one)")
    ls.add_argument("--state", choices=JOB_STATES, help="paused, failing (the latest run failed), running, "
                    "or active (not paused)")  # fmt: skip
    ls.add_argument("--q", metavar="TEXT", help="jobs whose name contains TEXT (any case)")
    ls.add_argument("--managed-by", metavar="OWNER", help="jobs `unicron apply --owner OWNER` manages")
    ls.add_argument("--limit", type=_positive_int, help="at most N jobs (default: every one)")
    ls.set_defaults(action="job_ls")

    show = verbs.add_parser("show", parents=[common], help="show a job")
    show.add_argument("job_id")
    show.set_defaults(action="job_show")

    rm = verbs.add_parser("rm", parents=[common], help="delete jobs and their results")
    rm.add_argument("job_ids", nargs="+", metavar="job_id")
    rm.set_defaults(action="job_rm")

    results = verbs.add_parser(
        "results", parents=[common], help="runs of one job, or of every job, newest first"
    )
    results.add_argument("job_id", nargs="?", help="one job's runs (default: every job's)")
    results.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help="show the newest N runs; 0 for all (default: %(default)s)",
    )
    results.set_defaults(action="job_results")
    _lifecycle_parsers(verbs, common, wait)


def _edit_options(edit: argparse.ArgumentParser) -> None:
    optional = job_options().optional()
    edit.add_argument(
        "--clear",
        action="append",
        default=[],
        metavar="FIELD",
        type=lambda text: text.replace("-", "_"),
        choices=optional,
        help="empty an optional field, or put a defaulted one back to its default (repeatable): "
        + ", ".join(optional),
    )
    job_options().add_to(edit, change=True)


def _lifecycle_parsers(verbs: Any, common: argparse.ArgumentParser, wait: argparse.ArgumentParser) -> None:
    pause = verbs.add_parser("pause", parents=[common], help="stop jobs firing until resumed (or --until)")
    _ids_or_tag(pause)
    pause.add_argument("--reason", help="for the people who look at it")
    pause.add_argument(
        "--until",
        type=when,
        metavar="TIME",
        help="resume by itself then: epoch seconds or ISO 8601 (without an offset: this machine's time)",
    )
    pause.set_defaults(action="job_pause")

    resume = verbs.add_parser("resume", parents=[common], help="let paused jobs fire again")
    _ids_or_tag(resume)
    resume.add_argument(
        "--catchup",
        choices=("none", "latest"),
        help="the fires missed while paused: none (skipped, the default) or latest (runs now)",
    )
    resume.set_defaults(action="job_resume")

    run = verbs.add_parser(
        "run",
        parents=[common, wait],
        help="run a job now; prints the run's id (with --wait: the run; exit 1 if it failed)",
    )
    run.add_argument("job_id")
    run.add_argument(
        "--force", action="store_true", help="start it even where the job's overlap rule would not"
    )
    run.set_defaults(action="job_run")

    versions = verbs.add_parser("versions", parents=[common], help="a job's definitions, newest first")
    versions.add_argument("job_id")
    versions.set_defaults(action="job_versions")

    restore = verbs.add_parser(
        "restore", parents=[common], help="make an earlier version the definition (a new version)"
    )
    restore.add_argument("job_id")
    restore.add_argument("version", type=_positive_int, help="a version `unicron job versions` lists")
    restore.set_defaults(action="job_restore")

    upcoming = verbs.add_parser(
        "next", parents=[common], help="a job's next fire times (and, on stderr, its schedule in words)"
    )
    upcoming.add_argument("job_id")
    upcoming.add_argument("--count", type=_positive_int, default=5, help="how many, 1-100 (default: 5)")
    upcoming.set_defaults(action="job_next")


def _ids_or_tag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_ids", nargs="*", metavar="job_id", help="the jobs (or --tag)")
    parser.add_argument("--tag", help="every job with this tag, in one request, instead of ids")


def _runs_parsers(
    sub: Any, common: argparse.ArgumentParser, wait: argparse.ArgumentParser, given: tuple[str, ...]
) -> None:
    runs = sub.add_parser("runs")
    verbs = runs.add_subparsers(required=True, metavar="ACTION")

    ls = verbs.add_parser("ls", parents=[common], help="runs of every job, newest first")
    ls.add_argument("--job", metavar="JOB_ID", help="one job's runs")
    if given == ("runs", "ls"):
        from unicron_core.records import RunStatus, Trigger  # noqa: PLC0415 - as in job_options

        ls.add_argument("--status", choices=get_args(RunStatus), help="runs of this status")
        ls.add_argument("--trigger", choices=get_args(Trigger), help="runs started so")
    since = "epoch seconds or ISO 8601 (without an offset: this machine's time)"
    ls.add_argument("--since", type=when, metavar="TIME", help=f"runs started then or later: {since}")
    ls.add_argument("--until", type=when, metavar="TIME", help=f"runs started then or earlier: {since}")
    ls.add_argument("--tag", help="runs of jobs with this tag")
    ls.add_argument(
        "--limit", type=int, default=DEFAULT_LIMIT, help="the newest N; 0 for all (default: %(default)s)"
    )
    ls.set_defaults(action="runs_ls")

    show = verbs.add_parser("show", parents=[common], help="a run: every field and its output")
    show.add_argument("run_id")
    show.set_defaults(action="runs_show")

    rerun = verbs.add_parser(
        "rerun",
        parents=[common, wait],
        help="run a run's job again now; prints the new run's id (with --wait: the run)",
    )
    rerun.add_argument("run_id")
    rerun.set_defaults(action="runs_rerun")

    abort = verbs.add_parser(
        "abort", parents=[common], help="abort a run: queued, it is dropped; running, its worker ends it"
    )
    abort.add_argument("run_id")
    abort.set_defaults(action="runs_abort")


def _apply_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    apply = sub.add_parser(
        "apply",
        parents=[common],
        help="make the jobs of a file exist as written (by name), showing the plan first",
        description="Plans the whole file first (the API compares each job with the one of its name), "
        "prints the plan (+ create, ~ update, = unchanged, - delete), then applies it. Nothing is "
        "applied when any job of the file is invalid. Every job gets managed_by: OWNER.",
    )
    apply.add_argument(
        "-f",
        "--file",
        type=Path,
        required=True,
        help="a list of jobs, each with a name: YAML or JSON (- for stdin)",
    )
    apply.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    apply.add_argument(
        "--prune", action="store_true", help="also delete the jobs OWNER manages that the file no longer has"
    )
    apply.add_argument(
        "--owner", default=DEFAULT_OWNER, help="the managed_by of the file's jobs (default: %(default)s)"
    )
    apply.set_defaults(action="apply")


def _task_parsers(
    sub: Any, common: argparse.ArgumentParser, wait: argparse.ArgumentParser, given: tuple[str, ...]
) -> None:
    task = sub.add_parser("task")
    verbs = task.add_subparsers(required=True, metavar="ACTION")

    run = verbs.add_parser(
        "run",
        parents=[common, wait],
        help="submit a task; prints its id (with --wait: its outcome; exit 1 if it failed)",
    )
    run.add_argument("--file", type=Path, help="a task as JSON (- for stdin); the options below override it")
    if given == ("task", "run"):
        task_options().add_to(run)
    run.set_defaults(action="task_run")

    status = verbs.add_parser(
        "status", parents=[common, wait], help="a task's status and result (with --wait: exit 1 if it failed)"
    )
    status.add_argument("task_id")
    status.set_defaults(action="task_status")

    abort = verbs.add_parser(
        "abort", parents=[common], help="abort a task: queued, it is dropped; running, its worker ends it"
    )
    abort.add_argument("task_id")
    abort.set_defaults(action="task_abort")

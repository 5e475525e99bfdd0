"""The ``unicron job`` and ``unicron task`` subcommands: their arguments, and where the API is.

``unicron.cli`` hands these commands' arguments over to ``unicron.remote``, which parses them here:
the options of ``job add`` and ``task run`` are made from the fields of ``JobSpec`` and ``TaskSpec``
(``unicron.options``), so this module imports pydantic, and the other ``unicron`` commands do not
import it.

Where the API is: ``--api-url``, else ``UNICRON_API_URL``, else ``http://127.0.0.1:8185`` (where
``unicron up`` serves). The token: ``UNICRON_API_TOKEN``, else the ``api-token`` file in the data
dir of ``unicron up`` (``--data-dir``, default ``.unicron``). There is no token flag: a command
line is visible to every user of the machine.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unicron.options import ModelOptions
from unicron_core.models import JobSpec, TaskSpec

DEFAULT_URL = "http://127.0.0.1:8185"
DEFAULT_WAIT_S = 600.0
DEFAULT_LIMIT = 20
JOB_OPTIONS = ModelOptions(JobSpec)
TASK_OPTIONS = ModelOptions(TaskSpec)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """``argv`` (``job ...`` or ``task ...``) parsed; ``action`` names the ``unicron.remote`` command."""
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
    _job_parsers(sub, common)
    _task_parsers(sub, common)
    return parser.parse_args(argv)


def _job_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    job = sub.add_parser("job")
    verbs = job.add_subparsers(required=True, metavar="ACTION")

    add = verbs.add_parser("add", parents=[common], help="register a job; prints its id")
    add.add_argument("--file", type=Path, help="a job as JSON (- for stdin); the options below override it")
    JOB_OPTIONS.add_to(add)
    add.set_defaults(action="job_add")

    verbs.add_parser("ls", parents=[common], help="list jobs").set_defaults(action="job_ls")

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


def _task_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    task = sub.add_parser("task")
    verbs = task.add_subparsers(required=True, metavar="ACTION")

    wait = argparse.ArgumentParser(add_help=False)
    wait.add_argument("--wait", action="store_true", help="wait until it succeeds or fails, showing progress")
    wait.add_argument(
        "--wait-timeout",
        type=float,
        default=DEFAULT_WAIT_S,
        metavar="S",
        help="give up waiting after S seconds (exit 124; default: %(default)g)",
    )

    run = verbs.add_parser(
        "run",
        parents=[common, wait],
        help="submit a task; prints its id (with --wait: its outcome; exit 1 if it failed)",
    )
    run.add_argument("--file", type=Path, help="a task as JSON (- for stdin); the options below override it")
    TASK_OPTIONS.add_to(run)
    run.set_defaults(action="task_run")

    status = verbs.add_parser(
        "status", parents=[common, wait], help="a task's status and result (with --wait: exit 1 if it failed)"
    )
    status.add_argument("task_id")
    status.set_defaults(action="task_status")

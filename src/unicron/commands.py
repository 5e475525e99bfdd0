"""The ``unicron job`` and ``unicron task`` subcommands: their arguments, and where the API is.

Only argparse (and the error tree) here, so every ``unicron`` command parses fast;
``unicron.remote`` (the generated client, httpx) is imported when a job or task command runs.

Where the API is: ``--api-url``, else ``UNICRON_API_URL``, else ``http://127.0.0.1:8185`` (where
``unicron up`` serves). The token: ``UNICRON_API_TOKEN``, else the ``api-token`` file in the data
dir of ``unicron up`` (``--data-dir``, default ``.unicron``). There is no token flag: a command
line is visible to every user of the machine.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from unicron_core.errors import ConfigError

DEFAULT_URL = "http://127.0.0.1:8185"
DEFAULT_WAIT_S = 600.0
DEFAULT_LIMIT = 20
METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
CATCHUPS = ("latest", "none", "all")


def add_parsers(sub: Any) -> None:
    """Adds ``job`` and ``task`` to the subcommands ``sub`` of the ``unicron`` parser."""
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


def _job_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    job = sub.add_parser("job", help="register, list, show and delete jobs; read their results")
    job.set_defaults(group="job")
    verbs = job.add_subparsers(required=True, metavar="ACTION")

    add = verbs.add_parser("add", parents=[common], help="register a job; prints its id")
    add.add_argument("--file", type=Path, help="a job as JSON (- for stdin); the options below override it")
    add.add_argument("--name", help="a label for people (required)")
    add.add_argument("--schedule", help="cron expression, e.g. '*/5 * * * *', @daily, '@every 1h' (required)")
    _run_arguments(add)
    add.add_argument("--timezone", help="IANA zone the schedule is read in (default: the cluster's TZ)")
    add.add_argument(
        "--catchup", choices=CATCHUPS, help="what to do with fires missed while no scheduler ran"
    )
    add.add_argument(
        "--misfire-grace", type=int, metavar="S", help="seconds a missed fire may still run late"
    )
    add.set_defaults(command=_remote("job_add"))

    ls = verbs.add_parser("ls", parents=[common], help="list jobs")
    ls.set_defaults(command=_remote("job_ls"))

    show = verbs.add_parser("show", parents=[common], help="show a job")
    show.add_argument("job_id")
    show.set_defaults(command=_remote("job_show"))

    rm = verbs.add_parser("rm", parents=[common], help="delete jobs and their results")
    rm.add_argument("job_ids", nargs="+", metavar="job_id")
    rm.set_defaults(command=_remote("job_rm"))

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
    results.set_defaults(command=_remote("job_results"))


def _task_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    task = sub.add_parser("task", help="run one-off async tasks and read their status")
    task.set_defaults(group="task")
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
    run.add_argument("--name", help="a label for people (required)")
    _run_arguments(run)
    run.add_argument("--retries", type=int, metavar="N", help="extra attempts after a failure (default: 0)")
    run.set_defaults(command=_remote("task_run"))

    status = verbs.add_parser(
        "status", parents=[common, wait], help="a task's status and result (with --wait: exit 1 if it failed)"
    )
    status.add_argument("task_id")
    status.set_defaults(command=_remote("task_status"))


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    """What to run and whom to tell: the options jobs and tasks share."""
    what = parser.add_mutually_exclusive_group()
    # Not dest "command": the `unicron` parser keeps the function to run there.
    what.add_argument(
        "--command", dest="shell_command", metavar="COMMAND", help="a shell command (if the cluster allows)"
    )
    what.add_argument("--url", dest="http_url", metavar="URL", help="an http(s) URL to call")
    parser.add_argument(
        "--method",
        dest="http_method",
        type=str.lower,
        choices=METHODS,
        help="the call's method (default: get)",
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="a header of the call (repeatable)",
    )
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a field of the call's data (repeatable)",
    )
    parser.add_argument("--email", help="comma-separated addresses mailed each result")
    parser.add_argument("--hook-url", metavar="URL", help="an URL each result is POSTed to as JSON")
    parser.add_argument(
        "--hook-header", action="append", default=[], metavar="NAME:VALUE", help="a header of that POST"
    )
    parser.add_argument("--timeout", type=float, metavar="S", help="run time limit in seconds")


def _remote(name: str) -> Callable[[argparse.Namespace], int]:
    """The command ``unicron.remote.<name>``, imported only when it runs."""

    def command(args: argparse.Namespace) -> int:
        try:
            from unicron import remote  # noqa: PLC0415 - the client and httpx only for these commands
        except ImportError as exc:  # an image that installed the services without the client
            raise ConfigError(f"`unicron {args.group}` needs the unicron-client package ({exc})") from None
        return remote.run(name, args)

    return command

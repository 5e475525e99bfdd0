"""``unicron job ...`` and ``unicron task ...`` at work, through the generated client.

Tables for people, the API's ``result`` as JSON with ``--json``. An API error is one line on stderr,
``unicron: <what the API said> (HTTP <status>)``, and exit code 1; so is an unreachable API.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any, TypeVar

import attrs
import httpx
from unicron_client import AuthenticatedClient
from unicron_client.api.jobs import create_job, delete_job, get_job, list_jobs
from unicron_client.api.results import job_results, list_results
from unicron_client.api.tasks import create_task, get_task
from unicron_client.errors import UnexpectedStatus
from unicron_client.models import (
    ErrorEnvelope,
    JobSpec,
    TaskSpec,
    TaskView,
)
from unicron_client.types import Response

from unicron import render
from unicron.commands import DEFAULT_URL, JOB_OPTIONS, TASK_OPTIONS, parse
from unicron.conventions import TOKEN_FILE
from unicron.options import ModelOptions
from unicron_core.errors import ConfigError

E = TypeVar("E")
S = TypeVar("S", JobSpec, TaskSpec)
EXIT_FAILED = 1  # the API refused, could not be reached, or the awaited task failed
EXIT_TIMEOUT = 124  # as timeout(1): still not finished when --wait-timeout ran out
REQUEST_TIMEOUT_S = 10.0
POLL_FIRST_S = 0.1
POLL_MAX_S = 1.0
FINISHED = ("SUCCESS", "FAILURE")
SPINNER = "|/-\\"


class RemoteError(Exception):
    """The API refused the request or could not be reached; the message is one line for the user."""


@dataclass(frozen=True)
class Api:
    """The generated client and the URL it talks to (for messages)."""

    client: AuthenticatedClient
    url: str

    def call(self, request: Callable[..., Response[ErrorEnvelope | E]]) -> E:
        """The parsed answer of ``request``.

        Raises:
            RemoteError: an error envelope, an unreachable API, or an answer that is not the API's.
        """
        try:
            response = request(client=self.client)
        except httpx.TimeoutException:
            raise RemoteError(
                f"the API at {self.url} did not answer within {REQUEST_TIMEOUT_S:g} s"
            ) from None
        except httpx.TransportError as exc:
            raise RemoteError(
                f"cannot reach the API at {self.url} ({_reason(exc)}): is it running? "
                "Set UNICRON_API_URL or --api-url"
            ) from None
        except UnexpectedStatus as exc:
            raise RemoteError(
                f"unexpected answer from {self.url}: HTTP {exc.status_code}{_msg(exc.content)}"
            ) from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise RemoteError(f"the answer from {self.url} is not the Unicron API's (wrong URL?)") from None
        parsed = response.parsed
        if isinstance(parsed, ErrorEnvelope):
            raise RemoteError(f"{_error_text(parsed)} (HTTP {response.status_code.value})")
        if parsed is None:  # not with raise_on_unexpected_status; kept for the type checker
            raise RemoteError(f"no answer from {self.url}")
        return parsed


def main(argv: Sequence[str]) -> int:
    """Runs ``unicron job ...`` or ``unicron task ...`` (``argv`` starts with ``job`` or ``task``)."""
    args = parse(argv)
    return run(args.action, args)


def run(name: str, args: argparse.Namespace) -> int:
    """Runs the command ``name`` with ``args``; returns the exit code."""
    try:
        with _connect(args) as api:
            return COMMANDS[name](api, args)
    except RemoteError as exc:
        print(f"unicron: {exc}", file=sys.stderr)
        return EXIT_FAILED


@contextmanager
def _connect(args: argparse.Namespace) -> Iterator[Api]:
    url = (args.api_url or os.environ.get("UNICRON_API_URL") or DEFAULT_URL).rstrip("/")
    # `unicron up` prints the API as http://host:port/api/: accept that as well as the server's root.
    url = url.removesuffix("/api")
    token = os.environ.get("UNICRON_API_TOKEN") or _token_from(args.data_dir)
    client = AuthenticatedClient(
        base_url=url, token=token, timeout=httpx.Timeout(REQUEST_TIMEOUT_S), raise_on_unexpected_status=True
    )
    with client:
        yield Api(client=client, url=url)


def _token_from(data_dir: Path) -> str:
    path = data_dir / TOKEN_FILE
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        token = ""
    except OSError as exc:
        raise ConfigError(f"cannot read the API token in {path}: {exc.strerror}") from None
    if not token:
        raise ConfigError(
            f"no API token: set UNICRON_API_TOKEN, or run where `unicron up` keeps its data "
            f"({path} not found)"
        )
    return token


# -- jobs --------------------------------------------------------------------------------------------


def job_add(api: Api, args: argparse.Namespace) -> int:
    """Registers a job; prints its id."""
    spec = _spec(JobSpec, JOB_OPTIONS, args, "job")
    job_id = api.call(partial(create_job.sync_detailed, body=spec)).result
    _print(args, job_id, lambda: job_id)
    return 0


def job_ls(api: Api, args: argparse.Namespace) -> int:
    """Lists jobs."""
    jobs = api.call(list_jobs.sync_detailed).result
    _print(args, jobs.to_dict(), lambda: render.jobs_table(jobs.additional_properties))
    return 0


def job_show(api: Api, args: argparse.Namespace) -> int:
    """Shows a job."""
    job = api.call(partial(get_job.sync_detailed, args.job_id)).result
    _print(args, job.to_dict(), lambda: render.job_text(args.job_id, job))
    return 0


def job_rm(api: Api, args: argparse.Namespace) -> int:
    """Deletes jobs, going on past one that fails; exit 1 if any did."""
    deleted: dict[str, int] = {}
    failed = False
    for job_id in args.job_ids:
        try:
            deleted[job_id] = api.call(partial(delete_job.sync_detailed, job_id)).result
        except RemoteError as exc:
            print(f"unicron: {job_id}: {exc}", file=sys.stderr)
            failed = True
    _print(args, deleted, lambda: "\n".join(f"deleted {job_id}" for job_id in deleted))
    return EXIT_FAILED if failed else 0


def job_runs(api: Api, args: argparse.Namespace) -> int:
    """Runs of one job or of all, newest first."""
    if args.job_id:
        runs = api.call(partial(job_results.sync_detailed, args.job_id)).result
    else:
        runs = api.call(list_results.sync_detailed).result
    shown = runs[: args.limit] if args.limit > 0 else runs
    _print(args, [run.to_dict() for run in shown], lambda: render.runs_table(shown, len(runs)))
    return 0


# -- tasks -------------------------------------------------------------------------------------------


def task_run(api: Api, args: argparse.Namespace) -> int:
    """Submits a task; prints its id, or with ``--wait`` its outcome."""
    spec = _spec(TaskSpec, TASK_OPTIONS, args, "task")
    task_id = api.call(partial(create_task.sync_detailed, body=spec)).result
    if not args.wait:
        _print(args, task_id, lambda: task_id)
        return 0
    print(f"task {task_id} submitted", file=sys.stderr)
    return _wait_and_show(api, args, task_id)


def task_status(api: Api, args: argparse.Namespace) -> int:
    """Shows a task; with ``--wait``, once it has finished."""
    if args.wait:
        return _wait_and_show(api, args, args.task_id)
    task = _task(api, args.task_id)
    _print(args, task.to_dict(), lambda: render.task_text(task))
    return 0


def _wait_and_show(api: Api, args: argparse.Namespace, task_id: str) -> int:
    started = time.monotonic()
    deadline = started + args.wait_timeout
    interval = POLL_FIRST_S
    with _progress(task_id, sys.stderr) as show:
        while (task := _task(api, task_id)).status not in FINISHED:
            show(task.status, time.monotonic() - started)
            if time.monotonic() + interval > deadline:
                print(
                    f"unicron: task {task_id} is still {task.status} after {args.wait_timeout:g} s",
                    file=sys.stderr,
                )
                return EXIT_TIMEOUT
            time.sleep(interval)  # polling the API, with a deadline
            interval = min(interval * 1.5, POLL_MAX_S)
    _print(args, task.to_dict(), lambda: render.task_text(task))
    return 0 if task.status == "SUCCESS" else EXIT_FAILED


def _task(api: Api, task_id: str) -> TaskView:
    return api.call(partial(get_task.sync_detailed, task_id)).result


@contextmanager
def _progress(task_id: str, stream: IO[str]) -> Iterator[Callable[[str, float], None]]:
    """A status line that updates in place on a terminal; elsewhere a line per change of status."""
    tty = stream.isatty()
    seen: list[str] = []

    def show(status: str, elapsed_s: float) -> None:
        if tty:
            spin = SPINNER[int(elapsed_s * 4) % len(SPINNER)]
            # \033[K clears what a longer line before left.
            stream.write(f"\r{spin} task {task_id}: {status}, {elapsed_s:.1f} s\033[K")
            stream.flush()
        elif not seen or seen[-1] != status:
            stream.write(f"task {task_id}: {status} after {elapsed_s:.1f} s\n")
            stream.flush()
        seen.append(status)

    try:
        yield show
    finally:
        if tty and seen:
            stream.write("\r\033[K")  # clear the status line
            stream.flush()


# -- building specs ----------------------------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text()
        document = json.loads(text)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"{path} is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path} must hold a JSON object")
    return document


def _spec(model: type[S], options: ModelOptions, args: argparse.Namespace, what: str) -> S:
    """The ``--file`` document with the options given on top, as the client's ``model``. The API
    validates the whole; unknown fields are refused here: the client would drop them silently, and a
    typo (``timezon``) would register a job other than the one meant."""
    payload = options.payload(args, _read_json(args.file) if args.file else {})
    unknown = sorted(set(payload) - {field.name for field in attrs.fields(model)})
    if unknown:
        raise ConfigError(f"invalid {what}: unknown field {unknown[0]!r}")
    try:
        return model.from_dict(payload)
    except KeyError as exc:
        field = exc.args[0]
        raise ConfigError(f"invalid {what}: {field} is required ({options.option_of(field)})") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"invalid {what}: {exc}") from None


# -- output ------------------------------------------------------------------------------------------


def _print(args: argparse.Namespace, data: Any, text: Callable[[], str]) -> None:
    """``data`` as JSON with ``--json``, else ``text()`` for people."""
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        output = text()
        if output:
            print(output)


def _error_text(error: ErrorEnvelope) -> str:
    """The API's message; for a 422 every invalid field, not only the first."""
    fields = error.result.to_dict() if error.result is not None else {}
    if not fields:
        return error.msg
    return "invalid request: " + "; ".join(f"{name}: {message}" for name, message in fields.items())


def _msg(content: bytes) -> str:
    try:
        return f": {json.loads(content)['msg']}"
    except (ValueError, KeyError, TypeError):
        return ""


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    return text.rsplit("] ", 1)[-1]  # "[Errno 111] Connection refused" -> "Connection refused"


COMMANDS: dict[str, Callable[[Api, argparse.Namespace], int]] = {
    "job_add": job_add,
    "job_ls": job_ls,
    "job_show": job_show,
    "job_rm": job_rm,
    "job_results": job_runs,
    "task_run": task_run,
    "task_status": task_status,
}

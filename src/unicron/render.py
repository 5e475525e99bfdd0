"""What ``unicron job`` and ``unicron task`` print for people: the API's answers as tables and
fields (``--json`` prints them as the API gave them instead)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping

from unicron_client.models import CommandOutput, JobView, RunResult, TaskView

from unicron import tables

# The fields of a job's info that `job show` lays out itself; it lists any other by name.
SHOWN_INFO = frozenset(
    {"name", "command", "http_method", "http_url", "http_headers", "http_data", "timeout", "catchup"}
    | {"misfire_grace", "email", "hook_url", "hook_headers", "timezone"}
)


def jobs_table(jobs: Mapping[str, JobView]) -> str:
    if not jobs:
        return "no jobs"
    now = time.time()
    rows = [
        [
            job_id,
            tables.preview(job.info.name, 24),
            job.schedule,
            job.timezone or "-",
            tables.relative(job.next_run, now),
            tables.relative(job.last_run, now),
            str(job.run_count),
            tables.preview(job.info.command or f"{job.info.http_method.upper()} {job.info.http_url}", 40),
        ]
        for job_id, job in sorted(jobs.items(), key=lambda item: (item[1].info.name, item[0]))
    ]
    return tables.table(["ID", "NAME", "SCHEDULE", "TZ", "NEXT", "LAST", "RUNS", "WHAT"], rows)


def job_text(job_id: str, job: JobView) -> str:
    info = job.info
    now = time.time()
    pairs = [
        ("id", job_id),
        ("name", info.name),
        ("schedule", f"{job.schedule} ({job.timezone or 'UTC'})"),
        ("next run", f"{tables.when(job.next_run)} ({tables.relative(job.next_run, now)})"),
        ("last run", f"{tables.when(job.last_run)} ({tables.relative(job.last_run, now)})"),
        ("runs", f"{job.run_count} (missed: {job.missed_count})"),
        ("created", tables.when(job.created)),
    ]
    if info.command is not None:
        pairs.append(("command", info.command))
    else:
        pairs.append(("call", f"{info.http_method.upper()} {info.http_url}"))
        pairs += [(f"  header {name}", value) for name, value in info.http_headers.to_dict().items()]
        pairs += [(f"  data {key}", json.dumps(value)) for key, value in info.http_data.to_dict().items()]
    pairs += [
        ("timeout", "cluster default" if info.timeout is None else f"{info.timeout:g} s"),
        ("catchup", info.catchup),
        ("misfire grace", "cluster default" if info.misfire_grace is None else f"{info.misfire_grace} s"),
        ("email", info.email or "-"),
        ("hook", info.hook_url or "-"),
    ]
    pairs += [(f"  header {name}", value) for name, value in info.hook_headers.to_dict().items()]
    # Fields not shown above, such as one added since: by name, as the API answers them.
    pairs += [
        (name.replace("_", " "), "-" if value is None else json.dumps(value))
        for name, value in info.to_dict().items()
        if name not in SHOWN_INFO
    ]
    return tables.fields(pairs)


def runs_table(runs: list[RunResult], total: int) -> str:
    if not runs:
        return "no runs in the retention window"
    rows = [
        [
            tables.when(run.start),
            run.output.job_id or "-",
            "yes" if run.success else "NO",
            tables.duration(run.end - run.start),
            _code(run),
            tables.preview(run.error or _text(run)),
        ]
        for run in runs
    ]
    text = tables.table(["START", "JOB", "OK", "TOOK", "CODE", "OUTPUT"], rows)
    more = total - len(runs)
    return text + (f"\n({more} older runs not shown: --limit 0 shows all)" if more > 0 else "")


def task_text(task: TaskView) -> str:
    pairs = [("task", task.task_id), ("status", task.status)]
    run = task.result
    if run is not None:
        pairs += [
            ("started", tables.when(run.start)),
            ("took", tables.duration(run.end - run.start)),
            ("exit code" if isinstance(run.output, CommandOutput) else "HTTP status", _code(run)),
        ]
        if run.error:
            pairs.append(("error", run.error))
        pairs += [(f"notified {kind}", outcome) for kind, outcome in run.notifications.to_dict().items()]
    if task.traceback:
        pairs.append(("traceback", task.traceback))
    text = tables.fields(pairs)
    if run is not None:
        for name, stream in _streams(run):
            text += f"\n--- {name}\n{stream.rstrip()}" if stream else ""
        if run.output.truncated:
            text += "\n(output truncated at the cluster's limit)"
    return text


def _streams(run: RunResult) -> list[tuple[str, str]]:
    output = run.output
    if isinstance(output, CommandOutput):
        return [("stdout", output.stdout), ("stderr", output.stderr)]
    return [("body", output.text)]


def _code(run: RunResult) -> str:
    output = run.output
    code = output.exit_code if isinstance(output, CommandOutput) else output.status_code
    return "-" if code is None else str(code)


def _text(run: RunResult) -> str:
    output = run.output
    if isinstance(output, CommandOutput):
        return output.stdout or output.stderr
    return output.text

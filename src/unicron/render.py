"""What ``unicron job``, ``task`` and ``runs`` print for people: the API's answers as tables and
fields (``--json`` prints them as the API gave them instead)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence

from unicron_client.models import CommandOutput, JobVersionView, JobView, Pause, RunResult, TaskView

from unicron import tables

# The fields of a job's info that `job show` lays out itself; it lists any other by name.
SHOWN_INFO = frozenset(
    {"name", "command", "http_method", "http_url", "http_headers", "http_data", "timeout", "catchup"}
    | {"misfire_grace", "email", "hook_url", "hook_headers", "timezone", "tags", "managed_by"}
)


def jobs_table(jobs: Sequence[JobView], states: Mapping[str, str]) -> str:
    """A row per job, in the order given; ``states`` maps a job's id to its state."""
    if not jobs:
        return "no jobs"
    now = time.time()
    rows = [
        [
            job.job_id,
            tables.preview(job.info.name, 24),
            states.get(job.job_id, "-"),
            job.schedule,
            job.timezone or "-",
            tables.relative(job.next_run, now),
            tables.relative(job.last_run, now),
            str(job.run_count),
            tables.preview(",".join(job.info.tags), 24),
            tables.preview(job.info.command or f"{job.info.http_method.upper()} {job.info.http_url}", 40),
        ]
        for job in jobs
    ]
    headers = ["ID", "NAME", "STATE", "SCHEDULE", "TZ", "NEXT", "LAST", "RUNS", "TAGS", "WHAT"]
    return tables.table(headers, rows)


def job_text(job: JobView) -> str:
    info = job.info
    now = time.time()
    pairs = [
        ("id", job.job_id),
        ("name", info.name),
        ("schedule", f"{job.schedule} ({job.timezone or 'UTC'})"),
        ("state", _pause_text(job.paused)),
        ("next run", f"{tables.when(job.next_run)} ({tables.relative(job.next_run, now)})"),
        ("last run", f"{tables.when(job.last_run)} ({tables.relative(job.last_run, now)})"),
        ("runs", f"{job.run_count} (missed: {job.missed_count})"),
        ("version", str(job.version)),
        ("created", _by(job.created, job.created_by if isinstance(job.created_by, str) else None)),
        ("updated", _by(job.updated, job.updated_by) if job.updated is not None else "-"),
        ("tags", ", ".join(info.tags) or "-"),
        ("managed by", info.managed_by or "- (people)"),
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


def _pause_text(paused: Pause | None) -> str:
    if paused is None:
        return "active"
    text = f"paused since {tables.when(paused.since)} by {paused.by}"
    if isinstance(paused.until, float | int):
        text += f", until {tables.when(paused.until)}"
    if isinstance(paused.reason, str):
        text += f": {paused.reason}"
    return text


def _by(epoch_s: float, who: str | None) -> str:
    return tables.when(epoch_s) + (f" by {who}" if who else "")


def change_text(job: JobView, fields: list[str] | None) -> str:
    """What ``job edit`` and ``job restore`` did: ``fields`` changed, ``None`` if nothing did."""
    if fields is None:
        return f"job {job.job_id} unchanged (version {job.version})"
    return f"job {job.job_id} is now version {job.version}; changed: {', '.join(fields) or '-'}"


def versions_table(versions: Sequence[JobVersionView]) -> str:
    rows = [
        [str(v.version), tables.when(v.changed_at), v.changed_by or "-", ", ".join(v.fields) or "(created)"]
        for v in versions
    ]
    return tables.table(["VERSION", "CHANGED_AT", "BY", "FIELDS"], rows)


def runs_table(runs: list[RunResult], total: int) -> str:
    if not runs:
        return "no runs in the retention window"
    rows = [
        [
            tables.when(run.start),
            run.output.job_id or "-",
            "yes" if run.success else "NO",
            _took(run),
            _code(run),
            tables.preview(run.error or _text(run)),
        ]
        for run in runs
    ]
    text = tables.table(["START", "JOB", "OK", "TOOK", "CODE", "OUTPUT"], rows)
    more = total - len(runs)
    return text + (f"\n({more} older runs not shown: --limit 0 shows all)" if more > 0 else "")


def runs_page_table(runs: Sequence[RunResult], *, more: bool) -> str:
    """Runs of every job, as ``runs ls`` lists them."""
    if not runs:
        return "no runs"
    rows = [
        [
            tables.when(run.start),
            run.run_id,
            run.job_id or "-",
            str(run.status),
            str(run.trigger),
            _took(run),
            _code(run),
            tables.preview(run.error or run.reason or _text(run), 40),
        ]
        for run in runs
    ]
    text = tables.table(["START", "RUN", "JOB", "STATUS", "TRIGGER", "TOOK", "CODE", "OUTPUT"], rows)
    return text + (f"\n(newest {len(runs)} shown: --limit N for more, 0 for all)" if more else "")


def run_text(run: RunResult) -> str:
    """A run: every field, then its output streams."""
    pairs = [
        ("run", run.run_id),
        ("job", run.job_id or "-"),
        ("status", str(run.status)),
        ("trigger", str(run.trigger) + (f" by {run.by}" if run.by else "")),
        ("attempt", str(run.attempt)),
        ("version", "-" if run.version is None else str(run.version)),
        ("scheduled", tables.when(run.scheduled)),
        ("started", tables.when(run.start)),
        ("ended", tables.when(run.end)),
        ("worker", run.worker or "-"),
    ]
    pairs += _outcome(run)
    if run.reason:
        pairs.append(("reason", run.reason))
    if run.next_attempt:
        pairs.append(("next attempt", tables.when(run.next_attempt)))
    pairs += [
        (
            f"attempt {a.attempt}",
            f"{a.status} at {tables.when(a.start)}" + (f": {a.reason}" if a.reason else ""),
        )
        for a in run.attempts
    ]
    return tables.fields(pairs) + _output(run)


def task_text(task: TaskView) -> str:
    pairs = [("task", task.task_id), ("status", task.status)]
    run = task.result
    if run is not None:
        pairs += [("started", tables.when(run.start)), *_outcome(run)]
    if task.traceback:
        pairs.append(("traceback", task.traceback))
    return tables.fields(pairs) + ("" if run is None else _output(run))


def _took(run: RunResult) -> str:
    return "-" if not isinstance(run.end, float | int) else tables.duration(run.end - run.start)


def _outcome(run: RunResult) -> list[tuple[str, str]]:
    pairs = [
        ("took", _took(run)),
        ("exit code" if isinstance(run.output, CommandOutput) else "HTTP status", _code(run)),
    ]
    if run.error:
        pairs.append(("error", run.error))
    pairs += [(f"notified {kind}", outcome) for kind, outcome in run.notifications.to_dict().items()]
    return pairs


def _output(run: RunResult) -> str:
    text = ""
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

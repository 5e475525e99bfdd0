"""What the store keeps of runs, jobs and tasks: run results and their outputs, pauses, versions,
and the job and task records (``models`` has the specs they hold; ``views`` what answers show)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from unicron_core.examples import EXAMPLE_RUN
from unicron_core.models import JobSpec, JobState, RunSpec, TaskSpec

RunStatus = Literal["queued", "running", "success", "failure", "skipped", "aborted", "missed"]
Trigger = Literal["schedule", "manual", "retry", "catchup"]


class TaskStatus(StrEnum):
    """Async task states, as the original (Celery) reported them."""

    PENDING = "PENDING"
    STARTED = "STARTED"
    RETRY = "RETRY"
    FAILURE = "FAILURE"
    REVOKED = "REVOKED"  # aborted before it ended
    SUCCESS = "SUCCESS"


class HttpOutput(BaseModel):
    """What an HTTP call answered."""

    # Answers always carry every field: the response schema says so (defaults are for old records).
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    job_id: str | None = Field(description="the job's id; null for an async task")
    status_code: int | None = Field(description="the answer's status; null when none came (see error)")
    text: str = Field(description="the answer's body, as text")
    truncated: bool = Field(False, description="text was cut at the cluster's output limit")


class CommandOutput(BaseModel):
    """What a shell command printed and how it exited."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    job_id: str | None = Field(description="the job's id; null for an async task")
    stdout: str
    stderr: str
    exit_code: int | None = Field(description="null when it could not start; negative: killed by that signal")
    truncated: bool = Field(False, description="stdout or stderr was cut at the cluster's output limit")


class Attempt(BaseModel):
    """An earlier attempt of a run that was tried again: when, how it ended and why."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    attempt: int = Field(ge=1)
    start: float = Field(description="epoch seconds")
    end: float | None = Field(description="epoch seconds")
    status: RunStatus
    reason: str | None = Field(None, description="why it failed")
    worker: str | None = Field(None, description="the worker that ran it")
    status_code: int | None = Field(None, description="an HTTP call's answer status")
    exit_code: int | None = Field(None, description="a command's exit code")


class RunResult(BaseModel):
    """One run of a job (a fire, a manual run, a skipped fire) or an attempt of an async task."""

    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True, json_schema_extra={"examples": [EXAMPLE_RUN]}
    )

    success: bool = Field(description="true only for a 2xx answer or exit code 0")
    start: float = Field(description="epoch seconds")
    end: float | None = Field(description="epoch seconds; null while it runs")
    output: HttpOutput | CommandOutput
    run_id: str = Field(
        description="unique per run: a job's runs are <job_id>-<scheduled ms>[-manual|-skipped]; "
        "commands see it as UNICRON_RUN_ID"
    )
    scheduled: float | None = Field(None, description="the fire time this run is for, epoch seconds")
    error: str | None = Field(None, description="why the run failed without an answer (timeout, refused)")
    notifications: dict[str, str] = Field(default_factory=dict, description="email/hook: sent or the failure")
    job_id: str | None = Field(None, description="the job's id; null for an async task")
    status: RunStatus = Field(
        "success",
        description="queued, running, success, failure, skipped (a fire the job's state or overlap "
        "rule did not run), aborted or missed",
    )
    trigger: Trigger = Field("schedule", description="what started it: schedule, manual, retry or catchup")
    attempt: int = Field(1, ge=1, description="1 for the first attempt")
    reason: str | None = Field(None, description="why it was skipped, aborted, missed or failed")
    by: str | None = Field(None, description="the name of the API key that started a manual run")
    version: int | None = Field(None, description="the version of the job's definition it ran")
    worker: str | None = Field(None, description="the worker that ran its latest attempt")
    attempts: list[Attempt] = Field(
        default_factory=list, description="its earlier attempts, when it was tried again, oldest first"
    )
    next_attempt: float | None = Field(
        None, description="when its next attempt is due, epoch seconds, while it waits for it (queued)"
    )

    def history(self) -> list[Attempt]:
        """Its attempts up to its latest, each as an earlier attempt of the next."""
        return [*self.attempts, self.as_attempt()]

    def as_attempt(self) -> Attempt:
        """This run's latest attempt, as one of the earlier ones of its next."""
        output = self.output
        return Attempt(
            attempt=self.attempt,
            start=self.start,
            end=self.end,
            status=self.status,
            reason=self.reason or self.error,
            worker=self.worker,
            status_code=output.status_code if isinstance(output, HttpOutput) else None,
            exit_code=output.exit_code if isinstance(output, CommandOutput) else None,
        )

    @model_validator(mode="before")
    @classmethod
    def _status_of_old_records(cls, data: Any) -> Any:
        """Records written before runs had a status: success or failure, as ``success`` says."""
        if isinstance(data, dict) and "status" not in data and "success" in data:
            return {**data, "status": "success" if data["success"] else "failure"}
        return data


class Pause(BaseModel):
    """Why and since when a job does not fire."""

    since: float = Field(description="epoch seconds")
    by: str = Field(description="the name of the API key that paused it")
    reason: str | None = Field(None, description="what the one who paused it said")
    until: float | None = Field(None, description="epoch seconds it resumes by itself; null: until resumed")


class JobVersion(BaseModel):
    """One definition a job has had (kept sealed: it holds header values)."""

    version: int
    changed_at: float = Field(description="epoch seconds")
    changed_by: str | None = Field(description="the name of the API key that made the change")
    fields: list[str] = Field(description="the names of the fields this version changed")
    spec: JobSpec


class JobRecord(BaseModel):
    """A stored job: its spec and its counters."""

    job_id: str
    spec: JobSpec
    created: float
    last_run: float | None = None
    run_count: int = 0
    missed_count: int = 0
    next_run: float | None = None
    created_by: str | None = None
    version: int = 1
    updated: float | None = None
    updated_by: str | None = None
    changed: list[str] = Field(default_factory=list)  # the fields the current version changed
    paused: Pause | None = None
    last_status: RunStatus | None = None  # of the latest run that ran
    running: int = 0  # runs in progress

    def current_version(self) -> JobVersion:
        """The definition it has now, as one of its versions."""
        return JobVersion(
            version=self.version,
            changed_at=self.updated or self.created,
            changed_by=self.updated_by or self.created_by,
            fields=self.changed,
            spec=self.spec,
        )

    @property
    def state(self) -> JobState:
        """paused, else running (a run in progress), else failing (the latest run failed), else active."""
        if self.paused is not None:
            return "paused"
        if self.running > 0:
            return "running"
        return "failing" if self.last_status not in (None, "success") else "active"

    def public(self) -> dict[str, Any]:
        """The job as the API returns it, in the original shape plus new fields."""
        info = self.spec.public()
        schedule = info.pop("schedule")
        return {
            "last_run": self.last_run,
            "run_count": self.run_count,
            "schedule": schedule,
            "info": info,
            "next_run": self.next_run,
            "timezone": self.spec.timezone,
            "missed_count": self.missed_count,
            "created": self.created,
            "created_by": self.created_by,
            "job_id": self.job_id,
            "version": self.version,
            "updated": self.updated,
            "updated_by": self.updated_by,
            "paused": None if self.paused is None else self.paused.model_dump(),
            "state": self.state,
        }


class TaskRecord(BaseModel):
    """A stored async task."""

    task_id: str
    spec: TaskSpec
    status: TaskStatus
    result: RunResult | None = None
    error: str | None = None
    attempts: int = 0

    def public(self) -> dict[str, Any]:
        """The task as the API returns it (the original's Celery-like shape)."""
        return {
            "task_id": self.task_id,
            "status": self.status.value,
            "result": self.result.model_dump() if self.result else None,
            "traceback": self.error,
            "children": [],
        }


def missed_run(
    *, job_id: str, spec: RunSpec, count: int, span: tuple[int, int], grace_s: float, now: float
) -> RunResult:
    """The record of fires the scheduler gave up (older than the misfire grace when it could fire
    them: it was down, or Redis was): one run, how many, the first and the last."""
    first, last = (datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds") for ms in span)
    times = f"{count} fire(s) from {first} to {last}" if count > 1 else f"the fire at {first}"
    catchup = getattr(spec, "catchup", "none")
    return RunResult(
        success=False,
        start=now,
        end=now,
        output=empty_output(spec, job_id),
        run_id=f"{job_id}-{span[0]}-missed",
        scheduled=span[0] / 1000,
        job_id=job_id,
        status="missed",
        reason=f"missed: {times} not fired within the misfire grace ({grace_s:g} s): the scheduler "
        f"was down or behind (catchup: {catchup})",
    )


def empty_output(spec: RunSpec, job_id: str | None) -> HttpOutput | CommandOutput:
    """The output of a run that did not run (skipped, its worker died): empty, of its kind."""
    if spec.kind == "command":
        return CommandOutput(job_id=job_id, stdout="", stderr="", exit_code=None)
    return HttpOutput(job_id=job_id, status_code=None, text="")

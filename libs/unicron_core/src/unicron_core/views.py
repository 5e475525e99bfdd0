"""What the API answers about jobs and tasks, typed for its OpenAPI contract: a job's definition
(``JobInfo``: its fields but the schedule, header values masked), a job and a task as answered."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from unicron_core.examples import EXAMPLE_JOB, EXAMPLE_JOB_ID, EXAMPLE_RUN, EXAMPLE_TASK_ID
from unicron_core.models import JobFields, JobSpec, JobState
from unicron_core.records import JobRecord, JobVersion, Pause, RunResult, TaskRecord, TaskStatus


def _answered_in_full(schema: dict[str, Any]) -> None:
    """A view's schema without the spec's defaults: an answer carries every field."""
    for field in schema["properties"].values():
        field.pop("default", None)


class JobInfo(JobFields):
    """A job's definition as answers show it: its spec but the schedule, header values masked."""

    # Every field is in every answer, defaults included: the response schema says so.
    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True, json_schema_extra=_answered_in_full
    )


def _job_view_examples(schema: dict[str, Any]) -> None:
    """The example of a job's view, made as answers are (the record's ``public``), so that it shows
    every field a job has."""
    spec = JobSpec.model_validate({**EXAMPLE_JOB, "timezone": "UTC"})
    record = JobRecord(
        job_id=EXAMPLE_JOB_ID,
        spec=spec,
        created=1767222000.512,
        last_run=1767225600.131,
        run_count=12,
        next_run=1767225900.0,
        created_by="deploy-bot",
        version=3,
        updated=1767224000.25,
        updated_by="deploy-bot",
    )
    schema["examples"] = [record.public()]


class JobView(BaseModel):
    """A job as the API answers it: the original shape (last_run, run_count, schedule, info) and more."""

    model_config = ConfigDict(json_schema_extra=_job_view_examples)

    last_run: float | None = Field(
        description="epoch seconds of the latest run's start; null before the first"
    )
    run_count: int = Field(description="runs so far")
    schedule: str
    info: JobInfo
    next_run: float | None = Field(
        description="epoch seconds of the next fire; null when it never fires again"
    )
    timezone: str | None = Field(description="the IANA zone the schedule is read in")
    missed_count: int = Field(description="fires missed beyond misfire_grace while no scheduler ran")
    created: float = Field(description="epoch seconds")
    created_by: str | None = Field(None, description="the name of the API key that registered it")
    job_id: str = Field(description="the job's id")
    version: int = Field(description="its definition's version: 1 when created, one more each change")
    updated: float | None = Field(description="epoch seconds of the latest change; null before one")
    updated_by: str | None = Field(description="the name of the API key that made the latest change")
    paused: Pause | None = Field(description="why and since when it does not fire; null while it does")
    state: JobState = Field(
        description="paused; else running (a run in progress); else failing (its latest run failed); "
        "else active"
    )

    @classmethod
    def of(cls, record: JobRecord) -> JobView:
        """The view of a stored job."""
        return cls.model_validate(record.public())


class TaskView(BaseModel):
    """An async task as the API answers it, in the original's Celery-like shape."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "task_id": EXAMPLE_TASK_ID,
                    "status": "SUCCESS",
                    "result": {
                        **EXAMPLE_RUN,
                        "output": {
                            "job_id": None,
                            "stdout": "UTC\n",
                            "stderr": "",
                            "exit_code": 0,
                            "truncated": False,
                        },
                        "scheduled": None,
                        "notifications": {},
                    },
                    "traceback": None,
                    "children": [],
                }
            ]
        }
    )

    task_id: str
    status: TaskStatus = Field(
        description="PENDING (queued), STARTED, RETRY (failed, another attempt is queued), "
        "FAILURE (failed for good) or SUCCESS"
    )
    result: RunResult | None = Field(description="the latest attempt's run; null until one finished")
    traceback: str | None = Field(description="why the task failed without a run (worker died, timed out)")
    children: list[str] = Field(description="always empty; kept from the original's shape")

    @classmethod
    def of(cls, record: TaskRecord) -> TaskView:
        """The view of a stored task."""
        return cls.model_validate(record.public())


class JobVersionView(BaseModel):
    """One definition a job has had, newest first in its history: who changed what, and the
    definition itself (header values masked)."""

    version: int
    changed_at: float = Field(description="epoch seconds")
    changed_by: str | None = Field(description="the name of the API key that made the change")
    fields: list[str] = Field(description="the names of the fields this version changed")
    schedule: str
    info: JobInfo

    @classmethod
    def of(cls, version: JobVersion) -> JobVersionView:
        """The view of a stored version."""
        info = version.spec.public()
        schedule = info.pop("schedule")
        return cls(
            version=version.version,
            changed_at=version.changed_at,
            changed_by=version.changed_by,
            fields=version.fields,
            schedule=schedule,
            info=JobInfo.model_validate(info),
        )


class JobsPage(BaseModel):
    """A page of jobs."""

    items: list[JobView]
    next_cursor: str | None = Field(description="pass it as ?cursor= for the next page; null on the last")
    total: int | None = Field(description="how many jobs match; null when a name search (q) is given")


class RunsPage(BaseModel):
    """A page of runs, newest first."""

    items: list[RunResult]
    next_cursor: str | None = Field(description="pass it as ?cursor= for the next page; null on the last")

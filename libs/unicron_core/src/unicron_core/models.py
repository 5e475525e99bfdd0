"""The records Unicron stores: job and task specs, run results (``views`` has what answers show).

Field names are the original Unicron's; new fields are optional. Secrets (header values) are
write-only: views mask them.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from unicron_core import cron
from unicron_core.examples import (
    EXAMPLE_COMMAND_JOB,
    EXAMPLE_JOB,
    EXAMPLE_JOB_ID,
    EXAMPLE_RUN,
    EXAMPLE_TASK,
    EXAMPLE_TASK_ID,
)
from unicron_core.httpdata import BODY_METHODS, URL_MAX_CHARS, over_long_url

MASK = "***"
MASKED_FIELDS = ("http_headers", "hook_headers")  # write-only: answers show each value as MASK
NAME_MAX = 200
URL_MAX = 2048
COMMAND_MAX = 65_536
HEADERS_MAX = 50
HEADER_VALUE_MAX = 8192
MAX_TIMEOUT_S = 86_400.0
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$")

# The validation context of records read back from the store (``store.codec``): a rule for what may
# be created, added after some records were stored, must not make a stored one unreadable.
STORED: dict[str, bool] = {"stored": True}

HttpMethod = Literal["get", "post", "put", "patch", "delete", "head", "options"]
Catchup = Literal["latest", "none", "all"]
Headers = Annotated[dict[str, str], Field(max_length=HEADERS_MAX)]
TAGS_MAX = 20
# A tag or an owner: short, printable, no blanks (they are matched exactly, and typed in URLs).
LABEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/@=+-]{0,63}$"
Label = Annotated[str, Field(pattern=LABEL_PATTERN)]
RunStatus = Literal["queued", "running", "success", "failure", "skipped", "aborted", "missed"]
Trigger = Literal["schedule", "manual", "retry", "catchup"]
JobState = Literal["active", "paused", "failing", "running"]

# The ids the store makes: a job's is the original's 16 random [A-Za-z0-9], a task's a UUID4 as
# str(uuid.uuid4()) writes it. One definition, for the answers that carry them and the paths that take them.
JOB_ID_PATTERN = r"^[A-Za-z0-9]{16}$"
JOB_ID_DESCRIPTION = "a job id: 16 characters [A-Za-z0-9]"
TASK_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
TASK_ID_DESCRIPTION = "a task id: a UUID4, lower case"
JobId = Annotated[
    str, Field(pattern=JOB_ID_PATTERN, description=JOB_ID_DESCRIPTION, examples=[EXAMPLE_JOB_ID])
]
TaskId = Annotated[
    str, Field(pattern=TASK_ID_PATTERN, description=TASK_ID_DESCRIPTION, examples=[EXAMPLE_TASK_ID])
]


class TaskStatus(StrEnum):
    """Async task states, as the original (Celery) reported them."""

    PENDING = "PENDING"
    STARTED = "STARTED"
    RETRY = "RETRY"
    FAILURE = "FAILURE"
    SUCCESS = "SUCCESS"


def _check_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


def _check_headers(value: dict[str, str]) -> dict[str, str]:
    for name, header in value.items():
        if not _HEADER_NAME.match(name):
            raise ValueError(f"header name {name[:40]!r} is not a valid HTTP header name")
        if len(header) > HEADER_VALUE_MAX or "\n" in header or "\r" in header:
            raise ValueError(f"header {name!r}: value must be one line of at most {HEADER_VALUE_MAX} chars")
    return value


# -- the fields: one definition of each ------------------------------------------------------------
#
# A field is declared once, below, with its type, default, limits and description. From these come
# the specs (which add the rules across fields), the API's view of a job (``JobInfo``), the OpenAPI
# contract and the client generated from it, and the options of ``unicron job add`` and ``unicron
# task run`` (``unicron.options``). An optional field added here reaches all of them.


class RunFields(BaseModel):
    """What to run, an HTTP call or a shell command, and whom to tell about it: the fields alone."""

    name: str = Field(min_length=1, max_length=NAME_MAX, description="a label for people; need not be unique")
    http_url: str | None = Field(
        None,
        max_length=URL_MAX,
        description="absolute http(s) URL to call; exactly one of http_url and command",
    )
    http_method: HttpMethod = Field("get", description="the call's method; upper case is accepted too")
    http_headers: Headers = Field(
        default_factory=dict, description="headers of the call; write-only: answers show each value as ***"
    )
    http_data: dict[str, Any] = Field(
        default_factory=dict,
        description="form body for post/put/patch, query string for the others; a JSON body when "
        "http_headers has Content-Type: application/json",
    )
    command: str | None = Field(
        None,
        min_length=1,
        max_length=COMMAND_MAX,
        description="shell command (the cluster must allow commands); exactly one of http_url and command",
    )
    email: str | None = Field(
        None, max_length=1024, description="comma-separated addresses mailed each result"
    )
    hook_url: str | None = Field(
        None, max_length=URL_MAX, description="absolute http(s) URL each result is POSTed to as JSON"
    )
    hook_headers: Headers = Field(
        default_factory=dict, description="headers of the result POST; write-only, like http_headers"
    )
    timeout: float | None = Field(
        None, gt=0, le=MAX_TIMEOUT_S, description="run time limit in seconds; default: the cluster's"
    )
    follow_redirects: bool = Field(
        False, description="follow up to 3 redirects, each checked by the egress guard; default: none"
    )


class JobFields(RunFields):
    """A job's fields but its schedule: what a job's ``info`` shows in answers."""

    timezone: str | None = Field(None, max_length=64, description="IANA zone; default: the cluster's TZ")
    catchup: Catchup = Field(
        "latest",
        description="fires missed beyond misfire_grace: latest runs the newest once, none skips them, "
        "all runs each (at most 100)",
    )
    misfire_grace: int | None = Field(None, ge=0, le=86_400, description="seconds; default: the cluster's")
    tags: list[Label] = Field(
        default_factory=list,
        max_length=TAGS_MAX,
        description="labels to find the job by (GET /api/jobs?tag=...), at most 20, each 1-64 of "
        "A-Z a-z 0-9 and _ . : / @ = + - (not first)",
    )
    managed_by: Label | None = Field(
        None,
        description="what keeps this job's definition, if not people: `unicron apply` sets it, and "
        "`unicron apply --prune` deletes only the jobs it manages",
    )


# -- the specs: the fields and their rules -------------------------------------------------------------


class RunSpec(RunFields):
    """What to run: an HTTP call or a shell command, and whom to tell about it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("http_method", mode="before")
    @classmethod
    def _lower_method(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("http_headers", "hook_headers", "http_data", mode="before")
    @classmethod
    def _null_is_empty(cls, value: object) -> object:
        return {} if value is None else value

    @field_validator("http_headers", "hook_headers")
    @classmethod
    def _valid_headers(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_headers(value)

    @field_validator("http_url", "hook_url")
    @classmethod
    def _valid_url(cls, value: str | None) -> str | None:
        return _check_url(value)

    @field_validator("http_data")
    @classmethod
    def _fits_in_the_url(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        # http_url and http_method are declared before http_data: validated by now (a bad URL is
        # missing from `data`, its own error reported). See unicron_core.httpdata.
        url, method = info.data.get("http_url"), info.data.get("http_method")
        if not value or url is None or method in BODY_METHODS or info.context == STORED:
            return value
        chars = over_long_url(url, value)
        if chars is not None:
            raise ValueError(
                f"with {method} the data goes in the URL's query string, which makes the URL {chars} "
                f"characters; the limit is {URL_MAX_CHARS} (send large data with post, put or patch)"
            )
        return value

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str | None) -> str | None:
        if not value:
            return None
        addresses = [a.strip() for a in value.split(",")]
        bad = [a for a in addresses if not _EMAIL.match(a)]
        if bad:
            raise ValueError(f"{bad[0][:80]!r} is not an email address")
        return ", ".join(addresses)

    @model_validator(mode="after")
    def _one_action(self) -> RunSpec:
        if (self.http_url is None) == (self.command is None):
            raise ValueError("exactly one of http_url and command is required")
        return self

    @property
    def kind(self) -> Literal["http", "command"]:
        """Which executor runs it."""
        return "command" if self.command is not None else "http"

    def empty_output(self, job_id: str | None) -> HttpOutput | CommandOutput:
        """The output of a run that did not run (skipped, its worker died): empty, of its kind."""
        if self.kind == "command":
            return CommandOutput(job_id=job_id, stdout="", stderr="", exit_code=None)
        return HttpOutput(job_id=job_id, status_code=None, text="")

    def public(self) -> dict[str, Any]:
        """The spec as the API returns it: header values masked."""
        data = self.model_dump()
        for field in MASKED_FIELDS:
            data[field] = dict.fromkeys(data[field], MASK)
        return data


class JobSpec(RunSpec, JobFields):
    """A recurring job: a run spec plus when to fire it."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_JOB, EXAMPLE_COMMAND_JOB]})

    schedule: str = Field(
        min_length=1,
        max_length=256,
        description="5 fields (min hour dom mon dow), 6 with seconds first, a macro such as @daily, "
        "or @every <duration> such as @every 1h30m",
    )

    @field_validator("tags")
    @classmethod
    def _tags_once_in_order(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    _known_zone = field_validator("timezone")(cron.known_zone)

    @field_validator("schedule")
    @classmethod
    def _valid_schedule(cls, value: str, info: ValidationInfo) -> str:
        # A field's validator, so its error is filed under `schedule`. `timezone` is declared before
        # it: validated by now, and missing from `data` when invalid, its own error then the only one.
        if "timezone" in info.data:
            cron.parse(value, info.data["timezone"] or "UTC")
        return value


class TaskSpec(RunSpec):
    """A one-off async task."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_TASK]})

    retries: int = Field(0, ge=0, le=10, description="extra attempts after a failed run")


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


class RunResult(BaseModel):
    """One run of a job (a fire, a manual run, a skipped fire) or an attempt of an async task."""

    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True, json_schema_extra={"examples": [EXAMPLE_RUN]}
    )

    success: bool = Field(description="true only for a 2xx answer or exit code 0")
    start: float = Field(description="epoch seconds")
    end: float = Field(description="epoch seconds")
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

"""The records Unicron stores and returns: job and task specs, run results, views.

Field names are the original Unicron's; new fields are optional. Secrets (header values) are
write-only: views mask them.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from unicron_core import cron

MASK = "***"
NAME_MAX = 200
URL_MAX = 2048
COMMAND_MAX = 65_536
HEADERS_MAX = 50
HEADER_VALUE_MAX = 8192
MAX_TIMEOUT_S = 86_400.0
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$")

HttpMethod = Literal["get", "post", "put", "patch", "delete", "head", "options"]
Catchup = Literal["latest", "none", "all"]
Headers = Annotated[dict[str, str], Field(max_length=HEADERS_MAX)]


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


class RunSpec(BaseModel):
    """What to run: an HTTP call or a shell command, and whom to tell about it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=NAME_MAX)
    http_url: str | None = Field(None, max_length=URL_MAX)
    http_method: HttpMethod = "get"
    http_headers: Headers = Field(default_factory=dict)
    http_data: dict[str, Any] = Field(default_factory=dict)
    command: str | None = Field(None, min_length=1, max_length=COMMAND_MAX)
    email: str | None = Field(None, max_length=1024)
    hook_url: str | None = Field(None, max_length=URL_MAX)
    hook_headers: Headers = Field(default_factory=dict)
    timeout: float | None = Field(None, gt=0, le=MAX_TIMEOUT_S, description="seconds")

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

    def public(self) -> dict[str, Any]:
        """The spec as the API returns it: header values masked."""
        data = self.model_dump()
        for field in ("http_headers", "hook_headers"):
            data[field] = dict.fromkeys(data[field], MASK)
        return data


class JobSpec(RunSpec):
    """A recurring job: a run spec plus when to fire it."""

    schedule: str = Field(min_length=1, max_length=256)
    timezone: str | None = Field(None, max_length=64, description="IANA zone; default: the cluster's TZ")
    catchup: Catchup = "latest"
    misfire_grace: int | None = Field(None, ge=0, le=86_400, description="seconds; default: the cluster's")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            cron.get_zone(value)
        return value

    @model_validator(mode="after")
    def _valid_schedule(self) -> JobSpec:
        cron.parse(self.schedule, self.timezone or "UTC")
        return self


class TaskSpec(RunSpec):
    """A one-off async task."""

    retries: int = Field(0, ge=0, le=10, description="extra attempts after a failed run")


class HttpOutput(BaseModel):
    """What an HTTP call answered."""

    model_config = ConfigDict(extra="forbid")

    job_id: str | None
    status_code: int | None
    text: str
    truncated: bool = False


class CommandOutput(BaseModel):
    """What a shell command printed and how it exited."""

    model_config = ConfigDict(extra="forbid")

    job_id: str | None
    stdout: str
    stderr: str
    exit_code: int | None
    truncated: bool = False


class RunResult(BaseModel):
    """One execution of a job fire or of an async task."""

    success: bool
    start: float = Field(description="epoch seconds")
    end: float = Field(description="epoch seconds")
    output: HttpOutput | CommandOutput
    run_id: str
    scheduled: float | None = Field(None, description="the fire time this run is for, epoch seconds")
    error: str | None = Field(None, description="why the run failed without an answer (timeout, refused)")
    notifications: dict[str, str] = Field(default_factory=dict, description="email/hook: sent or the failure")


class JobRecord(BaseModel):
    """A stored job: its spec and its counters."""

    job_id: str
    spec: JobSpec
    created: float
    last_run: float | None = None
    run_count: int = 0
    missed_count: int = 0
    next_run: float | None = None

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

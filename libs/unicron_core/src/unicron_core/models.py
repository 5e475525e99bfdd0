"""Job and task specs: what a user defines (``records`` has what the store keeps around them,
``views`` what answers show).

Field names are the original Unicron's; new fields are optional. Secrets (header values) are
write-only: views mask them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from unicron_core import cron
from unicron_core.examples import (
    EXAMPLE_COMMAND_JOB,
    EXAMPLE_JOB,
    EXAMPLE_JOB_ID,
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
Overlap = Literal["allow", "forbid", "replace"]
Notify = Literal["always", "failure", "change", "never"]
Headers = Annotated[dict[str, str], Field(max_length=HEADERS_MAX)]
TAGS_MAX = 20
# A tag or an owner: short, printable, no blanks (they are matched exactly, and typed in URLs).
LABEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/@=+-]{0,63}$"
Label = Annotated[str, Field(pattern=LABEL_PATTERN)]
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


class RetryBackoff(BaseModel):
    """How long a failed run waits before its next attempt (``policy.retry_delay_s``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    initial_s: float = Field(
        10.0, ge=0.1, le=86_400, description="seconds at least between a failed attempt and the next"
    )
    max_s: float = Field(600.0, ge=0.1, le=86_400, description="seconds at most between two attempts")

    @model_validator(mode="after")
    def _ordered(self) -> RetryBackoff:
        if self.max_s < self.initial_s:
            raise ValueError("max_s must be at least initial_s")
        return self


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
    notify: Notify = Field(
        "always",
        description="when email and hook_url are told: always (after every run), failure (a run that "
        "failed for good, from the alert_after-th in a row), change (when the job turns failing and "
        "when it recovers: one alert a change), never; missed and overrun runs are told in every mode "
        "but never",
    )
    retries: int = Field(0, ge=0, le=10, description="extra attempts after a failed run")
    retry_backoff: RetryBackoff = Field(
        default_factory=RetryBackoff,
        description="the wait before each extra attempt: drawn between initial_s and an exponential "
        "ceiling (initial_s * 2^attempt, at most max_s)",
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
    alert_after: int = Field(
        1, ge=1, le=1000, description="failures in a row before the job counts as failing (and is alerted)"
    )
    start_deadline: int | None = Field(
        None,
        ge=0,
        le=86_400,
        description="seconds after its fire time a run may still start; later it is recorded missed and "
        "alerted, not run; default: misfire_grace",
    )
    max_duration: float | None = Field(
        None,
        gt=0,
        le=MAX_TIMEOUT_S,
        description="seconds after which a run still going is alerted as an overrun (it goes on: "
        "timeout ends it)",
    )
    overlap: Overlap = Field(
        "allow",
        description="a run starting while another of the job runs: allow starts it beside (as cron), "
        "forbid records it skipped, replace aborts the running one first; a manual run with force "
        "always starts",
    )
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

    @field_validator("retry_backoff", mode="before")
    @classmethod
    def _null_is_default(cls, value: object) -> object:
        return RetryBackoff() if value is None else value

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

"""The bodies of the job lifecycle's requests (pause, resume, run, bulk), and JSON merge patch."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from unicron_core import policy
from unicron_core.errors import InvalidSpec
from unicron_core.models import LABEL_PATTERN, JobSpec

REASON_MAX = 500


def _epoch_s(value: object) -> object:
    """An epoch in seconds, or an ISO 8601 time (with an offset; without one, UTC) as one."""
    if isinstance(value, bool):
        raise ValueError("must be epoch seconds or an ISO 8601 time")  # not 0 and 1
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be epoch seconds or an ISO 8601 time") from None
        return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()  # noqa: UP017
    return value


class PauseRequest(BaseModel):
    """Why the job pauses, and until when (it resumes by itself then)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "database migration", "until": "2027-01-01T06:00:00+01:00"}]
        },
    )

    reason: str | None = Field(None, max_length=REASON_MAX, description="for the people who look at it")
    until: float | None = Field(
        None,
        allow_inf_nan=False,
        description="epoch seconds or ISO 8601 (UTC without an offset), in the future (at most 10 years "
        "ahead); null: until resumed",
    )

    @field_validator("until", mode="before")
    @classmethod
    def _until_as_epoch(cls, value: object) -> object:
        return _epoch_s(value)

    @field_validator("until")
    @classmethod
    def _until_ahead(cls, value: float | None) -> float | None:
        # Checked here too, so that a bulk pause refuses a bad end before it pauses any job.
        try:
            policy.admit_pause_until(value, now=time.time())
        except InvalidSpec as exc:
            raise ValueError(exc.reason) from None
        return value


class ResumeRequest(BaseModel):
    """What becomes of the fires the pause skipped."""

    model_config = ConfigDict(extra="forbid")

    catchup: Literal["none", "latest"] = Field(
        "none", description="none: they stay skipped (recorded as a skipped run); latest: the latest runs now"
    )


class RunRequest(BaseModel):
    """A run started by hand."""

    model_config = ConfigDict(extra="forbid")

    force: StrictBool = Field(False, description="start it even where the job's overlap rule would skip it")


class Aborted(BaseModel):
    """What an abort did."""

    status: Literal["aborted", "aborting"] = Field(
        description="aborted: it was queued, and is now recorded aborted; aborting: its worker was asked "
        "and ends it at once (a command's process group is killed), recording it aborted"
    )


class RunStarted(BaseModel):
    """The run just queued."""

    run_id: str = Field(description="GET /api/runs/{run_id} reads it once it has run")


class BulkPauseRequest(PauseRequest):
    """Pause every job with a tag."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"tag": "billing"}]})

    tag: str = Field(pattern=LABEL_PATTERN, description="the tag of the jobs to pause")


class BulkResumeRequest(ResumeRequest):
    """Resume every paused job with a tag."""

    tag: str = Field(pattern=LABEL_PATTERN, description="the tag of the jobs to resume")


class BulkResult(BaseModel):
    """What a bulk operation did, job by job: it goes on past a job it cannot change."""

    done: list[str] = Field(description="the ids of the jobs it changed")
    failed: dict[str, str] = Field(description="job id -> why it was not changed")


def merge_patch(spec: JobSpec, patch: dict[str, Any]) -> JobSpec:
    """``spec`` with ``patch`` applied as a JSON merge patch (RFC 7396): a field given replaces,
    ``null`` removes (an optional field becomes empty, a defaulted one its default), and an object
    merges member by member (one header can change without sending the others again).

    Raises:
        pydantic.ValidationError: the result is not a valid job (the error names the field).
    """
    return JobSpec.model_validate(_merged(spec.model_dump(), patch))


def _merged(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    result = dict(target)
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        elif isinstance(value, dict) and isinstance(result.get(name), dict):
            result[name] = _merged(result[name], value)
        else:
            result[name] = value
    return result

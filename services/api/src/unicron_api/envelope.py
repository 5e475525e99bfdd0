"""The original Unicron's response envelope, for answers and errors alike.

``Envelope[T]`` is ``{"success": bool, "msg": str, "result": T}``. Each answer has its own named
subclass so the OpenAPI contract, and the client generated from it, carry readable, stable names
(``JobEnvelope``, not ``Envelope_dict_str__JobView__``) and a typed ``result``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Literal, Self, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, RootModel

from unicron_api.requests import Aborted, BulkResult, RunStarted
from unicron_core.apikeys import NAME, Scope
from unicron_core.examples import EXAMPLE_JOB_ID, EXAMPLE_SCHEDULE_TIMES, EXAMPLE_TASK_ID
from unicron_core.models import JobId, TaskId
from unicron_core.preview import ScheduleTimes
from unicron_core.records import RunResult
from unicron_core.store.audit import AuditEntry
from unicron_core.views import JobsPage, JobVersionView, JobView, RunsPage, TaskView

T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    """``{"success": bool, "msg": str, "result": ...}``."""

    success: bool = Field(description="true for an answer, false for an error")
    msg: str = Field(description="what happened, for people")
    result: T

    @classmethod
    def ok(cls, result: T, msg: str = "ok") -> Self:
        """A successful envelope around ``result``."""
        return cls(success=True, msg=msg, result=result)


def _examples(result: Any, msg: str = "ok") -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [{"success": True, "msg": msg, "result": result}]})


class TextEnvelope(Envelope[str]):
    """A short text: the version, or a health check's verdict."""

    model_config = _examples("Unicron v2.0.0")


class JobIdEnvelope(Envelope[JobId]):
    """The id of the job just registered: 16 characters [A-Za-z0-9]."""

    model_config = _examples(EXAMPLE_JOB_ID, "job created")


class JobEnvelope(Envelope[JobView]):
    """One job."""

    model_config = _examples(JobView.model_json_schema()["examples"][0])


class JobsEnvelope(Envelope[dict[str, JobView]]):
    """Every job, by id."""

    model_config = _examples({EXAMPLE_JOB_ID: JobView.model_json_schema()["examples"][0]})


class DeletedEnvelope(Envelope[Literal[1]]):
    """A job was deleted: ``result`` is 1, as in the original."""

    model_config = _examples(1, "job deleted")


class RunsEnvelope(Envelope[list[RunResult]]):
    """Run results, newest first."""

    model_config = _examples(RunResult.model_json_schema(mode="serialization")["examples"])


class TaskIdEnvelope(Envelope[TaskId]):
    """The id of the task just submitted: a UUID."""

    model_config = _examples(EXAMPLE_TASK_ID, "task submitted")


class TaskEnvelope(Envelope[TaskView]):
    """One async task: its status and, once run, its result."""

    model_config = _examples(TaskView.model_json_schema(mode="serialization")["examples"][0])


class UpsertedJob(JobView):
    """A job made what a create-or-update by name asked for, and what that did."""

    outcome: Literal["created", "updated", "unchanged"]
    changed: list[str] = Field(description="the names of the fields it changed (would change, in a dry run)")


class UpsertedEnvelope(Envelope[UpsertedJob]):
    """The job a create-or-update by name made or left as it was (a dry run: what it would)."""


class VersionsEnvelope(Envelope[list[JobVersionView]]):
    """A job's definitions, newest (the current one) first."""


class RunStartedEnvelope(Envelope[RunStarted]):
    """The run just queued."""


class AbortedEnvelope(Envelope[Aborted]):
    """What an abort did."""


class RunEnvelope(Envelope[RunResult]):
    """One run."""


class JobsPageEnvelope(Envelope[JobsPage]):
    """A page of jobs."""


class RunsPageEnvelope(Envelope[RunsPage]):
    """A page of runs, newest first."""


class BulkEnvelope(Envelope[BulkResult]):
    """What a bulk operation did, job by job."""


class AuditPage(BaseModel):
    """A page of the audit log, newest first."""

    items: list[AuditEntry]
    next_cursor: str | None = Field(description="pass it as ?cursor= for the next page; null on the last")


class AuditEnvelope(Envelope[AuditPage]):
    """A page of the audit log."""


class KeyRequest(BaseModel):
    """A new API key: who uses it and what it may do."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "ci", "scopes": ["jobs:read"]}]}
    )

    name: str = Field(pattern=NAME.pattern, description="unique; not 'env' or 'admin'")
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope))


class KeyView(BaseModel):
    """A stored API key as listed: never the key itself."""

    name: str
    scopes: list[str]
    created: float = Field(description="epoch seconds")


class NewKey(KeyView):
    """A key just made: the only time ``token`` is ever shown."""

    token: str = Field(description="send it as Authorization: Bearer <token>; only its hash is kept")


class NewKeyEnvelope(Envelope[NewKey]):
    """The key just made."""


class KeysEnvelope(Envelope[list[KeyView]]):
    """Every stored API key, by name."""


class FieldErrors(RootModel[dict[str, str]]):
    """A message per invalid field, keyed by its dotted path (``body`` for the object as a whole)."""


class ErrorEnvelope(BaseModel):
    """An error: ``success`` is false, ``msg`` says what is wrong, in one line."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"success": False, "msg": "unknown API token", "result": None},
                {
                    "success": False,
                    "msg": "invalid request: schedule: Field required",
                    "result": {"schedule": "Field required"},
                },
            ]
        }
    )

    success: bool = Field(description="always false")
    msg: str = Field(description="what is wrong, in one line")
    result: FieldErrors | None = Field(description="for a 422, the invalid fields; otherwise null")


def error_response(
    status: int, msg: str, result: Any = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A failed envelope with an honest status code."""
    return JSONResponse({"success": False, "msg": msg, "result": result}, status_code=status, headers=headers)


class ScheduleTimesEnvelope(Envelope[ScheduleTimes]):
    """A schedule's next fire times and its description: a preview, or a job's next fires."""

    model_config = _examples(EXAMPLE_SCHEDULE_TIMES)

"""The OpenAPI contract's metadata: tags, the documented error answers, links.

Every error answer is the envelope (``ErrorEnvelope``). Each operation documents the statuses it can
answer (see docs/decisions/0006-api-contract.md): 401 and 403 on every secured operation (403 also
stands for a token without the needed scope once scopes exist), 429 on every ``/api`` operation (the
rate limit slots in there), 503 wherever Redis is read.
``python -m unicron_api.spec [PATH]`` writes the spec; ``make client`` runs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from unicron_api.envelope import ErrorEnvelope

TAGS: list[dict[str, Any]] = [
    {"name": "meta", "description": "The service's name and version."},
    {"name": "jobs", "description": "Recurring jobs: a cron schedule plus an HTTP call or a shell command."},
    {"name": "results", "description": "What job runs did, kept for the retention window (default 24 h)."},
    {"name": "tasks", "description": "One-off async tasks and their status."},
    {"name": "schedule", "description": "Cron expressions checked and explained, without a job."},
    {"name": "health", "description": "Probes for orchestrators; no token needed."},
]

_RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
_ERRORS: dict[int, tuple[str, str, dict[str, Any]]] = {
    400: ("Malformed JSON body.", "malformed JSON body: Expecting value", {}),
    401: (
        "No API token, or an unknown one: send `Authorization: Bearer <token>`.",
        "unknown API token",
        {
            "WWW-Authenticate": {
                "description": "always `Bearer`",
                "required": True,
                "schema": {"type": "string"},
            }
        },
    ),
    403: (
        "Valid, but not allowed: by the cluster's settings (shell commands need "
        "UNICRON_ALLOW_COMMANDS=true, UNICRON_MAX_JOBS) or for this key (it lacks the scope the "
        "operation's `x-unicron-scope` names).",
        "shell commands are disabled on this cluster (set UNICRON_ALLOW_COMMANDS=true to allow)",
        {},
    ),
    404: ("No job, task or API key with that id.", "no job with id 'Hh3tS0Q2mXbGz7Lk'", {}),
    409: (
        "A conflict: the name is taken, the definition changed meanwhile, or the run has ended.",
        "an API key named 'ci' exists; revoke it first",
        {},
    ),
    413: ("Request body over 1 MiB.", "request body too large (the limit is 1048576 bytes)", {}),
    422: (
        "Invalid request: `result` has a message per field (a dotted path; `body` for the whole object).",
        "invalid request: schedule: Field required",
        {},
    ),
    429: (
        "This key's rate limit (UNICRON_RATE_LIMIT a minute) is reached: wait `Retry-After` seconds.",
        "rate limit of 6000 requests a minute for this key reached; retry in 12 s",
        _RETRY_AFTER,
    ),
    503: (
        "Redis cannot be reached: wait for `Retry-After` seconds.",
        "storage unavailable: Redis cannot be reached, try again shortly",
        _RETRY_AFTER,
    ),
}
SECURED = (401, 403, 429, 503)
WITH_BODY = (400, 413, 422)
WITH_ID = (404, 422)


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of an operation that can answer these error statuses."""
    documented: dict[int | str, dict[str, Any]] = {}
    for code in sorted(set(codes)):
        description, msg, headers = _ERRORS[code]
        result = {"schedule": "Field required"} if code == 422 else None
        example = {"success": False, "msg": msg, "result": result}
        documented[code] = {
            "model": ErrorEnvelope,
            "description": description,
            "content": {"application/json": {"example": example}},
            **({"headers": headers} if headers else {}),
        }
    return documented


def links(*operation_ids: str, **parameters: str) -> dict[str, Any]:
    """Links from an answer to the operations that take what it holds: each parameter by the JSON
    pointer of its value in the answer (``job_id="/result"``)."""
    said = ", ".join(f"`{pointer}` is the `{name}`" for name, pointer in parameters.items())
    return {
        operation_id: {
            "operationId": operation_id,
            "parameters": {name: f"$response.body#{pointer}" for name, pointer in parameters.items()},
            "description": f"{said} of {operation_id}",
        }
        for operation_id in operation_ids
    }


# What takes a job's id: every answer that holds one links to them (stateful tests follow the links).
JOB_OPERATIONS = (
    "get_job",
    "job_results",
    "replace_job",
    "patch_job",
    "job_versions",
    "job_next_times",
    "pause_job",
    "resume_job",
    "run_job",
    "delete_job",
)
RUN_OPERATIONS = ("get_run", "rerun", "abort_run")


def restore_nulls(spec: dict[str, Any], models: Iterable[type[BaseModel]]) -> None:
    """Puts back the nulls FastAPI drops from examples, so each example is valid against its schema.

    FastAPI encodes the whole spec with ``exclude_none``: ``"result": null`` would vanish from every
    error example, and ``"command": null`` from a job's. ``models`` are those with examples.
    """
    by_name = {model.__name__: model for model in models}
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        if "examples" in schema and name in by_name:
            schema["examples"] = by_name[name].model_json_schema(mode="serialization")["examples"]
    for operations in spec["paths"].values():
        for operation in operations.values():
            for code, response in operation["responses"].items():
                example = response.get("content", {}).get("application/json", {}).get("example")
                if code[0] in "45" and example is not None:
                    example.setdefault("result", None)

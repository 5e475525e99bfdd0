"""The dashboard's forms as definitions (pure: no I/O). A form holds the fields people set most;
an edit keeps every other field of the job as it is, and a header shown masked (``***``) keeps its
stored value. What does not validate comes back as one message per field, worded as the API's."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from unicron_api.handlers import field_messages
from unicron_api.ui.session import Form, first
from unicron_core.errors import InvalidSpec
from unicron_core.models import JobSpec, TaskSpec

MASK = "***"
# The fields a job's form shows, each a text input unless said below.
TEXT_FIELDS = ("name", "schedule", "timezone", "http_url", "http_method", "command", "email", "hook_url")
CHOICE_FIELDS = ("notify", "overlap")
NUMBER_FIELDS = ("timeout", "retries")
FORM_FIELDS = (*TEXT_FIELDS, *CHOICE_FIELDS, *NUMBER_FIELDS, "http_headers", "http_data", "tags")

Errors = dict[str, str]


def job_values(spec: JobSpec | None) -> dict[str, str]:
    """A definition as the form's inputs show it (empty for a new job), header values masked."""
    if spec is None:
        return {"http_method": "get", "notify": "always", "overlap": "allow", "retries": "0"}
    values = {name: "" if (v := getattr(spec, name)) is None else str(v) for name in TEXT_FIELDS}
    values |= {name: str(getattr(spec, name)) for name in CHOICE_FIELDS}
    values |= {name: "" if (v := getattr(spec, name)) is None else f"{v:g}" for name in NUMBER_FIELDS}
    values["http_headers"] = "\n".join(f"{name}: {MASK}" for name in spec.http_headers)
    values["http_data"] = json.dumps(spec.http_data, indent=2) if spec.http_data else ""
    values["tags"] = ", ".join(spec.tags)
    return values


def job_spec(form: Form, current: JobSpec | None) -> tuple[JobSpec | None, Errors]:
    """The definition a job's form asks for, over ``current`` (an edit) or from nothing (a new
    job); or the errors, by field."""
    errors: Errors = {}
    fields = _fields(form, current, errors)
    if errors:
        return None, errors
    base = current.model_dump(exclude=set(FORM_FIELDS)) if current is not None else {}
    try:
        return JobSpec.model_validate({**base, **fields}), {}
    except ValidationError as exc:
        return None, _by_field(exc)


def task_spec(form: Form) -> tuple[TaskSpec | None, Errors]:
    """The task a submission form asks for, or the errors by field."""
    errors: Errors = {}
    fields = _fields(form, None, errors)
    fields.pop("schedule", None)
    fields.pop("timezone", None)
    fields.pop("tags", None)
    fields.pop("overlap", None)
    if errors:
        return None, errors
    try:
        return TaskSpec.model_validate(fields), {}
    except ValidationError as exc:
        return None, _by_field(exc)


def refused(exc: InvalidSpec) -> Errors:
    """What the store refused (a schedule too frequent, a URL the egress guard refuses), by field."""
    return {exc.field or "form": exc.reason if exc.field else str(exc)}


def _fields(form: Form, current: JobSpec | None, errors: Errors) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in (*TEXT_FIELDS, *CHOICE_FIELDS):
        if value := first(form, name):
            fields[name] = value
    for name in NUMBER_FIELDS:
        if value := first(form, name):
            fields[name] = value  # pydantic parses and bounds it, naming the field
    fields["tags"] = [tag.strip() for tag in first(form, "tags").split(",") if tag.strip()]
    stored = current.http_headers if current is not None else {}
    headers = _headers(first(form, "http_headers"), stored, errors)
    if headers:
        fields["http_headers"] = headers
    data = _json_object(first(form, "http_data"), errors)
    if data:
        fields["http_data"] = data
    return fields


def _headers(text: str, stored: dict[str, str], errors: Errors) -> dict[str, str]:
    headers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            errors["http_headers"] = f"line {number}: write each header as Name: value"
            return {}
        value = value.strip()
        headers[name.strip()] = stored.get(name.strip(), value) if value == MASK else value
    return headers


def _json_object(text: str, errors: Errors) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        errors["http_data"] = f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        return {}
    if not isinstance(data, dict):
        errors["http_data"] = 'must be a JSON object, e.g. {"key": "value"}'
        return {}
    return data


def _by_field(exc: ValidationError) -> Errors:
    """pydantic's errors as the API words them; an error across fields is the form's."""
    messages = field_messages([{**err, "loc": ("body", *err["loc"])} for err in exc.errors()])
    return {("form" if name == "body" else name.split(".")[0]): msg for name, msg in messages.items()}

"""Examples for the OpenAPI contract and its readers: one of each kind of record, as the models'
schemas and the API's documented answers show them."""

from __future__ import annotations

from typing import Any

EXAMPLE_JOB_ID = "Hh3tS0Q2mXbGz7Lk"
EXAMPLE_TASK_ID = "3f1d7c9e-5b8a-4c2e-9f0a-1b2c3d4e5f60"

EXAMPLE_JOB: dict[str, Any] = {
    "name": "ping",
    "schedule": "*/5 * * * *",
    "http_url": "https://example.com/ping",
    "http_method": "post",
    "http_headers": {"X-Token": "secret"},
    "http_data": {"source": "unicron"},
    "email": "ops@example.com",
    "hook_url": "https://example.com/result",
}
EXAMPLE_COMMAND_JOB: dict[str, Any] = {
    "name": "nightly-report",
    "schedule": "30 2 * * *",
    "command": "make report",
    "timezone": "Europe/Berlin",
    "timeout": 600,
}
EXAMPLE_TASK: dict[str, Any] = {"name": "once", "command": "echo $TZ", "retries": 1}
EXAMPLE_RUN: dict[str, Any] = {
    "success": True,
    "start": 1767225600.004,
    "end": 1767225600.131,
    "output": {"job_id": EXAMPLE_JOB_ID, "status_code": 200, "text": "ok", "truncated": False},
    "run_id": "9b2f4c1de0a84f6b8c3e5a7d1f2b4c6e",
    "scheduled": 1767225600.0,
    "error": None,
    "notifications": {"email": "sent", "hook": "sent"},
}

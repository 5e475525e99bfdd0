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
EXAMPLE_PREVIEW: dict[str, Any] = {
    "schedule": "30 2 * * *",
    "timezone": "Europe/Berlin",
    "count": 3,
    "after": "2026-03-28T00:00:00+01:00",
}
# What the preview of EXAMPLE_PREVIEW answers (tests/unit/test_preview.py checks it).
EXAMPLE_SCHEDULE_TIMES: dict[str, Any] = {
    "times": [
        {"iso": "2026-03-28T02:30:00+01:00", "epoch_ms": 1774661400000},
        {"iso": "2026-03-29T03:00:00+02:00", "epoch_ms": 1774746000000},
        {"iso": "2026-03-30T02:30:00+02:00", "epoch_ms": 1774830600000},
    ],
    "description": "at 02:30 every day, Europe/Berlin; on spring-forward days 02:30 does not exist and it "
    "runs at 03:00 instead; on fall-back days 02:30 happens twice and it runs only the first time",
}

"""POST /api/schedule/preview: a schedule's next fire times and its description, without a job."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from unicron_api.app import create_app
from unicron_core.examples import EXAMPLE_PREVIEW, EXAMPLE_SCHEDULE_TIMES
from unicron_core.settings import Settings

URL = "/api/schedule/preview"
AUTH = {"Authorization": "Bearer test-token-0123456789"}  # the api tests' key (tests/api/conftest.py)


def _preview(client: TestClient, body: dict[str, Any], status: int = 200) -> Any:
    response = client.post(URL, json=body)
    assert response.status_code == status, response.text
    envelope = response.json()
    assert envelope["success"] is (status == 200)
    return envelope


def test_the_contract_example(client: TestClient) -> None:
    assert _preview(client, EXAMPLE_PREVIEW)["result"] == EXAMPLE_SCHEDULE_TIMES


def test_defaults_five_times_from_now_in_the_cluster_zone(settings: Settings) -> None:
    before_ms = datetime.now(UTC).timestamp() * 1000
    cluster = settings.model_copy(update={"tz": "Asia/Kolkata"})
    with TestClient(create_app(cluster), headers=AUTH) as client:
        result = _preview(client, {"schedule": "0 9 * * 1-5"})["result"]
    assert result["description"] == "at 09:00 on Monday to Friday, Asia/Kolkata"
    times = result["times"]
    assert len(times) == 5 and times[0]["epoch_ms"] > before_ms
    for time in times:
        when = datetime.fromisoformat(time["iso"])
        offset = when.utcoffset()
        assert offset is not None and offset.total_seconds() == 5.5 * 3600
        assert (when.hour, when.minute, when.isoweekday() <= 5) == (9, 0, True)
        assert when.timestamp() * 1000 == time["epoch_ms"]


@pytest.mark.parametrize(
    ("after", "first"),
    [
        (1767225600, "2026-01-01T00:05:00+00:00"),  # epoch seconds, a fire time itself: strictly after
        ("2026-01-01T00:00:00Z", "2026-01-01T00:05:00+00:00"),
        ("2026-01-01T00:00:00", "2026-01-01T00:05:00+00:00"),
    ],
)
def test_after_forms(client: TestClient, after: float | str, first: str) -> None:
    times = _preview(client, {"schedule": "*/5 * * * *", "after": after, "count": 1})["result"]["times"]
    assert [t["iso"] for t in times] == [first]


def test_without_offset_after_is_read_in_the_timezone(client: TestClient) -> None:
    body = {
        "schedule": "@every 1h",
        "timezone": "America/New_York",
        "after": "2026-07-01T00:30:00",
        "count": 2,
    }
    times = _preview(client, body)["result"]["times"]
    assert [t["iso"] for t in times] == ["2026-07-01T01:00:00-04:00", "2026-07-01T02:00:00-04:00"]


def test_count_up_to_a_hundred(client: TestClient) -> None:
    result = _preview(client, {"schedule": "* * * * * *", "count": 100, "after": 0 + 1767225600})["result"]
    assert len(result["times"]) == 100 and result["description"] == "every second, UTC"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"schedule": "61 * * * *"},
            "schedule",
            "invalid cron expression '61 * * * *': minute 61 is out of range",
        ),
        ({"schedule": "* * *"}, "schedule", "expected 5 or 6 fields, got 3"),
        ({"schedule": None}, "schedule", "Field required"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone 'Mars/Olympus'"),
        ({"count": 0}, "count", "greater than or equal to 1"),
        ({"count": 101}, "count", "less than or equal to 100"),
        ({"count": "many"}, "count", "valid integer"),
        ({"after": "tomorrow"}, "after", "ISO 8601"),
        ({"after": 1e15}, "after", "years 1901-7999"),
        ({"nope": 1}, "nope", "unknown field"),
    ],
)
def test_invalid_requests_name_the_field(
    client: TestClient, change: dict[str, Any], field: str, words: str
) -> None:
    body = {k: v for k, v in {"schedule": "@daily", **change}.items() if v is not None}
    envelope = _preview(client, body, 422)
    assert envelope["msg"].startswith(f"invalid request: {field}: "), envelope
    assert words in envelope["result"][field], envelope


def test_a_schedule_the_cluster_would_refuse_is_refused(settings: Settings) -> None:
    with TestClient(create_app(settings.model_copy(update={"min_interval_s": 60})), headers=AUTH) as client:
        envelope = _preview(client, {"schedule": "*/10 * * * * *"}, 422)
        assert "UNICRON_MIN_INTERVAL" in envelope["result"]["schedule"], envelope
        assert _preview(client, {"schedule": "* * * * *"})["success"]


def test_nothing_is_created_and_the_key_is_needed(client: TestClient) -> None:
    _preview(client, {"schedule": "@daily"})
    assert client.get("/api/job/").json()["result"] == {}
    response = client.post(URL, json={"schedule": "@daily"}, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert client.post(URL + "/", json={"schedule": "@daily"}).status_code == 200  # the trailing slash too

"""preview.py: fire times as answers show them, the `after` forms, the preview's request."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest
from pydantic import ValidationError

from unicron_core.cron import get_zone, parse
from unicron_core.cronfields import HORIZON_DAYS
from unicron_core.examples import EXAMPLE_PREVIEW, EXAMPLE_SCHEDULE_TIMES
from unicron_core.preview import (
    AFTER_YEARS,
    COUNT_MAX,
    SchedulePreview,
    instant_ms,
    next_times,
    now_ms,
    times_of,
)

BERLIN = get_zone("Europe/Berlin")
UTC_ZONE = get_zone("UTC")


def test_the_contract_example_is_what_the_preview_answers() -> None:
    request = SchedulePreview.model_validate(EXAMPLE_PREVIEW)
    assert request.timezone is not None and request.after is not None
    zone = get_zone(request.timezone)
    answer = times_of(
        parse(request.schedule, request.timezone),
        after_ms=instant_ms(request.after, zone),
        count=request.count,
    )
    assert answer.model_dump() == EXAMPLE_SCHEDULE_TIMES


def test_times_carry_the_offset_of_their_instant() -> None:
    after = instant_ms("2026-03-28T12:00:00", BERLIN)
    times = next_times(parse("30 2 * * *", "Europe/Berlin"), after_ms=after, count=2)
    assert [(t.iso, t.epoch_ms) for t in times] == [
        ("2026-03-29T03:00:00+02:00", int(datetime(2026, 3, 29, 1, tzinfo=UTC).timestamp() * 1000)),
        ("2026-03-30T02:30:00+02:00", int(datetime(2026, 3, 30, 0, 30, tzinfo=UTC).timestamp() * 1000)),
    ]


def test_times_are_strictly_after_and_increasing() -> None:
    after = instant_ms(1767225600, UTC_ZONE)  # 2026-01-01T00:00:00Z, a fire time itself
    times = next_times(parse("*/10 * * * * *"), after_ms=after, count=COUNT_MAX)
    assert len(times) == COUNT_MAX
    assert times[0].iso == "2026-01-01T00:00:10+00:00"
    assert all(b.epoch_ms - a.epoch_ms == 10_000 for a, b in pairwise(times))


def test_fewer_times_when_it_stops_firing_within_the_horizon() -> None:
    # After 29 February 2096 the next is in 2104: eight years on, beyond the ~5-year horizon.
    times = next_times(parse("0 0 29 2 *"), after_ms=instant_ms("2096-01-01T00:00Z", UTC_ZONE), count=3)
    assert [t.iso for t in times] == ["2096-02-29T00:00:00+00:00"]


@pytest.mark.parametrize("year", AFTER_YEARS)
def test_the_sparsest_schedule_stays_computable_at_either_end(year: int) -> None:
    sparsest = parse(f"@every {HORIZON_DAYS * 24}h", "Pacific/Kiritimati")
    after = instant_ms(f"{year}-12-31T23:59:59" if year == AFTER_YEARS[1] else f"{year}-01-01", UTC_ZONE)
    assert len(next_times(sparsest, after_ms=after, count=COUNT_MAX)) == COUNT_MAX


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        (1767225600, UTC_ZONE, "2026-01-01T00:00:00+00:00"),
        (1767225600.25, UTC_ZONE, "2026-01-01T00:00:00.250000+00:00"),
        ("2026-01-01T00:00:00Z", BERLIN, "2026-01-01T00:00:00+00:00"),
        ("2026-01-01T01:00:00+01:00", UTC_ZONE, "2026-01-01T00:00:00+00:00"),
        ("2026-01-01T01:00:00", BERLIN, "2026-01-01T00:00:00+00:00"),  # without an offset: in the zone
        ("2026-01-01", BERLIN, "2025-12-31T23:00:00+00:00"),
    ],
)
def test_instant_forms(value: float | str, zone: Any, expected: str) -> None:
    assert datetime.fromtimestamp(instant_ms(value, zone) / 1000, UTC).isoformat() == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "epoch seconds or an ISO 8601 time"),
        ([1], "epoch seconds or an ISO 8601 time"),
        ("yesterday", "'yesterday' is not an ISO 8601 time such as 2026-03-29T01:00:00\\+01:00"),
        ("", "'' is not an ISO 8601 time"),
        (-2_300_000_000, "years 1901-7999"),
        (1e300, "years 1901-7999"),
        ("8000-01-01T00:00:00", "years 1901-7999"),
        ("0001-01-01T00:00:00+01:00", "years 1901-7999"),  # not an OverflowError
        ("9999-12-31T23:59:59-01:00", "years 1901-7999"),
    ],
)
def test_instant_refusals(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        instant_ms(value, UTC_ZONE)


def test_now() -> None:
    assert abs(now_ms() - datetime.now(UTC).timestamp() * 1000) < 5_000


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"schedule": "61 * * * *"}, "schedule", "minute 61 is out of range 0-59"),
        ({"schedule": "0 0 30 2 *"}, "schedule", "never fires"),
        ({"schedule": ""}, "schedule", "at least 1 character"),
        ({}, "schedule", "Field required"),
        ({"schedule": "@daily", "timezone": "Mars/Olympus"}, "timezone", "unknown time zone 'Mars/Olympus'"),
        ({"schedule": "@daily", "count": 0}, "count", "greater than or equal to 1"),
        ({"schedule": "@daily", "count": 101}, "count", "less than or equal to 100"),
        ({"schedule": "@daily", "after": "soon"}, "after", "ISO 8601"),
        ({"schedule": "@daily", "after": False}, "after", "epoch seconds"),
        ({"schedule": "@daily", "after": 1e12}, "after", "years 1901-7999"),
        ({"schedule": "@daily", "every": "1h"}, "every", "Extra inputs"),
    ],
)
def test_request_refusals_name_the_field(body: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SchedulePreview.model_validate(body)
    (error,) = caught.value.errors()
    assert error["loc"] == (field,) and words in error["msg"], error


def test_request_defaults() -> None:
    request = SchedulePreview.model_validate({"schedule": "@hourly"})
    assert (request.timezone, request.count, request.after) == (None, 5, None)
    assert SchedulePreview.model_validate({"schedule": "@hourly", "after": 1767225600}).after == 1767225600

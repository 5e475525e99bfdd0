"""A schedule's next fire times as the API answers them, with its description (``describe``): what
``POST /api/schedule/preview`` and ``GET /api/job/{id}/next`` answer, and the preview's request."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from unicron_core import cron
from unicron_core.describe import describe
from unicron_core.examples import EXAMPLE_PREVIEW, EXAMPLE_SCHEDULE_TIMES

COUNT_DEFAULT = 5
COUNT_MAX = 100
# `after` is kept in these years: COUNT_MAX fires of the sparsest schedule (one each ~5 years) then
# stay inside the years cron computes (1900-9000), whatever the zone.
AFTER_YEARS = (1901, 7999)
_LOW_MS = int(datetime(AFTER_YEARS[0], 1, 1, tzinfo=UTC).timestamp()) * 1000
_HIGH_MS = int(datetime(AFTER_YEARS[1] + 1, 1, 1, tzinfo=UTC).timestamp()) * 1000
_ISO = "an ISO 8601 time such as 2026-03-29T01:00:00+01:00"
_AFTER_FORMS = f"epoch seconds or {_ISO}"
_YEARS = f"must be in the years {AFTER_YEARS[0]}-{AFTER_YEARS[1]}"


class FireTime(BaseModel):
    """One fire time of a schedule."""

    iso: str = Field(description="ISO 8601 with the UTC offset of the schedule's zone at that instant")
    epoch_ms: int = Field(description="milliseconds since the Unix epoch")


class ScheduleTimes(BaseModel):
    """A schedule's next fire times, and what it does in words."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_SCHEDULE_TIMES]})

    times: list[FireTime] = Field(
        description="strictly increasing; fewer than asked when the schedule stops firing within ~5 years"
    )
    description: str = Field(
        description="the schedule in plain English, with what DST does to it in its zone, if anything"
    )


class SchedulePreview(BaseModel):
    """A schedule to check and explain, without creating a job."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_PREVIEW]})

    schedule: str = Field(
        min_length=1,
        max_length=256,
        description="5 fields (min hour dom mon dow), 6 with seconds first, a macro such as @daily, "
        "or @every <duration> such as @every 1h30m",
    )
    timezone: str | None = Field(None, max_length=64, description="IANA zone; default: the cluster's TZ")
    count: int = Field(COUNT_DEFAULT, ge=1, le=COUNT_MAX, description="how many fire times")
    after: float | str | None = Field(
        None,
        description=f"the times are after this instant: {_AFTER_FORMS} (without an offset: in `timezone`); "
        f"years {AFTER_YEARS[0]}-{AFTER_YEARS[1]}; default: now",
    )

    @field_validator("schedule")
    @classmethod
    def _valid_schedule(cls, value: str) -> str:
        cron.parse(value)  # the zone changes when it fires, never whether the expression is valid
        return value

    _known_zone = field_validator("timezone")(cron.known_zone)

    @field_validator("after", mode="before")
    @classmethod
    def _valid_after(cls, value: Any) -> Any:
        if value is not None:
            instant_ms(value, ZoneInfo("UTC"))  # the zone moves a naive time by hours, inside the years
        return value


def instant_ms(value: object, zone: ZoneInfo) -> int:
    """An instant given as epoch seconds or as ISO 8601 text (``iso_ms``), in epoch milliseconds.

    Raises:
        ValueError: neither form, or outside ``AFTER_YEARS``.
    """
    if isinstance(value, str):
        return iso_ms(value, zone)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError(f"must be {_AFTER_FORMS}")
    if not _LOW_MS <= value * 1000 < _HIGH_MS:
        raise ValueError(_YEARS)
    return math.floor(value * 1000)


def iso_ms(text: str, zone: ZoneInfo) -> int:
    """An ISO 8601 time in epoch milliseconds; a time without an offset is in ``zone``.

    Raises:
        ValueError: not ISO 8601, or outside ``AFTER_YEARS``.
    """
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text[:64]}' is not {_ISO}") from None
    try:
        if when.tzinfo is not None:
            when = when.astimezone(UTC)  # the years are checked in UTC, as for epoch seconds
    except OverflowError:  # beyond year 1 or 9999 in UTC
        raise ValueError(_YEARS) from None
    if not AFTER_YEARS[0] <= when.year <= AFTER_YEARS[1]:
        raise ValueError(_YEARS)
    return math.floor((when if when.tzinfo else when.replace(tzinfo=zone)).timestamp() * 1000)


def now_ms() -> int:
    """The current time, epoch milliseconds."""
    return time.time_ns() // 1_000_000


def next_times(schedule: cron.Schedule, *, after_ms: int, count: int) -> list[FireTime]:
    """The first ``count`` fire times strictly after ``after_ms``, in the schedule's zone; fewer when
    it stops firing within ~5 years."""
    zone = cron.get_zone(schedule.tz)
    return [
        FireTime(iso=datetime.fromtimestamp(fire_ms / 1000, zone).isoformat(), epoch_ms=fire_ms)
        for fire_ms in islice(schedule.iter_after(after_ms), count)
    ]


def times_of(schedule: cron.Schedule, *, after_ms: int, count: int) -> ScheduleTimes:
    """``next_times`` and the schedule's description (its DST notes for the year after ``after_ms``)."""
    return ScheduleTimes(
        times=next_times(schedule, after_ms=after_ms, count=count),
        description=describe(schedule.expr, schedule.tz, at_ms=after_ms),
    )

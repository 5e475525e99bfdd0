"""cron.py: parsing, the Vixie day rule, @every, the interface, croniter divergences, speed.

Time zones and DST against a brute-force reference are in test_cron_dst.py.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import time
import tracemalloc
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter

from unicron_core.cron import Schedule, get_zone, parse
from unicron_core.errors import InvalidSchedule, InvalidTimezone

JAN_2025_MS = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp() * 1000)  # a Wednesday


def fires_until(expr: str, end: datetime, tz: str = "UTC", start_ms: int = JAN_2025_MS - 1) -> list[datetime]:
    """Fire times (aware UTC) from start_ms up to, excluding, end."""
    fires = []
    for fire_ms in parse(expr, tz).iter_after(start_ms):
        when = datetime.fromtimestamp(fire_ms / 1000, UTC)
        if when >= end:
            break
        fires.append(when)
    return fires


def seconds_of(field: str) -> list[int]:
    return [f.second for f in fires_until(f"{field} * * * * *", datetime(2025, 1, 1, 0, 1, tzinfo=UTC))]


def minutes_of(field: str) -> list[int]:
    return [f.minute for f in fires_until(f"{field} * * * *", datetime(2025, 1, 1, 1, tzinfo=UTC))]


def hours_of(field: str) -> list[int]:
    return [f.hour for f in fires_until(f"0 {field} * * *", datetime(2025, 1, 2, tzinfo=UTC))]


def days_of(field: str) -> list[int]:
    return [f.day for f in fires_until(f"0 0 {field} * *", datetime(2025, 2, 1, tzinfo=UTC))]


def months_of(field: str) -> list[int]:
    return [f.month for f in fires_until(f"0 0 1 {field} *", datetime(2026, 1, 1, tzinfo=UTC))]


def weekdays_of(field: str) -> list[int]:
    """Cron weekday numbers (0 = Sunday) over the week starting Sunday 2025-01-05."""
    start = int(datetime(2025, 1, 5, tzinfo=UTC).timestamp() * 1000) - 1
    fires = fires_until(f"0 0 * * {field}", datetime(2025, 1, 12, tzinfo=UTC), start_ms=start)
    return [f.isoweekday() % 7 for f in fires]


# --- Field forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*", list(range(60))),
        ("7", [7]),
        ("05", [5]),
        ("10-14", [10, 11, 12, 13, 14]),
        ("*/15", [0, 15, 30, 45]),
        ("10-30/10", [10, 20, 30]),
        ("50/3", [50, 53, 56, 59]),
        ("1,3-4,*/20", [0, 1, 3, 4, 20, 40]),
        ("5-5", [5]),
        ("59,0,0", [0, 59]),
    ],
)
def test_minute_field_forms(field: str, expected: list[int]) -> None:
    assert minutes_of(field) == expected


def test_seconds_field_comes_first_in_six_fields() -> None:
    assert seconds_of("*/20") == [0, 20, 40]
    assert seconds_of("7,8") == [7, 8]
    assert len(seconds_of("*")) == 60


def test_other_fields() -> None:
    assert hours_of("9-17/4") == [9, 13, 17]
    assert hours_of("22/1") == [22, 23]
    assert days_of("1,15,31") == [1, 15, 31]
    assert days_of("*/10") == [1, 11, 21, 31]
    assert months_of("*/3") == [1, 4, 7, 10]
    assert months_of("feb,Jun-AUG") == [2, 6, 7, 8]
    assert months_of("jan-dec/6") == [1, 7]


def test_day_of_week_numbers_and_names() -> None:
    assert weekdays_of("0") == weekdays_of("7") == weekdays_of("sun") == [0]
    assert weekdays_of("mon-fri") == weekdays_of("1-5") == weekdays_of("MON-Fri") == [1, 2, 3, 4, 5]
    assert weekdays_of("5-7") == [0, 5, 6]  # Sunday falls first in the week tested
    assert weekdays_of("0-7") == weekdays_of("*") == weekdays_of("?") == list(range(7))
    assert weekdays_of("*/2") == [0, 2, 4, 6]
    assert weekdays_of("1/2") == [1, 3, 5]  # `a/n` stops at Saturday, not at 7
    assert weekdays_of("sat,sun") == [0, 6]


# --- Day-of-month and day-of-week: Vixie cron --------------------------------------------


def test_both_day_fields_restricted_match_either() -> None:
    # January 2025: the 13th is a Monday; Fridays are 3, 10, 17, 24, 31.
    assert days_of("13") == [13]
    assert [f.day for f in fires_until("0 0 13 * 5", datetime(2025, 2, 1, tzinfo=UTC))] == [
        3,
        10,
        13,
        17,
        24,
        31,
    ]


def test_a_starred_day_field_means_both_must_match() -> None:
    end = datetime(2025, 2, 1, tzinfo=UTC)
    assert [f.day for f in fires_until("0 0 * * 5", end)] == [3, 10, 17, 24, 31]
    assert [f.day for f in fires_until("0 0 ? * 5", end)] == [3, 10, 17, 24, 31]
    assert [f.day for f in fires_until("0 0 13 * ?", end)] == [13]
    # `*/2` starts with `*`: odd days AND Fridays (Vixie's DOM_STAR flag).
    assert [f.day for f in fires_until("0 0 */2 * 5", end)] == [3, 17, 31]


# --- Macros and @every -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("macro", "expansion"),
    [
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
        ("@DAILY", "0 0 * * *"),
    ],
)
def test_macros_equal_their_expansion(macro: str, expansion: str) -> None:
    ours, expanded = parse(macro, "Europe/Berlin"), parse(expansion, "Europe/Berlin")
    start = JAN_2025_MS + 12_345
    assert ours.expr == macro
    assert list(zip(range(30), ours.iter_after(start), strict=False)) == list(
        zip(range(30), expanded.iter_after(start), strict=False)
    )


@pytest.mark.parametrize(
    ("duration", "interval_ms"),
    [
        ("30s", 30_000),
        ("90s", 90_000),
        ("5m", 300_000),
        ("1h", 3_600_000),
        ("1h30m", 5_400_000),
        ("1.5m", 90_000),
        ("2000ms", 2_000),
        ("1m0s", 60_000),
    ],
)
def test_every_durations(duration: str, interval_ms: int) -> None:
    schedule = parse(f"@every {duration}")
    assert schedule.min_interval_ms == interval_ms
    fires = list(zip(range(3), schedule.iter_after(JAN_2025_MS + 1), strict=False))
    first = (JAN_2025_MS // interval_ms + 1) * interval_ms
    assert [f for _, f in fires] == [first, first + interval_ms, first + 2 * interval_ms]


def test_every_is_anchored_to_the_epoch_in_any_zone() -> None:
    utc, chatham = parse("@every 7m"), parse("@every 7m", "Pacific/Chatham")
    assert utc.next_after(1_000) == chatham.next_after(1_000) == 420_000
    assert utc.next_after(420_000) == 840_000  # strictly after
    assert utc.next_after(419_999) == 420_000


# --- Errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("61 * * * *", "minute 61 is out of range 0-59"),
        ("* 24 * * *", "hour 24 is out of range 0-23"),
        ("0 0 0 * *", "day-of-month 0 is out of range 1-31"),
        ("0 0 32 * *", "day-of-month 32 is out of range 1-31"),
        ("0 0 * 13 *", "month 13 is out of range 1-12"),
        ("0 0 * * 8", "day-of-week 8 is out of range 0-7"),
        ("60 * * * * *", "second 60 is out of range 0-59"),
        ("5-2 * * * *", "minute range 5-2 is reversed (5 > 2)"),
        ("0 0 * * fri-mon", "day-of-week range fri-mon is reversed (5 > 1)"),
        ("*/0 * * * *", "minute step 0 is not allowed (use 1-60)"),
        ("0 */25 * * *", "hour step 25 is not allowed (use 1-24)"),
        ("*/x * * * *", "minute step 'x' is not a number"),
        ("* * *", "expected 5 or 6 fields, got 3"),
        ("* * * * * * *", "expected 5 or 6 fields, got 7"),
        ("", "expected 5 or 6 fields, got 0"),
        ("jan * * * *", "minute 'jan' is not a number"),
        ("0 0 * foo *", "month 'foo' is not a number or a month name"),
        ("0 0 * * monday", "day-of-week 'monday' is not a number or a day-of-week name"),
        ("-5 * * * *", "minute '-5' is not a number or a range"),
        ("1- * * * *", "minute '1-' is not a number or a range"),
        ("1,,2 * * * *", "minute field has an empty list item"),
        ("? * * * *", "'?' is only allowed alone, in day-of-month or day-of-week (got minute '?')"),
        ("0 0 1,? * *", "'?' is only allowed alone, in day-of-month or day-of-week (got day-of-month '1,?')"),
        ("0 0 30 2 *", "day-of-month 30 does not occur in month 2, so it never fires"),
        ("0 0 31 4,6,9,11 *", "day-of-month 31 does not occur in month 4,6,9,11, so it never fires"),
        ("0 0 30,31 feb ?", "day-of-month 30,31 does not occur in month feb, so it never fires"),
        (
            "@fortnightly",
            "unknown macro '@fortnightly' (expected one of @yearly, @annually, @monthly, "
            "@weekly, @daily, @midnight, @hourly, @every)",
        ),
        (
            "@daily 5",
            "unknown macro '@daily 5' (expected one of @yearly, @annually, @monthly, "
            "@weekly, @daily, @midnight, @hourly, @every)",
        ),
        ("@every", "'@every' needs a duration such as 30s, 5m or 1h30m"),
        ("@every 500ms", "duration '500ms' must be a whole number of seconds, at least 1s"),
        ("@every 1.5s", "duration '1.5s' must be a whole number of seconds, at least 1s"),
        ("@every 0s", "duration '0s' must be a whole number of seconds, at least 1s"),
        ("@every 5", "invalid duration '5' (use units h, m, s, e.g. 30s, 5m, 1h30m)"),
        ("@every 5d", "invalid duration '5d' (use units h, m, s, e.g. 30s, 5m, 1h30m)"),
        ("@every -5s", "invalid duration '-5s' (use units h, m, s, e.g. 30s, 5m, 1h30m)"),
        ("@every 1h 30m", "invalid duration '1h 30m' (use units h, m, s, e.g. 30s, 5m, 1h30m)"),
        ("@every 44000h", "duration '44000h' is longer than the 1830-day horizon"),
    ],
)
def test_invalid_expressions_say_what_is_wrong(expr: str, reason: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        parse(f"  {expr} ")
    assert str(caught.value) == f"invalid cron expression '{expr.strip()}': {reason}"
    assert isinstance(caught.value, ValueError)


def test_rare_but_possible_days_are_accepted() -> None:
    leap = parse("0 0 29 2 *")
    assert leap.next_after(JAN_2025_MS) == int(datetime(2028, 2, 29, tzinfo=UTC).timestamp() * 1000)
    # Either field may match when both are restricted: the 31st of February never comes, Mondays do.
    assert parse("0 0 31 2 mon").next_after(JAN_2025_MS) is not None


# --- Time zones ------------------------------------------------------------------------------


def test_get_zone_is_cached() -> None:
    assert get_zone("Europe/Berlin") is get_zone("Europe/Berlin")
    assert get_zone("UTC") == ZoneInfo("UTC")


@pytest.mark.parametrize("name", ["Mars/Olympus", "utc", "America", "/etc/passwd", "../x", "", "localtime"])
def test_unknown_zones(name: str) -> None:
    with pytest.raises(InvalidTimezone) as caught:
        get_zone(name)
    assert str(caught.value) == f"unknown time zone '{name}'"
    with pytest.raises(InvalidTimezone):
        parse("* * * * *", name)


def test_wall_time_is_local() -> None:
    # 09:00 in Kolkata (+05:30) is 03:30 UTC; in Chatham in January (+13:45) it is 19:15 UTC.
    assert (
        fires_until("0 9 * * *", datetime(2025, 1, 2, tzinfo=UTC), "Asia/Kolkata")[0].strftime("%H:%M")
        == "03:30"
    )
    assert (
        fires_until("0 9 * * *", datetime(2025, 1, 2, tzinfo=UTC), "Pacific/Chatham")[0].strftime("%H:%M")
        == "19:15"
    )


# --- The Schedule object --------------------------------------------------------------------


def test_schedule_keeps_expr_and_tz_and_is_immutable() -> None:
    schedule = parse("  */5 * * * *\n", "America/New_York")
    assert (schedule.expr, schedule.tz) == ("*/5 * * * *", "America/New_York")
    assert isinstance(schedule, Schedule)
    with pytest.raises(dataclasses.FrozenInstanceError):
        schedule.expr = "* * * * *"  # type: ignore[misc]
    assert schedule == parse("*/5 * * * *", "America/New_York")
    assert hash(schedule) == hash(parse("*/5 * * * *", "America/New_York"))


def test_next_after_is_strictly_after_in_milliseconds() -> None:
    minutely = parse("* * * * *")
    assert minutely.next_after(JAN_2025_MS - 1) == JAN_2025_MS
    assert minutely.next_after(JAN_2025_MS) == JAN_2025_MS + 60_000
    assert minutely.next_after(JAN_2025_MS + 59_999) == JAN_2025_MS + 60_000
    assert parse("* * * * * *").next_after(JAN_2025_MS + 1) == JAN_2025_MS + 1000


def test_iter_after_strictly_increases() -> None:
    fires = list(
        zip(range(500), parse("*/7 */3 * * * *", "Europe/Berlin").iter_after(JAN_2025_MS), strict=False)
    )
    times = [f for _, f in fires]
    assert all(a < b for a, b in itertools.pairwise(times))


def test_next_after_gives_none_beyond_the_horizon() -> None:
    # February 1st on a Monday (`*/29` starts with `*`, so both fields must match): 2027, then 2038.
    rare = parse("0 0 */29 2 mon")
    assert rare.next_after(JAN_2025_MS) == int(datetime(2027, 2, 1, tzinfo=UTC).timestamp() * 1000)
    assert rare.next_after(int(datetime(2028, 1, 1, tzinfo=UTC).timestamp() * 1000)) is None


def test_next_after_rejects_absurd_instants() -> None:
    with pytest.raises(ValueError, match="outside years 1900-9000"):
        parse("* * * * *").next_after(10**15)


@pytest.mark.parametrize(
    ("expr", "interval_ms"),
    [
        ("* * * * *", 60_000),
        ("0 0 1 1 *", 60_000),
        ("* * * * * *", 1_000),
        ("*/15 * * * * *", 15_000),
        ("0,40 * * * * *", 20_000),  # 40 -> 0 of the next minute
        ("30 * * * * *", 60_000),
        ("@hourly", 60_000),
        ("@every 1h30m", 5_400_000),
    ],
)
def test_min_interval(expr: str, interval_ms: int) -> None:
    assert parse(expr).min_interval_ms == interval_ms


# --- Divergences from croniter, pinned ------------------------------------------------------


def test_range_5_5_means_only_minute_5_unlike_croniter() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    theirs = croniter("5-5 * * * *", start)
    assert [theirs.get_next(datetime).minute for _ in range(3)] == [1, 2, 3]  # every minute
    ours = fires_until("5-5 * * * *", datetime(2025, 1, 1, 3, tzinfo=UTC))
    assert [(f.hour, f.minute) for f in ours] == [(0, 5), (1, 5), (2, 5)]


def test_new_york_fall_back_fixed_time_fires_once_unlike_croniter() -> None:
    ny = ZoneInfo("America/New_York")
    start = datetime(2025, 11, 1, 12, tzinfo=ny)
    theirs = croniter("30 1 * * *", start)
    twice = [theirs.get_next(datetime).astimezone(UTC).strftime("%m-%d %H:%M") for _ in range(3)]
    assert twice == ["11-02 05:30", "11-02 06:30", "11-03 06:30"]  # 01:30 EDT and 01:30 EST
    ours = parse("30 1 * * *", "America/New_York").iter_after(int(start.timestamp() * 1000))
    once = [datetime.fromtimestamp(next(ours) / 1000, UTC).strftime("%m-%d %H:%M") for _ in range(3)]
    assert once == ["11-02 05:30", "11-03 06:30", "11-04 06:30"]  # first pass only


def test_agrees_with_croniter_on_ordinary_expressions() -> None:
    rng = random.Random(7)
    ny = ZoneInfo("America/New_York")
    for expr in ["*/5 * * * *", "30 2 * * 1-5", "0 0 1 * *", "15 9-17 * * mon-fri", "0 12 1,15 * *"]:
        start = datetime(2025, 1, 1, tzinfo=ny) + rng.random() * (
            datetime(2026, 1, 1, tzinfo=ny) - datetime(2025, 1, 1, tzinfo=ny)
        )
        theirs = croniter(expr, start)
        ours = parse(expr, "America/New_York").iter_after(int(start.timestamp() * 1000))
        for _ in range(50):
            assert next(ours) == int(theirs.get_next(datetime).timestamp() * 1000), expr


# --- Speed -----------------------------------------------------------------------------------


@pytest.mark.parametrize("expr", ["* * * * * *", "*/5 * * * *", "30 2 * * 1-5", "0 0 1 * *"])
def test_next_after_is_fast(expr: str) -> None:
    schedule = parse(expr, "America/New_York")
    rng = random.Random(expr)
    # Half the calls chain fire to fire (the scheduler's pattern), half start anywhere in 2025.
    starts = [JAN_2025_MS + rng.randrange(365 * 86_400_000) for _ in range(1000)]
    began = time.perf_counter()
    fire = JAN_2025_MS
    for start in starts:
        fire = schedule.next_after(fire) or 0
        schedule.next_after(start)
    mean_us = (time.perf_counter() - began) / 2000 * 1e6
    assert mean_us < 200, f"{expr}: {mean_us:.1f} µs per call"


def test_schedules_are_cheap_to_keep() -> None:
    # Jobs share few distinct expressions; each job still brings its own expression string.
    exprs = [f"{m} {h} * * 1-5" for m in range(60) for h in range(0, 24, 6)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [parse("".join(exprs[i % len(exprs)]), "Europe/Berlin") for i in range(20_000)]
        per_schedule = (tracemalloc.get_traced_memory()[0] - before) / len(kept)
    finally:
        tracemalloc.stop()
    assert per_schedule < 400, per_schedule

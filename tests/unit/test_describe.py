"""describe.py: schedules in words; the DST notes checked against what cron.py actually fires."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unicron_core.cron import get_zone, parse
from unicron_core.cronfields import Fields, fields_of
from unicron_core.describe import describe
from unicron_core.errors import InvalidSchedule, InvalidTimezone

JAN_2026_MS = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000)
EXAMPLES = int(os.environ.get("UNICRON_DESCRIBE_EXAMPLES", "300"))
EPOCH = " (counted from the Unix epoch, not from when the job was created)"
BERLIN_NOTES = (
    "on spring-forward days 02:30 does not exist and it runs at 03:00 instead; "
    "on fall-back days 02:30 happens twice and it runs only the first time"
)


def words(expr: str, tz: str = "UTC") -> str:
    return describe(expr, tz, at_ms=JAN_2026_MS)


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        # The short phrases.
        ("*/5 * * * *", "every 5 minutes, UTC"),
        ("* * * * *", "every minute, UTC"),
        ("0 * * * *", "every hour at minute 0, UTC"),
        ("0 9 * * 1-5", "at 09:00 on Monday to Friday, UTC"),
        ("0 0 1 * *", "at 00:00 on day 1 of every month, UTC"),
        ("15 10 1,15 * mon", "at 10:15 on days 1 and 15 of the month and on Mondays, UTC"),
        ("*/10 * * * * *", "every 10 seconds, UTC"),
        ("* * * * * *", "every second, UTC"),
        ("0 9,17 * * *", "at 09:00 and 17:00 every day, UTC"),
        ("0 */4 * * *", "at 00:00, 04:00, 08:00, 12:00, 16:00 and 20:00 every day, UTC"),
        ("0 */3 * * *", "every 3 hours from 00:00 to 21:00 every day, UTC"),
        ("30 1/2 * * *", "every 2 hours from 01:30 to 23:30 every day, UTC"),
        ("0 9-17 * * *", "every hour from 09:00 to 17:00 every day, UTC"),
        ("*/15 9-17 * * 1-5", "every 15 minutes from 09:00 to 17:45 on Monday to Friday, UTC"),
        ("5/15 * * * *", "every 15 minutes from minute 5, UTC"),
        ("30 */5 * * * *", "every 5 minutes at second 30, UTC"),
        ("10,20 30 4 * * *", "at 04:30:10 and 04:30:20 every day, UTC"),
        # Macros read as their expansions.
        ("@yearly", "at 00:00 on 1 January, UTC"),
        ("@annually", "at 00:00 on 1 January, UTC"),
        ("@monthly", "at 00:00 on day 1 of every month, UTC"),
        ("@weekly", "at 00:00 on Sundays, UTC"),
        ("@daily", "at 00:00 every day, UTC"),
        ("@midnight", "at 00:00 every day, UTC"),
        ("@hourly", "every hour at minute 0, UTC"),
        # @every counts from the epoch.
        ("@every 1h30m", "every 1 hour 30 minutes" + EPOCH),
        ("@every 1h", "every hour" + EPOCH),
        ("@every 90s", "every 1 minute 30 seconds" + EPOCH),
        ("@every 45s", "every 45 seconds" + EPOCH),
        ("@every 36h", "every 36 hours" + EPOCH),
        # Names, ranges, steps, lists; the week read from Monday, or across Sunday.
        ("0 0 * jan-mar *", "at 00:00 every day in January to March, UTC"),
        (
            "0 0,12 1 */2 *",
            "at 00:00 and 12:00 on day 1 of January, March, May, July, September and November, UTC",
        ),
        ("0 12 1-7 JUN *", "at 12:00 on days 1 to 7 of June, UTC"),
        ("0 0 * * 5-7", "at 00:00 on Friday to Sunday, UTC"),
        ("0 0 * * 0-2", "at 00:00 on Sunday to Tuesday, UTC"),
        ("0 0 * * sat,SUN", "at 00:00 on Saturdays and Sundays, UTC"),
        ("0 0 * * 1,3,5", "at 00:00 on Mondays, Wednesdays and Fridays, UTC"),
        ("0 8 * * mon-wed,fri", "at 08:00 on Monday to Wednesday and Fridays, UTC"),
        ("0 0 ? * 2", "at 00:00 on Tuesdays, UTC"),
        # Vixie's day rule: OR when both day fields are restricted, AND when one starts with `*`.
        ("0 0 1-7 * 1-5", "at 00:00 on days 1 to 7 of the month and on Monday to Friday, UTC"),
        ("0 0 */2 * mon", "at 00:00 on days 1, 3, 5, ..., 31 of the month that fall on Mondays, UTC"),
        ("0 0 1-31 * mon", "at 00:00 every day, UTC"),
        ("0 0 13 * 0-6", "at 00:00 every day, UTC"),
        # No short phrase fits: the values, field by field.
        ("*/7 * * * *", "at minutes 0, 7, 14, ..., 56 of every hour, UTC"),
        ("0,15,45 9-17 * * *", "at minutes 0, 15 and 45 of hours 9 to 17 every day, UTC"),
        ("10-33 12 * * *", "every minute from 12:10 to 12:33 every day, UTC"),
        ("0 0 13 * */5", "at 00:00 on day 13 of the month that falls on Fridays and Sundays, UTC"),
        ("0 0 * * 1,4,0", "at 00:00 on Mondays, Thursdays and Sundays, UTC"),
        ("*/5 0,6,12,18 * * *", "every 5 minutes during hours 0, 6, 12 and 18 every day, UTC"),
        (
            "0 0-6,8-23/3 * * *",
            "every hour from 00:00 to 06:00 and at 08:00, 11:00, 14:00, 17:00, 20:00 and 23:00 "
            "every day, UTC",
        ),
        (
            "0 0-6,8-23/2 * * *",
            "every hour from 00:00 to 06:00 and at 08:00, 10:00, 12:00, ..., 22:00 every day, UTC",
        ),
        (
            "0 1-3,5,7-9 * * *",
            "every hour from 01:00 to 03:00, at 05:00 and every hour from 07:00 to 09:00 every day, UTC",
        ),
        ("* 5 * * * *", "every second in minute 5 of every hour, UTC"),
        ("*/10 0 * * * *", "every 10 seconds in minute 0 of every hour, UTC"),
        ("0,1,5 30 2 * * *", "at 02:30:00, 02:30:01 and 02:30:05 every day, UTC"),
        ("0-9,30 30 2 * * *", "at seconds 0 to 9 and 30 past 02:30 every day, UTC"),
        ("*/20 30 2 * * *", "at 02:30:00, 02:30:20 and 02:30:40 every day, UTC"),
        ("*/5 30 2 * * *", "every 5 seconds from 02:30:00 to 02:30:55 every day, UTC"),
        ("15,40 * * * * *", "every minute at seconds 15 and 40, UTC"),
        ("15,45 * * * * *", "every 30 seconds from second 15, UTC"),
        ("7 5,35 * * * *", "every 30 minutes from minute 5 at second 7, UTC"),
        ("7 5,36 * * * *", "at minutes 5 and 36, second 7 of every hour, UTC"),
        ("1,2 5,36 * * * *", "at seconds 1 and 2 of minutes 5 and 36 of every hour, UTC"),
    ],
)
def test_words(expr: str, text: str) -> None:
    assert words(expr) == text


def test_every_ignores_the_zone_and_says_so() -> None:
    assert words("@every 5m", "Europe/Berlin") == "every 5 minutes" + EPOCH


def test_same_values_same_words() -> None:
    assert words("*/15 * * * *") == words("0,15,30,45 * * * *") == words("0-59/15 * * * *")


@pytest.mark.parametrize(
    ("expr", "tz", "text"),
    [
        ("30 2 * * *", "Europe/Berlin", "at 02:30 every day, Europe/Berlin; " + BERLIN_NOTES),
        ("30 2 * * 0", "Europe/Berlin", "at 02:30 on Sundays, Europe/Berlin; " + BERLIN_NOTES),
        # Both of Berlin's transitions are on a Sunday: a Monday job never meets one.
        ("30 2 * * 1", "Europe/Berlin", "at 02:30 on Mondays, Europe/Berlin"),
        ("30 2 * 4-9 *", "Europe/Berlin", "at 02:30 every day in April to September, Europe/Berlin"),
        # Times that never fall in a transition hour: nothing about DST.
        ("0 9 * * *", "Europe/Berlin", "at 09:00 every day, Europe/Berlin"),
        ("30 2 * * *", "Asia/Kolkata", "at 02:30 every day, Asia/Kolkata"),
        ("*/5 * * * *", "Europe/Berlin", "every 5 minutes, Europe/Berlin"),
        ("0 * * * *", "America/New_York", "every hour at minute 0, America/New_York"),
        # New York skips 02:00-03:00 and repeats 01:00-02:00.
        (
            "30 1 * * *",
            "America/New_York",
            "at 01:30 every day, America/New_York; "
            "on fall-back days 01:30 happens twice and it runs only the first time",
        ),
        (
            "30 2 * * *",
            "America/New_York",
            "at 02:30 every day, America/New_York; "
            "on spring-forward days 02:30 does not exist and it runs at 03:00 instead",
        ),
        # Half-hour shifts (Lord Howe: 02:00 -> 02:30 and back), midnight ones (Santiago).
        (
            "15 2 * * *",
            "Australia/Lord_Howe",
            "at 02:15 every day, Australia/Lord_Howe; "
            "on spring-forward days 02:15 does not exist and it runs at 02:30 instead",
        ),
        (
            "0 0 * * *",
            "America/Santiago",
            "at 00:00 every day, America/Santiago; "
            "on spring-forward days 00:00 does not exist and it runs at 01:00 instead",
        ),
        # Several times in the gap run once; the clock resuming at one of its own times.
        (
            "*/5 2 * * *",
            "Europe/Berlin",
            "every 5 minutes from 02:00 to 02:55 every day, Europe/Berlin; "
            "on spring-forward days its times from 02:00 to 02:55 do not exist and it runs once at 03:00 "
            "instead; on fall-back days its times from 02:00 to 02:55 happen twice and it runs each only "
            "the first time",
        ),
        (
            "0 2,3 * * *",
            "Europe/Berlin",
            "at 02:00 and 03:00 every day, Europe/Berlin; "
            "on spring-forward days 02:00 does not exist and only its 03:00 run happens; "
            "on fall-back days 02:00 happens twice and it runs only the first time",
        ),
        # A stepped wildcard hour follows real time: skipped, or run twice.
        (
            "0 */2 * * *",
            "Europe/Berlin",
            "every 2 hours from 00:00 to 22:00 every day, Europe/Berlin; "
            "on spring-forward days 02:00 does not exist and that run is skipped; "
            "on fall-back days 02:00 happens twice and it runs both times",
        ),
    ],
)
def test_dst_notes(expr: str, tz: str, text: str) -> None:
    assert words(expr, tz) == text


# The notes say what cron.py does: the fires around each of Berlin's transitions in 2026.
@pytest.mark.parametrize(
    ("expr", "start", "fires"),
    [
        ("30 2 * * *", "2026-03-28T12:00", ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"]),
        ("30 2 * * *", "2026-10-24T12:00", ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]),
        ("*/5 2 * * *", "2026-03-29T00:00", ["2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"]),
        ("0 2,3 * * *", "2026-03-29T00:00", ["2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"]),
        ("0 */2 * * *", "2026-03-29T00:30", ["2026-03-29T04:00:00+02:00"]),
        ("0 */2 * * *", "2026-10-25T00:30", ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00"]),
    ],
)
def test_notes_match_the_fires(expr: str, start: str, fires: list[str]) -> None:
    zone = get_zone("Europe/Berlin")
    after_ms = int(datetime.fromisoformat(start).replace(tzinfo=zone).timestamp() * 1000)
    got = islice(parse(expr, "Europe/Berlin").iter_after(after_ms), len(fires))
    assert [datetime.fromtimestamp(ms / 1000, zone).isoformat() for ms in got] == fires


def test_notes_follow_the_zone_rules_of_the_year_asked() -> None:
    # Moscow kept summer time until 2011: a 2010 preview has the notes, a 2026 one has none.
    march_2010_ms = int(datetime(2010, 1, 1, tzinfo=UTC).timestamp() * 1000)
    assert "spring-forward" in describe("30 2 * * *", "Europe/Moscow", at_ms=march_2010_ms)
    assert "spring-forward" not in words("30 2 * * *", "Europe/Moscow")


def test_invalid_input_raises_what_the_parser_says() -> None:
    with pytest.raises(InvalidSchedule, match="minute 61 is out of range"):
        words("61 * * * *")
    with pytest.raises(InvalidTimezone, match="Mars/Olympus"):
        words("* * * * *", "Mars/Olympus")


def test_fast_enough_for_every_answer() -> None:
    # The DST scan (a year of offsets) is cached per zone and day: a second call costs little.
    start = datetime.now(UTC)
    for tz in ("Europe/Berlin", "America/New_York", "Pacific/Chatham", "UTC"):
        words("30 2 * * *", tz)
    assert datetime.now(UTC) - start < timedelta(seconds=1)


# --- Any valid expression of the dialect ---------------------------------------------------------

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DOWS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
RANGES = {
    "second": (0, 59),
    "minute": (0, 59),
    "hour": (0, 23),
    "dom": (1, 31),
    "month": (1, 12),
    "dow": (0, 7),
}
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kolkata",
]


@st.composite
def value(draw: st.DrawFn, kind: str, low: int, high: int) -> tuple[int, str]:
    number = draw(st.integers(low, high))
    names = {"month": MONTHS, "dow": DOWS}.get(kind)
    offset = 1 if kind == "month" else 0
    if names and number - offset < len(names) and draw(st.booleans()):
        return number, names[number - offset]
    return number, str(number)


@st.composite
def item(draw: st.DrawFn, kind: str) -> str:
    low, high = RANGES[kind]
    form = draw(st.sampled_from(["*", "*/n", "a", "a", "a-b", "a-b/n", "a/n"]))
    step = draw(st.integers(1, 8))
    a, a_text = draw(value(kind, low, high))
    _, b_text = draw(value(kind, a, high))
    return {
        "*": "*",
        "*/n": f"*/{step}",
        "a": a_text,
        "a-b": f"{a_text}-{b_text}",
        "a-b/n": f"{a_text}-{b_text}/{step}",
        "a/n": f"{a_text}/{step}",
    }[form]


@st.composite
def field(draw: st.DrawFn, kind: str) -> str:
    if kind in ("dom", "dow") and draw(st.integers(0, 9)) == 0:
        return "?"
    return ",".join(draw(st.lists(item(kind), min_size=1, max_size=3)))


@st.composite
def expressions(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["5", "5", "5", "6", "6", "macro", "every"]))
    if kind == "macro":
        return draw(
            st.sampled_from(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"])
        )
    if kind == "every":
        parts = draw(
            st.lists(st.sampled_from(["1h", "30m", "90s", "2h", "45s", "7m"]), min_size=1, max_size=3)
        )
        return "@every " + "".join(parts)
    kinds = ["minute", "hour", "dom", "month", "dow"]
    return " ".join(draw(field(k)) for k in (["second", *kinds] if kind == "6" else kinds))


def _day_restricted_to_one_weekday(f: Fields) -> int | None:
    dows = [d for d in range(7) if f.dows >> d & 1]
    every_dom = all(f.doms >> d & 1 for d in range(1, 32))
    return dows[0] if len(dows) == 1 and f.day_and and every_dom else None


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    expr=expressions(),
    tz=st.sampled_from(ZONES),
    at_ms=st.integers(JAN_2026_MS, JAN_2026_MS + 10 * 365 * 86_400_000),
)
def test_any_valid_expression_is_described(expr: str, tz: str, at_ms: int) -> None:
    try:
        parse(expr, tz)
    except InvalidSchedule:
        return  # e.g. a reversed range, or day 31 of February only
    text = describe(expr, tz, at_ms=at_ms)
    assert text and "  " not in text and " ," not in text and "None" not in text, text
    fields = fields_of(expr)
    if isinstance(fields, int):
        assert text.startswith("every ") and text.endswith(EPOCH), text
        return
    head = text.split(";")[0]
    assert head.endswith(f", {tz}"), text
    if len(fields.hours) == 1 and len(fields.minutes) == 1:
        assert f"{fields.hours[0]:02}:{fields.minutes[0]:02}" in head, (expr, text)
    months = [m for m in range(1, 13) if fields.months >> m & 1]
    if len(months) == 1:
        assert MONTHS[months[0] - 1].capitalize() in head, (expr, text)
    weekday = _day_restricted_to_one_weekday(fields)
    if weekday is not None:
        assert DOWS[weekday].capitalize() in head, (expr, text)
    if (fields.wild_hour and len(fields.hours) == 24) or tz in ("UTC", "Asia/Kolkata"):
        assert ";" not in text, (expr, text)  # no DST note
    for note in text.split("; ")[1:]:
        assert re.fullmatch(r"on (spring-forward|fall-back) days .+", note), (expr, text)

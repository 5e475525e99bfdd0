"""A schedule in plain words (docs/architecture.md, "Cron"): ``describe("30 2 * * *", "Europe/Berlin")``
is "at 02:30 every day, Europe/Berlin; on spring-forward days 02:30 does not exist and it runs at 03:00
instead; on fall-back days 02:30 happens twice and it runs only the first time".

The words come from what each field allows (``cronfields.Fields``), not from how it is written, so
`*/15`, `0,15,30,45` and `0-59/15` read alike. A short phrase is used only where it is exact ("every 5
minutes", "at 09:00", "on Monday to Friday"); otherwise the values are listed, consecutive ones as a
range ("9 to 17") and long even steps elided ("0, 7, 14, ..., 56"). `*/7` minutes is not "every 7
minutes": its last gap in each hour is 4 minutes.

The DST notes come from the zone's real transitions (zoneinfo) in the year after ``at_ms``: a note
is added when a wall time the schedule matches on that day is skipped or repeated, and says what
``cron`` does then (Vixie cron's rules). A job whose hour field is `*` (every hour) follows real time
and gets none; one with `*/2` skips or repeats a run, and says so.

No I/O: the clock is read only when ``at_ms`` is not given.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import pairwise, product

from unicron_core import cron
from unicron_core.cronfields import DAY_S, Fields, fields_of

__all__ = ["describe"]

_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONDAY_FIRST = (1, 2, 3, 4, 5, 6, 0)  # cron weekday numbers in the order a week is read
_MONTH_NAMES: tuple[str, ...] = ("", "January", "February", "March", "April", "May", "June", "July")
_MONTH_NAMES += ("August", "September", "October", "November", "December")
_SIXTY = tuple(range(60))
_HOURS = tuple(range(24))
_LIST_TIMES_MAX = 6  # up to this many fire times a day are listed one by one ("at 09:00 and 17:00")
_ELIDE_MIN = 7  # an even step of at least this many values is written "0, 7, 14, ..., 56"
_GAP_TIMES_MAX = 3  # more skipped or repeated times than this are written as a span
_SCAN_DAYS = 366  # how far ahead the zone's transitions are looked for
_HOUR_S = 3600
_MINUTE_S = 60


def describe(expr: str, tz: str = "UTC", *, at_ms: int | None = None) -> str:
    """What a schedule does, in plain English, with the consequences of DST in ``tz`` if any.

    Args:
        expr: a cron expression, macro or ``@every`` in Unicron's dialect.
        tz: the IANA zone the schedule is read in.
        at_ms: the DST notes consider the zone's transitions in the year after this instant
            (epoch ms); default now.

    Raises:
        InvalidSchedule: the expression is malformed or never fires.
        InvalidTimezone: ``tz`` is not a known IANA zone.
    """
    schedule = cron.parse(expr, tz)
    fields = fields_of(schedule.expr)
    if isinstance(fields, int):
        return f"{_every(fields // 1000)} (counted from the Unix epoch, not from when the job was created)"
    at_s = time.time() if at_ms is None else at_ms / 1000
    notes = _dst_notes(fields, tz, int(at_s // DAY_S))
    return "; ".join([f"{_when(fields)}, {tz}", *notes])


# -- words for values ------------------------------------------------------------------------------


def _join(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _segments(values: Sequence[int]) -> list[tuple[str, Sequence[int]]]:
    """Sorted values cut into ``run`` (consecutive, 3 or more), ``steps`` (an even step, long) and
    ``one`` (a value on its own), greedily from the start."""
    out: list[tuple[str, Sequence[int]]] = []
    i = 0
    while i < len(values):
        j = i + 1
        if j < len(values):
            step = values[j] - values[i]
            while j + 1 < len(values) and values[j + 1] - values[j] == step:
                j += 1
            if (step == 1 and j - i >= 2) or j - i + 1 >= _ELIDE_MIN:
                out.append(("run" if step == 1 else "steps", values[i : j + 1]))
                i = j + 1
                continue
        out.append(("one", values[i : i + 1]))
        i += 1
    return out


def _list(values: Sequence[int], word: Callable[[int], str] = str) -> str:
    """``1 to 5, 10 and 12``, ``0, 7, 14, ..., 56``."""
    items = []
    for kind, seg in _segments(values):
        if kind == "run":
            items.append(f"{word(seg[0])} to {word(seg[-1])}")
        elif kind == "steps":
            items.append(", ".join(word(v) for v in seg[:3]) + f", ..., {word(seg[-1])}")
        else:
            items.append(word(seg[0]))
    return _join(items)


def _nums(unit: str, values: Sequence[int]) -> str:
    """``minute 5``, ``minutes 0, 15 and 45``."""
    return f"{unit}{'s' if len(values) > 1 else ''} {_list(values)}"


def _uniform(values: Sequence[int], size: int) -> int | None:
    """The step n when ``values`` repeat every n around a cycle of ``size`` (n divides it), else None."""
    if len(values) < 2:
        return None
    n = values[1] - values[0]
    if size % n or values[0] >= n or tuple(values) != tuple(range(values[0], size, n)):
        return None
    return n


def _clock(second_of_day: int, seconds: bool) -> str:
    hours, rest = divmod(second_of_day % DAY_S, _HOUR_S)
    minutes, secs = divmod(rest, _MINUTE_S)
    return f"{hours:02}:{minutes:02}" + (f":{secs:02}" if seconds or secs else "")


def _every(total_s: int) -> str:
    """``every hour``, ``every 1 hour 30 minutes``, ``every 45 seconds``."""
    hours, rest = divmod(total_s, _HOUR_S)
    minutes, secs = divmod(rest, _MINUTE_S)
    parts = [(n, unit) for n, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")) if n]
    if parts == [(1, parts[0][1])]:
        return f"every {parts[0][1]}"
    return "every " + " ".join(f"{n} {unit}{'s' if n > 1 else ''}" for n, unit in parts)


# -- the time of day -------------------------------------------------------------------------------


def _when(f: Fields) -> str:
    """The times of day and the days."""
    days = _days(f)
    if f.hours == _HOURS:
        phrase = _hourly(f.seconds, f.minutes)
        return phrase if days == "every day" else f"{phrase} {days}"
    return f"{_daily(f)} {days}"


def _within_hour(secs: Sequence[int], mins: Sequence[int]) -> tuple[str, bool]:
    """What happens within an hour, and whether that is a steady rhythm ("every 5 minutes")."""
    if secs == _SIXTY or _uniform(secs, 60):
        every = _seconds_rhythm(secs)
        return (every, True) if mins == _SIXTY else (f"{every} in {_nums('minute', mins)}", False)
    at_secs = "" if secs == (0,) else f" at {_nums('second', secs)}"
    if mins == _SIXTY:
        return f"every minute{at_secs}", True
    if (step := _uniform(mins, 60)) and len(secs) == 1:
        start = f" from minute {mins[0]}" if mins[0] else ""
        return f"every {step} minutes{start}{at_secs}", True
    if len(secs) == 1:
        second = f", second {secs[0]}" if secs[0] else ""
        return f"at {_nums('minute', mins)}{second}", False
    return f"at {_nums('second', secs)} of {_nums('minute', mins)}", False


def _seconds_rhythm(secs: Sequence[int]) -> str:
    """``every second``, ``every 10 seconds``: seconds that repeat evenly."""
    if secs == _SIXTY:
        return "every second"
    return f"every {_uniform(secs, 60)} seconds" + (f" from second {secs[0]}" if secs[0] else "")


def _hourly(secs: Sequence[int], mins: Sequence[int]) -> str:
    """Every hour of the day."""
    phrase, steady = _within_hour(secs, mins)
    if steady:
        return phrase
    if len(mins) == 1 and len(secs) == 1:
        return f"every hour {phrase}"
    return f"{phrase} of every hour"


def _daily(f: Fields) -> str:
    """Some hours of the day."""
    secs, mins, hours = f.seconds, f.minutes, f.hours
    show_s = secs != (0,)
    times = [h * _HOUR_S + m * _MINUTE_S + s for h, m, s in product(hours, mins, secs)]  # sorted
    if len(times) <= _LIST_TIMES_MAX:
        return "at " + _join([_clock(t, show_s) for t in times])
    step = times[1] - times[0]
    if all(b - a == step for a, b in pairwise(times)):
        return f"{_every(step)} from {_clock(times[0], show_s)} to {_clock(times[-1], show_s)}"
    if len(mins) == 1 and len(secs) == 1:
        return _hour_times(hours, mins[0] * _MINUTE_S + secs[0], show_s)
    if len(hours) == 1 and len(mins) == 1:
        return f"at {_nums('second', secs)} past {_clock(times[0], False)}"
    phrase, steady = _within_hour(secs, mins)
    return f"{phrase} {'during' if steady else 'of'} {_nums('hour', hours)}"


def _hour_times(hours: Sequence[int], past: int, show_s: bool) -> str:
    """One time an hour in some hours, unevenly: ``at 01:00, every hour from 09:00 to 17:00``."""
    phrases: list[str] = []
    singles: list[str] = []
    for kind, seg in _segments(hours):
        clocks = [_clock(h * _HOUR_S + past, show_s) for h in seg]
        if kind == "run":
            if singles:
                phrases.append("at " + _join(singles))
                singles = []
            phrases.append(f"every hour from {clocks[0]} to {clocks[-1]}")
        elif kind == "steps":
            singles.append(", ".join(clocks[:3]) + f", ..., {clocks[-1]}")
        else:
            singles += clocks
    if singles:
        phrases.append("at " + _join(singles))
    return _join(phrases)


# -- the days --------------------------------------------------------------------------------------


def _bits(mask: int, low: int, high: int) -> tuple[int, ...]:
    return tuple(v for v in range(low, high + 1) if mask >> v & 1)


def _days(f: Fields) -> str:
    """``every day``, ``on Monday to Friday``, ``on day 1 of every month``, ..., with the months."""
    doms, dows, months = _bits(f.doms, 1, 31), _bits(f.dows, 0, 6), _bits(f.months, 1, 12)
    every_dom, every_dow = len(doms) == 31, len(dows) == 7
    if not f.day_and and (every_dom or every_dow):  # Vixie's OR with a field that allows every day
        every_dom = every_dow = True
    some_months = _list(months, _MONTH_NAMES.__getitem__)
    in_months = "" if len(months) == 12 else f" in {some_months}"
    if every_dom and every_dow:
        return "every day" + in_months
    if every_dow:
        if len(doms) == 1 and len(months) == 1:
            return f"on {doms[0]} {some_months}"
        return f"on {_nums('day', doms)} of {'every month' if len(months) == 12 else some_months}"
    weekdays = _weekdays(dows)
    if every_dom:
        return f"on {weekdays}{in_months}"
    if f.day_and:  # a day field written with `*` but not every day: both must match (Vixie)
        fall = "falls" if len(doms) == 1 else "fall"
        return f"on {_nums('day', doms)} of the month that {fall} on {weekdays}{in_months}"
    return f"on {_nums('day', doms)} of the month and on {weekdays}{in_months}"


def _weekdays(dows: Sequence[int]) -> str:
    """``Mondays``, ``Monday to Friday``, ``Friday to Sunday``, ``Sunday to Tuesday``: the week read
    from Monday, or from the day after a gap when that is shorter (the days wrap around Sunday)."""
    start = next(i for i, d in enumerate(_MONDAY_FIRST) if d in dows and _MONDAY_FIRST[i - 1] not in dows)
    weeks = (_MONDAY_FIRST, _MONDAY_FIRST[start:] + _MONDAY_FIRST[:start])
    return _join(min((_weekday_items(week, dows) for week in weeks), key=len))


def _weekday_items(week: Sequence[int], dows: Sequence[int]) -> list[str]:
    items = []
    for kind, seg in _segments([i for i, d in enumerate(week) if d in dows]):
        if kind == "run":
            items.append(f"{_DAY_NAMES[week[seg[0]]]} to {_DAY_NAMES[week[seg[-1]]]}")
        else:
            items += [_DAY_NAMES[week[i]] + "s" for i in seg]
    return items


# -- DST -------------------------------------------------------------------------------------------


def _offset(zone_name: str, t: int) -> int:
    delta = datetime.fromtimestamp(t, cron.get_zone(zone_name)).utcoffset()
    return 0 if delta is None else int(delta.total_seconds())


@lru_cache(maxsize=512)
def _transitions(tz: str, first_day: int) -> tuple[tuple[int, int, int], ...]:
    """The zone's offset changes in the year from ``first_day`` (days since the epoch): the first
    instant (epoch s) with the new offset, the offset before and after (s east of UTC)."""
    found = []
    t = first_day * DAY_S
    before = _offset(tz, t)
    for _ in range(_SCAN_DAYS):
        after = _offset(tz, t + DAY_S)
        if after != before:
            lo, hi = t, t + DAY_S  # bisect to the second; one change a day at most
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if _offset(tz, mid) == before else (lo, mid)
            found.append((hi, before, after))
        t, before = t + DAY_S, after
    return tuple(found)


def _walls(f: Fields, start: int, end: int) -> list[int]:
    """The wall times in [start, end) the fields match (wall seconds, as ``Fields.next_wall``)."""
    found: list[int] = []
    wall = f.next_wall(start)
    while wall is not None and wall < end:
        found.append(wall)
        wall = f.next_wall(wall + 1)
    return found


def _dst_notes(f: Fields, tz: str, first_day: int) -> list[str]:
    """What DST does to the schedule in ``tz``, one note per kind of transition it meets."""
    if f.wild_hour and f.hours == _HOURS:
        return []  # every hour: it follows real time, skipped and repeated hours change nothing
    show_s = f.seconds != (0,)
    notes: list[str] = []
    for change, before, after in _transitions(tz, first_day):
        forward = after > before
        walls = _walls(f, change + min(before, after), change + max(before, after))
        if not walls:
            continue
        one = len(walls) == 1
        if len(walls) <= _GAP_TIMES_MAX:
            times = _join([_clock(w, show_s) for w in walls])
        else:
            times = f"its times from {_clock(walls[0], show_s)} to {_clock(walls[-1], show_s)}"
        if forward:
            verb = "does not exist" if one else "do not exist"
            resumed = _clock(change + after, show_s)
            if f.wild_hour:
                then = "that run is skipped" if one else "those runs are skipped"
            elif f.next_wall(change + after) == change + after:  # the clock resumes at one of its times
                then = f"only its {resumed} run happens"
            else:
                then = f"it runs {'' if one else 'once '}at {resumed} instead"
            note = f"on spring-forward days {times} {verb} and {then}"
        else:
            verb = "happens twice" if one else "happen twice"
            then = (
                "both times"
                if f.wild_hour
                else ("only the first time" if one else "each only the first time")
            )
            note = f"on fall-back days {times} {verb} and it runs {then}"
        if note not in notes:
            notes.append(note)
    return notes

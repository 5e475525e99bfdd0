"""Cron expressions, parsed: the allowed values of each field, and the matcher that finds the next
wall-clock second they allow (``unicron_core.cron`` maps wall time to real time in a zone).

Dialect: 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; `*`,
numbers, `a-b`, `*/n`, `a-b/n`, `a/n` (a to the field's end) and lists of these; month names
jan-dec and weekday names sun-sat; day-of-week 0-7 (0 and 7 are Sunday); `?` means `*` in the
two day fields; the macros `@yearly @annually @monthly @weekly @daily @midnight @hourly`; and
`@every <duration>` (Go style, whole seconds, fires when epoch time is a multiple of it).
Day-of-month and day-of-week combine as in Vixie cron: if either field starts with `*` (or is
`?`) a day must match both, otherwise either.

The matcher keeps the allowed values of each field (sorted tuples for the time of day, bit masks
for the day fields) and walks "wall seconds" (the naive local time counted in seconds from
1970-01-01 00:00) forward, a day at a time.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from functools import lru_cache

DAY_S = 86_400
# The matcher gives up after this many days of wall time ("~5 years").
HORIZON_DAYS = 5 * 366
_EPOCH_ORDINAL = datetime(1970, 1, 1).toordinal()

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
# Longest day-of-month of each month (index 1-12), Feb 29 included: it does occur.
_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@dataclass(frozen=True, slots=True)
class _Spec:
    """How one field is written: its name in messages, its range and its value names."""

    name: str
    low: int
    high: int
    # Where `*` and `a/n` end: day-of-week accepts 7 for Sunday but `1/2` should not add it.
    open_high: int
    names: tuple[str, ...] = ()
    first_name: int = 0


_SECOND = _Spec("second", 0, 59, 59)
_MINUTE = _Spec("minute", 0, 59, 59)
_HOUR = _Spec("hour", 0, 23, 23)
_DOM = _Spec("day-of-month", 1, 31, 31)
_MONTH = _Spec("month", 1, 12, 12, _MONTH_NAMES, 1)
_DOW = _Spec("day-of-week", 0, 7, 6, _DOW_NAMES, 0)
_SPECS = (_SECOND, _MINUTE, _HOUR, _DOM, _MONTH, _DOW)


class ExprError(ValueError):
    """What is wrong with an expression; `parse` adds the expression to the message."""


def _value(text: str, spec: _Spec) -> int:
    """Parse one number or name of a field and check its range."""
    if text.isascii() and text.isdigit():
        number = int(text)
    elif text.lower() in spec.names:
        return spec.names.index(text.lower()) + spec.first_name
    else:
        kind = f"a number or a {spec.name} name" if spec.names else "a number"
        raise ExprError(f"{spec.name} '{text}' is not {kind}")
    if not spec.low <= number <= spec.high:
        raise ExprError(f"{spec.name} {number} is out of range {spec.low}-{spec.high}")
    return number


def _item(item: str, spec: _Spec) -> range:
    """Parse one list item: `*`, `a`, `a-b`, each optionally followed by `/step`."""
    if not item:
        raise ExprError(f"{spec.name} field has an empty list item")
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not (step_text.isascii() and step_text.isdigit()):
            raise ExprError(f"{spec.name} step '{step_text}' is not a number")
        step = int(step_text)
        span = spec.open_high - spec.low + 1
        if not 1 <= step <= span:
            raise ExprError(f"{spec.name} step {step} is not allowed (use 1-{span})")
    if base == "*":
        return range(spec.low, spec.open_high + 1, step)
    start_text, dash, end_text = base.partition("-")
    if not start_text or (dash and not end_text):
        raise ExprError(f"{spec.name} '{item}' is not a number or a range")
    start = _value(start_text, spec)
    # `a/n` runs from a to the end of the field (`7/2` in day-of-week is just 7); `a` is just a.
    end = _value(end_text, spec) if dash else (max(start, spec.open_high) if slash else start)
    if start > end:
        raise ExprError(f"{spec.name} range {base} is reversed ({start} > {end})")
    return range(start, end + 1, step)


@lru_cache(maxsize=4096)
def _field(text: str, spec: _Spec) -> tuple[int, ...]:
    """Sorted allowed values of a field; cached so equal fields share one tuple."""
    if text == "?" and spec in (_DOM, _DOW):
        text = "*"
    elif "?" in text:
        raise ExprError(
            f"'?' is only allowed alone, in day-of-month or day-of-week (got {spec.name} '{text}')"
        )
    values: set[int] = set()
    for item in text.split(","):
        values.update(_item(item, spec))
    if spec is _DOW and 7 in values:
        values = (values - {7}) | {0}
    return tuple(sorted(values))


def _mask(values: tuple[int, ...]) -> int:
    """Bit mask with bit v set for every allowed value v."""
    return sum(1 << v for v in values)


def every_ms(text: str) -> int:
    """Parse a Go-style duration (`90s`, `1h30m`) into whole milliseconds."""
    if not text:
        raise ExprError("'@every' needs a duration such as 30s, 5m or 1h30m")
    total_ns, pos = Fraction(0), 0
    while pos < len(text):
        part = _DURATION_PART.match(text, pos)
        if part is None:
            raise ExprError(f"invalid duration '{text}' (use units h, m, s, e.g. 30s, 5m, 1h30m)")
        total_ns += Fraction(part[1]) * _UNIT_NS[part[2]]
        pos = part.end()
    total_ms = total_ns / 10**6
    if total_ms < 1000 or total_ms % 1000:
        raise ExprError(f"duration '{text}' must be a whole number of seconds, at least 1s")
    if total_ms > HORIZON_DAYS * DAY_S * 1000:
        raise ExprError(f"duration '{text}' is longer than the {HORIZON_DAYS}-day horizon")
    return int(total_ms)


@dataclass(frozen=True, slots=True)
class Fields:
    """The allowed values of each cron field, matched against wall seconds."""

    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    doms: int  # bit d: day-of-month d allowed
    months: int  # bit m: month m allowed
    dows: int  # bit w: weekday w allowed, 0 = Sunday
    day_and: bool  # a day field starts with `*`: a day must match both (Vixie)
    wild_hour: bool  # the hour field starts with `*`: follow real time across DST

    def next_wall(self, wall: int) -> int | None:
        """Smallest matching wall time >= wall, or None within the horizon."""
        day, sod = divmod(wall, DAY_S)
        ordinal = day + _EPOCH_ORDINAL
        last = ordinal + HORIZON_DAYS
        while ordinal <= last:
            d = date.fromordinal(ordinal)
            if not self.months >> d.month & 1:
                ordinal, sod = self._next_month(d), 0
                continue
            if self._day_ok(d):
                tod = self._next_tod(sod)
                if tod is not None:
                    return (ordinal - _EPOCH_ORDINAL) * DAY_S + tod
            ordinal, sod = ordinal + 1, 0
        return None

    def _next_month(self, d: date) -> int:
        """Ordinal of the first day of the next allowed month after d's month."""
        year, month = d.year, d.month
        for _ in range(12):
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            if self.months >> month & 1:
                break
        return date(year, month, 1).toordinal()

    def _day_ok(self, d: date) -> bool:
        dom = self.doms >> d.day & 1
        dow = self.dows >> d.isoweekday() % 7 & 1
        return bool(dom & dow) if self.day_and else bool(dom | dow)

    def _next_tod(self, sod: int) -> int | None:
        """Smallest matching second of the day >= sod, or None."""
        hour, rest = divmod(sod, 3600)
        i = bisect_left(self.hours, hour)
        if i < len(self.hours) and self.hours[i] == hour:
            in_hour = self._next_in_hour(*divmod(rest, 60))
            if in_hour is not None:
                return hour * 3600 + in_hour
            i += 1
        if i < len(self.hours):
            return self.hours[i] * 3600 + self.minutes[0] * 60 + self.seconds[0]
        return None

    def _next_in_hour(self, minute: int, second: int) -> int | None:
        """Smallest matching second of the hour >= minute:second, or None."""
        j = bisect_left(self.minutes, minute)
        if j < len(self.minutes) and self.minutes[j] == minute:
            k = bisect_left(self.seconds, second)
            if k < len(self.seconds):
                return minute * 60 + self.seconds[k]
            j += 1
        if j < len(self.minutes):
            return self.minutes[j] * 60 + self.seconds[0]
        return None


@lru_cache(maxsize=4096)
def cron_fields(texts: tuple[str, ...]) -> Fields:
    """Build the matcher from six field texts (seconds first); cached so jobs share it."""
    seconds, minutes, hours, doms, months, dows = (_field(t, s) for t, s in zip(texts, _SPECS, strict=True))
    dom_text, dow_text = texts[3], texts[5]
    day_and = dom_text.startswith(("*", "?")) or dow_text.startswith(("*", "?"))
    fields = Fields(
        seconds, minutes, hours, _mask(doms), _mask(months), _mask(dows), day_and, texts[2].startswith("*")
    )
    # Only an AND of the day fields can rule out every day: every (month, day) pair falls on
    # every weekday over the years, so it is enough that some allowed month has an allowed day.
    if fields.day_and and not any(
        fields.doms >> day & 1 for month in months for day in range(1, _MONTH_DAYS[month] + 1)
    ):
        raise ExprError(f"day-of-month {texts[3]} does not occur in month {texts[4]}, so it never fires")
    return fields


def fields_of(text: str) -> Fields | int:
    """The matcher of a cron expression or macro, or the period in ms of an ``@every``.

    Raises:
        ExprError: what is wrong with it.
    """
    words = text.split()
    if words and words[0].lower() == "@every":
        return every_ms(" ".join(words[1:]))
    if words and words[0].startswith("@"):
        if len(words) > 1 or words[0].lower() not in _MACROS:
            raise ExprError(f"unknown macro '{text}' (expected one of {', '.join(_MACROS)}, @every)")
        words = _MACROS[words[0].lower()].split()
    if len(words) not in (5, 6):
        raise ExprError(f"expected 5 or 6 fields, got {len(words)}")
    if len(words) == 5:
        words = ["0", *words]
    return cron_fields(tuple(words))

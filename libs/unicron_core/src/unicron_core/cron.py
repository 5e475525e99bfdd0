"""Cron expressions: parsing, and the next fire time in a time zone (DESIGN §4).

Dialect: 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; `*`,
numbers, `a-b`, `*/n`, `a-b/n`, `a/n` (a to the field's end) and lists of these; month names
jan-dec and weekday names sun-sat; day-of-week 0-7 (0 and 7 are Sunday); `?` means `*` in the
two day fields; the macros `@yearly @annually @monthly @weekly @daily @midnight @hourly`; and
`@every <duration>` (Go style, whole seconds, fires when epoch time is a multiple of it).
Day-of-month and day-of-week combine as in Vixie cron: if either field starts with `*` (or is
`?`) a day must match both, otherwise either.

Expressions are matched against the local wall-clock time of the zone, handled here as "wall
seconds": the naive local time counted in seconds from 1970-01-01 00:00. DST follows Vixie cron:

- Wildcard-hour jobs (hour field starts with `*`) fire at every real instant whose wall time
  matches: twice in a repeated hour, never in a skipped one.
- Fixed-time jobs fire, for each matching wall time w, at the first instant the clock reads w
  or later: in a repeated hour that is the first pass; wall times skipped by spring-forward
  collapse into one fire at the end of the gap.

The matcher keeps the allowed values of each field (sorted tuples for the time of day, bit masks
for the day fields) and walks wall time forward, a day at a time, then maps the wall time to UTC
with zoneinfo's `fold` (PEP 495); transitions are located by bisection only near one.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from unicron_core.errors import InvalidSchedule, InvalidTimezone

__all__ = ["Schedule", "get_zone", "parse"]

_DAY_S = 86_400
# next_after gives up after this many days of wall time ("~5 years").
HORIZON_DAYS = 5 * 366
_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH_NAIVE.toordinal()
# Keep the horizon inside datetime's years 1-9999.
_MIN_AFTER_MS = int((datetime(1900, 1, 1) - _EPOCH_NAIVE).total_seconds()) * 1000
_MAX_AFTER_MS = int((datetime(9000, 1, 1) - _EPOCH_NAIVE).total_seconds()) * 1000
# Host-dependent aliases that zoneinfo resolves but that are not IANA zone names.
_HOST_ZONES = frozenset({"localtime", "posixrules"})

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


class _ExprError(ValueError):
    """What is wrong with an expression; `parse` adds the expression to the message."""


@lru_cache(maxsize=1024)
def get_zone(name: str) -> ZoneInfo:
    """Return the zone for an IANA name (cached).

    Raises:
        InvalidTimezone: the name is not a known IANA zone.
    """
    if name in _HOST_ZONES:
        raise InvalidTimezone(f"unknown time zone '{name}'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a directory such as "America"; ValueError: a path or a non-TZif file.
        raise InvalidTimezone(f"unknown time zone '{name}'") from None


def _value(text: str, spec: _Spec) -> int:
    """Parse one number or name of a field and check its range."""
    if text.isascii() and text.isdigit():
        number = int(text)
    elif text.lower() in spec.names:
        return spec.names.index(text.lower()) + spec.first_name
    else:
        kind = f"a number or a {spec.name} name" if spec.names else "a number"
        raise _ExprError(f"{spec.name} '{text}' is not {kind}")
    if not spec.low <= number <= spec.high:
        raise _ExprError(f"{spec.name} {number} is out of range {spec.low}-{spec.high}")
    return number


def _item(item: str, spec: _Spec) -> range:
    """Parse one list item: `*`, `a`, `a-b`, each optionally followed by `/step`."""
    if not item:
        raise _ExprError(f"{spec.name} field has an empty list item")
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not (step_text.isascii() and step_text.isdigit()):
            raise _ExprError(f"{spec.name} step '{step_text}' is not a number")
        step = int(step_text)
        span = spec.open_high - spec.low + 1
        if not 1 <= step <= span:
            raise _ExprError(f"{spec.name} step {step} is not allowed (use 1-{span})")
    if base == "*":
        return range(spec.low, spec.open_high + 1, step)
    start_text, dash, end_text = base.partition("-")
    if not start_text or (dash and not end_text):
        raise _ExprError(f"{spec.name} '{item}' is not a number or a range")
    start = _value(start_text, spec)
    # `a/n` runs from a to the end of the field (`7/2` in day-of-week is just 7); `a` is just a.
    end = _value(end_text, spec) if dash else (max(start, spec.open_high) if slash else start)
    if start > end:
        raise _ExprError(f"{spec.name} range {base} is reversed ({start} > {end})")
    return range(start, end + 1, step)


@lru_cache(maxsize=4096)
def _field(text: str, spec: _Spec) -> tuple[int, ...]:
    """Sorted allowed values of a field; cached so equal fields share one tuple."""
    if text == "?" and spec in (_DOM, _DOW):
        text = "*"
    elif "?" in text:
        raise _ExprError(
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


def _every_ms(text: str) -> int:
    """Parse a Go-style duration (`90s`, `1h30m`) into whole milliseconds."""
    if not text:
        raise _ExprError("'@every' needs a duration such as 30s, 5m or 1h30m")
    total_ns, pos = Fraction(0), 0
    while pos < len(text):
        part = _DURATION_PART.match(text, pos)
        if part is None:
            raise _ExprError(f"invalid duration '{text}' (use units h, m, s, e.g. 30s, 5m, 1h30m)")
        total_ns += Fraction(part[1]) * _UNIT_NS[part[2]]
        pos = part.end()
    total_ms = total_ns / 10**6
    if total_ms < 1000 or total_ms % 1000:
        raise _ExprError(f"duration '{text}' must be a whole number of seconds, at least 1s")
    if total_ms > HORIZON_DAYS * _DAY_S * 1000:
        raise _ExprError(f"duration '{text}' is longer than the {HORIZON_DAYS}-day horizon")
    return int(total_ms)


@dataclass(frozen=True, slots=True)
class _Fields:
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
        day, sod = divmod(wall, _DAY_S)
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
                    return (ordinal - _EPOCH_ORDINAL) * _DAY_S + tod
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
def _cron_fields(texts: tuple[str, ...]) -> _Fields:
    """Build the matcher from six field texts (seconds first); cached so jobs share it."""
    seconds, minutes, hours, doms, months, dows = (_field(t, s) for t, s in zip(texts, _SPECS, strict=True))
    dom_text, dow_text = texts[3], texts[5]
    day_and = dom_text.startswith(("*", "?")) or dow_text.startswith(("*", "?"))
    fields = _Fields(
        seconds, minutes, hours, _mask(doms), _mask(months), _mask(dows), day_and, texts[2].startswith("*")
    )
    # Only an AND of the day fields can rule out every day: every (month, day) pair falls on
    # every weekday over the years, so it is enough that some allowed month has an allowed day.
    if fields.day_and and not any(
        fields.doms >> day & 1 for month in months for day in range(1, _MONTH_DAYS[month] + 1)
    ):
        raise _ExprError(f"day-of-month {texts[3]} does not occur in month {texts[4]}, so it never fires")
    return fields


def _seconds(delta: timedelta | None) -> int:
    if delta is None:  # aware datetimes from ZoneInfo always have an offset
        raise ValueError("no UTC offset")
    return int(delta.total_seconds())


def _offset(zone: ZoneInfo, t: int) -> int:
    """UTC offset in seconds in force at epoch second t."""
    return _seconds(datetime.fromtimestamp(t, zone).utcoffset())


def _wall_offset(zone: ZoneInfo, wall: int, fold: int) -> int:
    """Offset zoneinfo gives a wall time: fold 0 the one before a transition, 1 after (PEP 495)."""
    naive = _EPOCH_NAIVE + timedelta(seconds=wall)
    return _seconds(naive.replace(tzinfo=zone, fold=fold).utcoffset())


def _transition(zone: ZoneInfo, lo: int, hi: int) -> int:
    """First second in (lo, hi] with hi's offset, the offset changing once in between."""
    target = _offset(zone, hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if _offset(zone, mid) == target else (mid, hi)
    return hi


def _earliest(zone: ZoneInfo, wall: int) -> tuple[int, bool]:
    """First instant the clock reads `wall` or later, and whether it reads exactly `wall`."""
    offset = _wall_offset(zone, wall, 0)
    instant = wall - offset
    if _offset(zone, instant) == offset:
        return instant, True  # fold 0 is the first pass of a repeated hour
    # Skipped wall time: fold 1 reads it with the later offset, landing before the gap.
    return _transition(zone, wall - _wall_offset(zone, wall, 1), instant), False


def _reached(zone: ZoneInfo, t: int) -> int:
    """Latest wall time the clock has shown up to and including epoch second t."""
    local = datetime.fromtimestamp(t, zone)
    wall = t + _seconds(local.utcoffset())
    if not local.fold:
        return wall
    # Second pass of a repeated hour: before the transition the clock read up to its end.
    first_pass = wall - _wall_offset(zone, wall, 0)
    change = _transition(zone, first_pass, t)
    return change - 1 + _offset(zone, change - 1)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed schedule in a time zone; build it with `parse`."""

    expr: str
    tz: str
    _zone: ZoneInfo
    _fields: _Fields | None  # None for @every
    _every_ms: int = 0

    def next_after(self, after_ms: int) -> int | None:
        """First fire time (epoch ms) strictly after `after_ms`, or None if none within ~5 years."""
        if not _MIN_AFTER_MS <= after_ms <= _MAX_AFTER_MS:
            raise ValueError(f"after_ms {after_ms} is outside years 1900-9000")
        if self._fields is None:
            return (after_ms // self._every_ms + 1) * self._every_ms
        after_s = after_ms // 1000  # fires are whole seconds: > after_ms means > after_s
        if self._fields.wild_hour:
            fire = self._next_wild(self._fields, after_s + 1)
        else:
            fire = self._next_fixed(self._fields, after_s)
        return None if fire is None else fire * 1000

    def iter_after(self, after_ms: int) -> Iterator[int]:
        """Successive fire times (epoch ms) after `after_ms`, strictly increasing."""
        fire = self.next_after(after_ms)
        while fire is not None:
            yield fire
            fire = self.next_after(fire)

    @property
    def min_interval_ms(self) -> int:
        """A lower bound on the gap between two fires, in milliseconds."""
        if self._fields is None:
            return self._every_ms
        secs = self._fields.seconds
        if len(secs) == 1:
            # Zone offsets move by whole minutes, so fires keep their second: a minute apart.
            return 60_000
        gaps = [b - a for a, b in pairwise(secs)]
        return min(*gaps, 60 - secs[-1] + secs[0]) * 1000

    def _next_fixed(self, fields: _Fields, after_s: int) -> int | None:
        # Wall times the clock already showed fired then (or were skipped and fired at the gap).
        wall = fields.next_wall(_reached(self._zone, after_s) + 1)
        return None if wall is None else _earliest(self._zone, wall)[0]

    def _next_wild(self, fields: _Fields, t: int) -> int | None:
        """First instant >= t whose wall time matches."""
        zone, limit = self._zone, t + HORIZON_DAYS * _DAY_S
        while t < limit:
            local = datetime.fromtimestamp(t, zone)
            offset = _seconds(local.utcoffset())
            wall = fields.next_wall(t + offset)
            if wall is None:
                return None
            fire, exists = _earliest(zone, wall)
            if not exists:
                t = fire  # skipped wall time: look again from the end of the gap
                continue
            if fire < t:
                # t is in the second pass of a repeated hour: take the second pass of wall too.
                return wall - _wall_offset(zone, wall, 1)
            later = _wall_offset(zone, t + offset, 1)
            if not local.fold and later != offset:
                # t is in the first pass of a repeated hour; after the transition the clock
                # reads earlier wall times again, which may match before `fire`.
                change = _transition(zone, t, t + offset - later)
                if fire >= change:
                    t = change
                    continue
            return fire
        return None


def parse(expr: str, tz: str = "UTC") -> Schedule:
    """Parse a cron expression, macro or `@every` for the zone `tz`.

    Raises:
        InvalidSchedule: the expression is malformed or never fires; the message says why.
        InvalidTimezone: `tz` is not a known IANA zone.
    """
    text = expr.strip()
    zone = get_zone(tz)
    try:
        words = text.split()
        if words and words[0].lower() == "@every":
            return Schedule(text, tz, zone, None, _every_ms(" ".join(words[1:])))
        if words and words[0].startswith("@"):
            if len(words) > 1 or words[0].lower() not in _MACROS:
                raise _ExprError(f"unknown macro '{text}' (expected one of {', '.join(_MACROS)}, @every)")
            words = _MACROS[words[0].lower()].split()
        if len(words) not in (5, 6):
            raise _ExprError(f"expected 5 or 6 fields, got {len(words)}")
        if len(words) == 5:
            words = ["0", *words]
        return Schedule(text, tz, zone, _cron_fields(tuple(words)))
    except _ExprError as exc:
        raise InvalidSchedule(f"invalid cron expression '{text}': {exc}") from None

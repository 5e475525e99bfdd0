"""Schedules in a time zone: the next fire time of a cron expression (docs/architecture.md, "Cron").

The expression is parsed and matched against wall-clock time in ``unicron_core.cronfields``; here
wall times become real instants. DST follows Vixie cron:

- Wildcard-hour jobs (hour field starts with `*`) fire at every real instant whose wall time
  matches: twice in a repeated hour, never in a skipped one.
- Fixed-time jobs fire, for each matching wall time w, at the first instant the clock reads w
  or later: in a repeated hour that is the first pass; wall times skipped by spring-forward
  collapse into one fire at the end of the gap.

Wall time maps to UTC with zoneinfo's `fold` (PEP 495); transitions are located by bisection
only near one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from unicron_core.cronfields import DAY_S, HORIZON_DAYS, ExprError, Fields, fields_of
from unicron_core.errors import InvalidSchedule, InvalidTimezone

__all__ = ["Schedule", "get_zone", "parse"]

_EPOCH_NAIVE = datetime(1970, 1, 1)
# Keep the horizon inside datetime's years 1-9999.
_MIN_AFTER_MS = int((datetime(1900, 1, 1) - _EPOCH_NAIVE).total_seconds()) * 1000
_MAX_AFTER_MS = int((datetime(9000, 1, 1) - _EPOCH_NAIVE).total_seconds()) * 1000
# Host-dependent aliases that zoneinfo resolves but that are not IANA zone names.
_HOST_ZONES = frozenset({"localtime", "posixrules"})


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


def known_zone(name: str | None) -> str | None:
    """``name`` when it is None or a known IANA zone (a model's validator of its ``timezone``).

    Raises:
        InvalidTimezone: it is not.
    """
    if name is not None:
        get_zone(name)
    return name


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
    _fields: Fields | None  # None for @every
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

    def _next_fixed(self, fields: Fields, after_s: int) -> int | None:
        # Wall times the clock already showed fired then (or were skipped and fired at the gap).
        wall = fields.next_wall(_reached(self._zone, after_s) + 1)
        return None if wall is None else _earliest(self._zone, wall)[0]

    def _next_wild(self, fields: Fields, t: int) -> int | None:
        """First instant >= t whose wall time matches."""
        zone, limit = self._zone, t + HORIZON_DAYS * DAY_S
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
        fields = fields_of(text)
    except ExprError as exc:
        raise InvalidSchedule(f"invalid cron expression '{text}': {exc}") from None
    if isinstance(fields, int):
        return Schedule(text, tz, zone, None, fields)
    return Schedule(text, tz, zone, fields)

"""cron.next_after against a brute-force reference, across time zones and DST transitions.

The reference applies the DST rules of ``unicron_core.cron``'s docstring literally and shares no
code with cron.py:

- The zone's offsets come from stepping real time an hour at a time with zoneinfo and refining
  each change second by second, giving segments `(start, end, offset)` of real time.
- The instants whose clock reads a wall time w are `w - offset` for every segment containing it
  (two in a repeated hour, none in a skipped one).
- Wildcard-hour jobs fire at every such instant; fixed-time jobs at the first one, or, when w
  is skipped, at the start of the segment that skipped it (the first instant after the gap).
- Wall times are enumerated day by day from the field values the test itself derived from the
  generated text, applying the Vixie day rule as written.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from unicron_core.cron import Schedule, parse
from unicron_core.cronfields import HORIZON_DAYS
from unicron_core.errors import InvalidSchedule

ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kolkata"]
DST_ZONES = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham"]
EXAMPLES = int(os.environ.get("UNICRON_CRON_EXAMPLES", "150"))
DAY = 86_400


def _epoch(year: int, month: int = 1, day: int = 1) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp())


TABLE_START, TABLE_END = _epoch(2023), _epoch(2040)
START_MIN, START_MAX = _epoch(2024), _epoch(2028) - 1


# --- Reference: the zone as segments of real time -----------------------------------------


@dataclass(frozen=True)
class Zone:
    """Real time split into segments of constant UTC offset."""

    starts: list[int]  # segment i covers [starts[i], starts[i + 1])
    offsets: list[int]

    def offset_at(self, t: int) -> int:
        return self.offsets[bisect.bisect_right(self.starts, t) - 1]

    def instants(self, wall: int) -> list[int]:
        """Every instant at which the clock reads `wall`."""
        return sorted({wall - off for off in set(self.offsets) if self.offset_at(wall - off) == off})

    def gap_end(self, wall: int) -> int:
        """The first instant after the spring-forward gap that skipped `wall`."""
        for i in range(1, len(self.starts)):
            if self.starts[i] + self.offsets[i - 1] <= wall < self.starts[i] + self.offsets[i]:
                return self.starts[i]
        raise AssertionError(f"wall {wall} is not skipped")

    def transitions(self, lo: int, hi: int) -> list[int]:
        return [s for s in self.starts[1:] if lo <= s < hi]


@functools.cache
def zone_table(name: str) -> Zone:
    zone = ZoneInfo(name)

    def offset(t: int) -> int:
        delta = datetime.fromtimestamp(t, zone).utcoffset()
        assert delta is not None
        return int(delta.total_seconds())

    starts, offsets = [TABLE_START], [offset(TABLE_START)]
    for t in range(TABLE_START, TABLE_END, 3600):
        if offset(t + 3600) != offsets[-1]:
            change = next(s for s in range(t + 1, t + 3601) if offset(s) != offsets[-1])
            starts.append(change)
            offsets.append(offset(change))
    return Zone(starts, offsets)


# --- Reference: expressions as sets of values ---------------------------------------------


@dataclass(frozen=True)
class Expr:
    """A generated expression: its text and, per field (seconds first), its text and values."""

    text: str
    fields: tuple[str, ...]
    values: tuple[frozenset[int], ...]  # day-of-week with Sunday as 0 only

    @property
    def wildcard_hour(self) -> bool:
        return self.fields[2].startswith("*")

    def day_matches(self, d: date) -> bool:
        doms, months, dows = self.values[3:]
        if d.month not in months:
            return False
        dom_ok, dow_ok = d.day in doms, d.isoweekday() % 7 in dows
        # Vixie: a day field starting with `*` (or `?`) means the day must match both fields.
        if self.fields[3][0] in "*?" or self.fields[5][0] in "*?":
            return dom_ok and dow_ok
        return dom_ok or dow_ok

    def walls(self, first: int, last: int) -> Iterator[int]:
        """Matching wall times in [first, last], increasing."""
        for ordinal in range(first // DAY, last // DAY + 1):
            d = date(1970, 1, 1) + timedelta(days=ordinal)
            if not self.day_matches(d):
                continue
            base = ordinal * DAY
            seconds, minutes, hours = (sorted(v) for v in self.values[:3])
            for h in hours:
                if base + h * 3600 + 3599 < first:
                    continue
                for m in minutes:
                    if base + h * 3600 + m * 60 + 59 < first:
                        continue
                    for s in seconds:
                        wall = base + h * 3600 + m * 60 + s
                        if first <= wall <= last:
                            yield wall


def ref_fires(expr: Expr, zone: Zone, wall: int) -> list[int]:
    """The fire instants a matching wall time gives, per the DST rules."""
    instants = zone.instants(wall)
    if expr.wildcard_hour:
        return instants  # wildcard hour: real time, every occurrence
    return [instants[0]] if instants else [zone.gap_end(wall)]


def ref_next_after(expr: Expr, zone: Zone, after: int, until: int = TABLE_END - 2 * DAY) -> int | None:
    """First fire (epoch s) > after, found by enumerating wall times in order."""
    low, high = min(zone.offsets), max(zone.offsets)
    best: int | None = None
    # A wall time w fires within [w - high, w - low]: earlier walls cannot fire after `after`,
    # and once w - high passes the best fire so far nothing later can beat it.
    for wall in expr.walls(after + low + 1, until + high):
        if best is not None and wall - high > best:
            break
        for fire in ref_fires(expr, zone, wall):
            if fire > after and (best is None or fire < best):
                best = fire
    return best


def ref_fires_between(expr: Expr, zone: Zone, lo: int, hi: int) -> list[int]:
    """All fires in [lo, hi], sorted."""
    low, high = min(zone.offsets), max(zone.offsets)
    fires = {f for w in expr.walls(lo + low, hi + high) for f in ref_fires(expr, zone, w)}
    return sorted(f for f in fires if lo <= f <= hi)


# --- Generated expressions ----------------------------------------------------------------

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DOWS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


@dataclass(frozen=True)
class FieldSpec:
    low: int
    high: int
    open_high: int  # where `*` and `a/n` stop
    names: list[str] | None = None
    first_name: int = 0


SEC, MIN, HOUR = FieldSpec(0, 59, 59), FieldSpec(0, 59, 59), FieldSpec(0, 23, 23)
DOM, MON, DOW = FieldSpec(1, 31, 31), FieldSpec(1, 12, 12, MONTHS, 1), FieldSpec(0, 7, 6, DOWS)


@st.composite
def value_text(draw: st.DrawFn, spec: FieldSpec, value: int) -> str:
    index = value - spec.first_name
    if spec.names and 0 <= index < len(spec.names) and draw(st.booleans()):
        name = spec.names[index]
        return draw(st.sampled_from([name, name.upper(), name.capitalize()]))
    return str(value)


@st.composite
def item(draw: st.DrawFn, spec: FieldSpec) -> tuple[str, set[int]]:
    kind = draw(st.sampled_from(["*", "*/n", "a", "a-b", "a-b/n", "a/n"]))
    span = spec.open_high - spec.low + 1
    step = draw(st.one_of(st.integers(1, 6), st.integers(1, span)))
    # Hours around 1-3 are where these zones change their clocks: draw them often.
    dst_hours = spec is HOUR and draw(st.booleans())
    a = draw(st.integers(1, 3) if dst_hours else st.integers(spec.low, spec.high))
    b = draw(st.integers(a, max(a, 3)) if dst_hours else st.integers(a, spec.high))
    at, bt = draw(value_text(spec, a)), draw(value_text(spec, b))
    return {
        "*": ("*", set(range(spec.low, spec.open_high + 1))),
        "*/n": (f"*/{step}", set(range(spec.low, spec.open_high + 1, step))),
        "a": (at, {a}),
        "a-b": (f"{at}-{bt}", set(range(a, b + 1))),
        "a-b/n": (f"{at}-{bt}/{step}", set(range(a, b + 1, step))),
        "a/n": (f"{at}/{step}", set(range(a, max(a, spec.open_high) + 1, step))),
    }[kind]


@st.composite
def field(draw: st.DrawFn, spec: FieldSpec, star_weight: int = 1) -> tuple[str, frozenset[int]]:
    if spec in (DOM, DOW) and draw(st.integers(0, 9)) == 0:
        return "?", frozenset(range(spec.low, spec.open_high + 1))
    if draw(st.integers(0, 2)) < star_weight:
        return "*", frozenset(range(spec.low, spec.open_high + 1))
    items = draw(st.lists(item(spec), min_size=1, max_size=3))
    values = set().union(*(v for _, v in items))
    if spec is DOW and 7 in values:
        values = (values - {7}) | {0}
    return ",".join(t for t, _ in items), frozenset(values)


@st.composite
def expressions(draw: st.DrawFn) -> Expr:
    six = draw(st.booleans())
    # Seconds and minutes rarely `*`, so that dense expressions stay a minority.
    fields = [draw(field(SEC, 0)) if six else ("0", frozenset({0})), draw(field(MIN, 0)), draw(field(HOUR))]
    fields += [draw(field(DOM)), draw(field(MON)), draw(field(DOW))]
    texts = tuple(t for t, _ in fields)
    return Expr(" ".join(texts if six else texts[1:]), texts, tuple(v for _, v in fields))


@st.composite
def start_instants(draw: st.DrawFn, zone: Zone) -> int:
    near = zone.transitions(START_MIN, START_MAX)
    use_near = draw(st.booleans())
    if near and use_near:
        return draw(st.sampled_from(near)) + draw(st.integers(-6 * 3600, 6 * 3600))
    return draw(st.integers(START_MIN, START_MAX))


# --- Property test ------------------------------------------------------------------------


@pytest.mark.timeout(max(120, EXAMPLES // 20))  # about 15 ms an example
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), expr=expressions(), zone_name=st.sampled_from(ZONES))
def test_next_after_matches_reference(data: st.DataObject, expr: Expr, zone_name: str) -> None:
    zone = zone_table(zone_name)
    after = data.draw(start_instants(zone), label="after")
    try:
        schedule = parse(expr.text, zone_name)
    except InvalidSchedule as exc:
        assert str(exc).endswith("never fires"), exc
        assert ref_next_after(expr, zone, START_MIN) is None
        return
    # Three steps: the scheduler calls next_after with the previous fire time.
    after_ms = after * 1000 + data.draw(st.integers(0, 999), label="ms")
    for _ in range(3):
        ours = schedule.next_after(after_ms)
        ref = ref_next_after(expr, zone, after_ms // 1000)
        if ours is None:
            assert ref is None or ref - after_ms // 1000 > (HORIZON_DAYS - 2) * DAY, (expr.text, ref)
            return
        assert ours == (ref * 1000 if ref is not None else None), (expr.text, zone_name, after_ms)
        event("wildcard hour" if expr.wildcard_hour else "fixed time")
        if any(abs(ours // 1000 - t) < 3 * 3600 for t in zone.transitions(START_MIN, START_MAX + DAY)):
            event("fire within 3 h of a transition")
        after_ms = ours


def test_reference_zone_table_finds_the_known_transitions() -> None:
    ny = zone_table("America/New_York")
    assert _epoch(2025, 3, 9) + 7 * 3600 in ny.starts  # 02:00 EST -> 03:00 EDT
    assert _epoch(2025, 11, 2) + 6 * 3600 in ny.starts  # 02:00 EDT -> 01:00 EST
    assert set(zone_table("Australia/Lord_Howe").offsets) == {37800, 39600}  # +10:30, +11
    assert set(zone_table("Pacific/Chatham").offsets) == {45900, 49500}  # +12:45, +13:45
    assert zone_table("Asia/Kolkata").starts == [TABLE_START]


# --- DST matrix ---------------------------------------------------------------------------


def expr_of(text: str) -> Expr:
    """A fixed Expr from a plain 5- or 6-field text using only numbers, `*` and `*/n`."""
    parts = text.split()
    parts = parts if len(parts) == 6 else ["0", *parts]
    specs = [SEC, MIN, HOUR, DOM, MON, DOW]

    def values(part: str, spec: FieldSpec) -> frozenset[int]:
        if part.startswith("*"):
            step = int(part[2:]) if "/" in part else 1
            return frozenset(range(spec.low, spec.open_high + 1, step))
        return frozenset({int(part)})

    return Expr(text, tuple(parts), tuple(values(p, s) for p, s in zip(parts, specs, strict=True)))


def our_fires_between(schedule: Schedule, lo: int, hi: int) -> list[int]:
    fires = []
    for fire_ms in schedule.iter_after(lo * 1000 - 1):
        if fire_ms > hi * 1000:
            break
        assert fire_ms % 1000 == 0
        fires.append(fire_ms // 1000)
    return fires


FIXED = ["30 2 * * *", "0 1 * * *", "30 1 * * *", "0 2 * * *", "0 3 * * *"]
MATRIX_EXPRS = [*FIXED, "0 * * * *", "*/15 * * * *"]


def _transition_cases() -> list[tuple[str, int]]:
    return [(name, t) for name in DST_ZONES for t in zone_table(name).transitions(START_MIN, START_MAX)]


@pytest.mark.parametrize(("zone_name", "transition"), _transition_cases())
def test_dst_matrix_around_each_transition(zone_name: str, transition: int) -> None:
    zone = zone_table(zone_name)
    lo, hi = transition - 2 * DAY, transition + 2 * DAY
    for text in MATRIX_EXPRS:
        ours = our_fires_between(parse(text, zone_name), lo, hi)
        assert ours == ref_fires_between(expr_of(text), zone, lo, hi), text
        assert all(a < b for a, b in itertools.pairwise(ours)), text
    seconds = "*/30 * * * * *"
    ours = our_fires_between(parse(seconds, zone_name), transition - 7200, transition + 7200)
    assert ours == ref_fires_between(expr_of(seconds), zone, transition - 7200, transition + 7200)


def test_dst_matrix_has_all_transitions() -> None:
    # Four years, two transitions each, in each DST zone.
    assert len(_transition_cases()) == 4 * 4 * 2


def _local_year(zone_name: str, year: int) -> tuple[int, int]:
    zone = ZoneInfo(zone_name)
    start = datetime(year, 1, 1, tzinfo=zone).timestamp()
    end = datetime(year + 1, 1, 1, tzinfo=zone).timestamp()
    return int(start), int(end) - 1


@pytest.mark.parametrize("zone_name", ZONES)
def test_fixed_time_jobs_fire_once_per_local_date_for_a_year(zone_name: str) -> None:
    lo, hi = _local_year(zone_name, 2025)
    zone = ZoneInfo(zone_name)
    for text in FIXED:
        fires = our_fires_between(parse(text, zone_name), lo, hi)
        dates = [datetime.fromtimestamp(f, zone).date() for f in fires]
        assert len(dates) == len(set(dates)) == 365, text
        assert fires == ref_fires_between(expr_of(text), zone_table(zone_name), lo, hi), text


@pytest.mark.parametrize("zone_name", ZONES)
@pytest.mark.parametrize("text", ["0 * * * *", "*/15 * * * *"])
def test_wildcard_hour_totals_for_a_year_equal_the_reference(zone_name: str, text: str) -> None:
    lo, hi = _local_year(zone_name, 2025)
    fires = our_fires_between(parse(text, zone_name), lo, hi)
    assert fires == ref_fires_between(expr_of(text), zone_table(zone_name), lo, hi)
    assert all(a < b for a, b in itertools.pairwise(fires))
    per_hour = 1 if text.startswith("0") else 4
    if zone_name in ("America/New_York", "Europe/Berlin", "Pacific/Chatham"):
        # Real elapsed time: the hour lost in spring is given back in autumn.
        assert len(fires) == 8760 * per_hour
    if zone_name == "Australia/Lord_Howe":
        # 02:00-02:30 is skipped in October; 01:30-02:00 repeats in April.
        assert len(fires) == 8760 * per_hour - (1 if per_hour == 1 else 2) + (0 if per_hour == 1 else 2)


# --- Worked examples of those rules -------------------------------------------------------------


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def test_skipped_fixed_time_fires_once_right_after_the_gap() -> None:
    start = _epoch(2025, 3, 9) * 1000
    fires = parse("30 2 * * *", "America/New_York").iter_after(start)
    assert [_utc(next(fires)) for _ in range(2)] == ["2025-03-09 07:00:00", "2025-03-10 06:30:00"]
    fires = parse("*/15 2 * * *", "America/New_York").iter_after(start)
    assert [_utc(next(fires)) for _ in range(2)] == ["2025-03-09 07:00:00", "2025-03-10 06:00:00"]


def test_wildcard_hour_fires_in_both_passes_of_a_repeated_hour() -> None:
    fires = parse("30 * * * *", "America/New_York").iter_after(_epoch(2025, 11, 2) * 1000 + 4 * 3600_000)
    assert [_utc(next(fires)) for _ in range(4)] == [
        "2025-11-02 04:30:00",  # 00:30 EDT
        "2025-11-02 05:30:00",  # 01:30 EDT
        "2025-11-02 06:30:00",  # 01:30 EST
        "2025-11-02 07:30:00",  # 02:30 EST
    ]


def test_asked_from_inside_the_repeated_hour() -> None:
    # 01:45 EST, the second pass: a fixed 01:30 job already fired in the first pass today.
    second_pass = (_epoch(2025, 11, 2) + 6 * 3600 + 45 * 60) * 1000
    assert _utc(parse("30 1 * * *", "America/New_York").next_after(second_pass) or 0) == "2025-11-03 06:30:00"
    assert _utc(parse("50 1 * * *", "America/New_York").next_after(second_pass) or 0) == "2025-11-03 06:50:00"
    assert _utc(parse("0 2 * * *", "America/New_York").next_after(second_pass) or 0) == "2025-11-02 07:00:00"
    assert _utc(parse("50 * * * *", "America/New_York").next_after(second_pass) or 0) == "2025-11-02 06:50:00"
    # 01:45 EDT, the first pass: a wildcard job at :20 next fires at 01:20 EST, after the change.
    first_pass = second_pass - 3600_000
    assert _utc(parse("20 * * * *", "America/New_York").next_after(first_pass) or 0) == "2025-11-02 06:20:00"


def test_lord_howe_half_hour_shift() -> None:
    # 2025-10-05 02:00 LHST (+10:30) -> 02:30 LHDT (+11): 02:00 and 02:15 are skipped.
    fires = parse("0,15 2 * * *", "Australia/Lord_Howe").iter_after(_epoch(2025, 10, 4) * 1000)
    assert [_utc(next(fires)) for _ in range(3)] == [
        "2025-10-04 15:30:00",  # end of the gap, 02:30 LHDT, once
        "2025-10-05 15:00:00",
        "2025-10-05 15:15:00",
    ]

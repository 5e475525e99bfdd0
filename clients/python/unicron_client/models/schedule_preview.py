from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SchedulePreview")


@_attrs_define
class SchedulePreview:
    """A schedule to check and explain, without creating a job.

    Attributes:
        schedule (str): 5 fields (min hour dom mon dow), 6 with seconds first, a macro such as @daily, or @every
            <duration> such as @every 1h30m
        timezone (None | str | Unset): IANA zone; default: the cluster's TZ
        count (int | Unset): how many fire times Default: 5.
        after (float | None | str | Unset): the times are after this instant: epoch seconds or an ISO 8601 time such as
            2026-03-29T01:00:00+01:00 (without an offset: in `timezone`); years 1901-7999; default: now
    """

    schedule: str
    timezone: None | str | Unset = UNSET
    count: int | Unset = 5
    after: float | None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        schedule = self.schedule

        timezone: None | str | Unset
        if isinstance(self.timezone, Unset):
            timezone = UNSET
        else:
            timezone = self.timezone

        count = self.count

        after: float | None | str | Unset
        if isinstance(self.after, Unset):
            after = UNSET
        else:
            after = self.after

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "schedule": schedule,
            }
        )
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if count is not UNSET:
            field_dict["count"] = count
        if after is not UNSET:
            field_dict["after"] = after

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        schedule = d.pop("schedule")

        def _parse_timezone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timezone = _parse_timezone(d.pop("timezone", UNSET))

        count = d.pop("count", UNSET)

        def _parse_after(data: object) -> float | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | str | Unset, data)

        after = _parse_after(d.pop("after", UNSET))

        schedule_preview = cls(
            schedule=schedule,
            timezone=timezone,
            count=count,
            after=after,
        )

        return schedule_preview

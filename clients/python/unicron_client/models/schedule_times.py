from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.fire_time import FireTime


T = TypeVar("T", bound="ScheduleTimes")


@_attrs_define
class ScheduleTimes:
    """A schedule's next fire times, and what it does in words.

    Attributes:
        times (list[FireTime]): strictly increasing; fewer than asked when the schedule stops firing within ~5 years
        description (str): the schedule in plain English, with what DST does to it in its zone, if anything
    """

    times: list[FireTime]
    description: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        times = []
        for times_item_data in self.times:
            times_item = times_item_data.to_dict()
            times.append(times_item)

        description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "times": times,
                "description": description,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.fire_time import FireTime  # noqa: PLC0415

        d = dict(src_dict)
        times = []
        _times = d.pop("times")
        for times_item_data in _times:
            times_item = FireTime.from_dict(times_item_data)

            times.append(times_item)

        description = d.pop("description")

        schedule_times = cls(
            times=times,
            description=description,
        )

        schedule_times.additional_properties = d
        return schedule_times

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties

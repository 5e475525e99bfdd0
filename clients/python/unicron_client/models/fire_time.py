from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="FireTime")


@_attrs_define
class FireTime:
    """One fire time of a schedule.

    Attributes:
        iso (str): ISO 8601 with the UTC offset of the schedule's zone at that instant
        epoch_ms (int): milliseconds since the Unix epoch
    """

    iso: str
    epoch_ms: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        iso = self.iso

        epoch_ms = self.epoch_ms

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "iso": iso,
                "epoch_ms": epoch_ms,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        iso = d.pop("iso")

        epoch_ms = d.pop("epoch_ms")

        fire_time = cls(
            iso=iso,
            epoch_ms=epoch_ms,
        )

        fire_time.additional_properties = d
        return fire_time

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

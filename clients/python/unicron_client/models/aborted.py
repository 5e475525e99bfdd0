from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.aborted_status import AbortedStatus, check_aborted_status

T = TypeVar("T", bound="Aborted")


@_attrs_define
class Aborted:
    """What an abort did.

    Attributes:
        status (AbortedStatus): aborted: it was queued, and is now recorded aborted; aborting: its worker was asked and
            ends it at once (a command's process group is killed), recording it aborted
    """

    status: AbortedStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status: str = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = check_aborted_status(d.pop("status"))

        aborted = cls(
            status=status,
        )

        aborted.additional_properties = d
        return aborted

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

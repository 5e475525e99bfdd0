from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.aborted import Aborted


T = TypeVar("T", bound="AbortedEnvelope")


@_attrs_define
class AbortedEnvelope:
    """What an abort did.

    Attributes:
        success (bool): true for an answer, false for an error
        msg (str): what happened, for people
        result (Aborted): What an abort did.
    """

    success: bool
    msg: str
    result: Aborted
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        msg = self.msg

        result = self.result.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
                "msg": msg,
                "result": result,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.aborted import Aborted  # noqa: PLC0415

        d = dict(src_dict)
        success = d.pop("success")

        msg = d.pop("msg")

        result = Aborted.from_dict(d.pop("result"))

        aborted_envelope = cls(
            success=success,
            msg=msg,
            result=result,
        )

        aborted_envelope.additional_properties = d
        return aborted_envelope

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

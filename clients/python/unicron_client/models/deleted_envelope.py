from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeletedEnvelope")


@_attrs_define
class DeletedEnvelope:
    """A job was deleted: ``result`` is 1, as in the original.

    Attributes:
        success (bool): true for an answer, false for an error
        msg (str): what happened, for people
        result (Literal[1]):
    """

    success: bool
    msg: str
    result: Literal[1]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        msg = self.msg

        result = self.result

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
        d = dict(src_dict)
        success = d.pop("success")

        msg = d.pop("msg")

        result = cast(Literal[1], d.pop("result"))
        if result != 1:
            raise ValueError(f"result must match const 1, got '{result}'")

        deleted_envelope = cls(
            success=success,
            msg=msg,
            result=result,
        )

        deleted_envelope.additional_properties = d
        return deleted_envelope

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

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="JobIdEnvelope")


@_attrs_define
class JobIdEnvelope:
    """The id of the job just registered: 16 characters [A-Za-z0-9].

    Attributes:
        success (bool): true for an answer, false for an error
        msg (str): what happened, for people
        result (str): a job id: 16 characters [A-Za-z0-9]
    """

    success: bool
    msg: str
    result: str
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

        result = d.pop("result")

        job_id_envelope = cls(
            success=success,
            msg=msg,
            result=result,
        )

        job_id_envelope.additional_properties = d
        return job_id_envelope

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

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.schedule_times import ScheduleTimes


T = TypeVar("T", bound="ScheduleTimesEnvelope")


@_attrs_define
class ScheduleTimesEnvelope:
    """A schedule's next fire times and its description: a preview, or a job's next fires.

    Attributes:
        success (bool): true for an answer, false for an error
        msg (str): what happened, for people
        result (ScheduleTimes): A schedule's next fire times, and what it does in words.
    """

    success: bool
    msg: str
    result: ScheduleTimes
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
        from ..models.schedule_times import ScheduleTimes  # noqa: PLC0415

        d = dict(src_dict)
        success = d.pop("success")

        msg = d.pop("msg")

        result = ScheduleTimes.from_dict(d.pop("result"))

        schedule_times_envelope = cls(
            success=success,
            msg=msg,
            result=result,
        )

        schedule_times_envelope.additional_properties = d
        return schedule_times_envelope

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

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.bulk_result_failed import BulkResultFailed


T = TypeVar("T", bound="BulkResult")


@_attrs_define
class BulkResult:
    """What a bulk operation did, job by job: it goes on past a job it cannot change.

    Attributes:
        done (list[str]): the ids of the jobs it changed
        failed (BulkResultFailed): job id -> why it was not changed
    """

    done: list[str]
    failed: BulkResultFailed
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        done = self.done

        failed = self.failed.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "done": done,
                "failed": failed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.bulk_result_failed import BulkResultFailed  # noqa: PLC0415

        d = dict(src_dict)
        done = cast(list[str], d.pop("done"))

        failed = BulkResultFailed.from_dict(d.pop("failed"))

        bulk_result = cls(
            done=done,
            failed=failed,
        )

        bulk_result.additional_properties = d
        return bulk_result

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

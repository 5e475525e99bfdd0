from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.job_info import JobInfo


T = TypeVar("T", bound="JobVersionView")


@_attrs_define
class JobVersionView:
    """One definition a job has had, newest first in its history: who changed what, and the
    definition itself (header values masked).

        Attributes:
            version (int):
            changed_at (float): epoch seconds
            changed_by (None | str): the name of the API key that made the change
            fields (list[str]): the names of the fields this version changed
            schedule (str):
            info (JobInfo): A job's definition as answers show it: its spec but the schedule, header values masked.
    """

    version: int
    changed_at: float
    changed_by: None | str
    fields: list[str]
    schedule: str
    info: JobInfo
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        version = self.version

        changed_at = self.changed_at

        changed_by: None | str
        changed_by = self.changed_by

        fields = self.fields

        schedule = self.schedule

        info = self.info.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "version": version,
                "changed_at": changed_at,
                "changed_by": changed_by,
                "fields": fields,
                "schedule": schedule,
                "info": info,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_info import JobInfo  # noqa: PLC0415

        d = dict(src_dict)
        version = d.pop("version")

        changed_at = d.pop("changed_at")

        def _parse_changed_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        changed_by = _parse_changed_by(d.pop("changed_by"))

        fields = cast(list[str], d.pop("fields"))

        schedule = d.pop("schedule")

        info = JobInfo.from_dict(d.pop("info"))

        job_version_view = cls(
            version=version,
            changed_at=changed_at,
            changed_by=changed_by,
            fields=fields,
            schedule=schedule,
            info=info,
        )

        job_version_view.additional_properties = d
        return job_version_view

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

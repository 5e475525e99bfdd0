from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.bulk_resume_request_catchup import BulkResumeRequestCatchup, check_bulk_resume_request_catchup
from ..types import UNSET, Unset

T = TypeVar("T", bound="BulkResumeRequest")


@_attrs_define
class BulkResumeRequest:
    """Resume every paused job with a tag.

    Attributes:
        tag (str): the tag of the jobs to resume
        catchup (BulkResumeRequestCatchup | Unset): none: they stay skipped (recorded as a skipped run); latest: the
            latest runs now Default: 'none'.
    """

    tag: str
    catchup: BulkResumeRequestCatchup | Unset = "none"

    def to_dict(self) -> dict[str, Any]:
        tag = self.tag

        catchup: str | Unset = UNSET
        if not isinstance(self.catchup, Unset):
            catchup = self.catchup

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "tag": tag,
            }
        )
        if catchup is not UNSET:
            field_dict["catchup"] = catchup

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        tag = d.pop("tag")

        _catchup = d.pop("catchup", UNSET)
        catchup: BulkResumeRequestCatchup | Unset
        if isinstance(_catchup, Unset):
            catchup = UNSET
        else:
            catchup = check_bulk_resume_request_catchup(_catchup)

        bulk_resume_request = cls(
            tag=tag,
            catchup=catchup,
        )

        return bulk_resume_request

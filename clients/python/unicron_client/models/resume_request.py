from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.resume_request_catchup import ResumeRequestCatchup, check_resume_request_catchup
from ..types import UNSET, Unset

T = TypeVar("T", bound="ResumeRequest")


@_attrs_define
class ResumeRequest:
    """What becomes of the fires the pause skipped.

    Attributes:
        catchup (ResumeRequestCatchup | Unset): none: they stay skipped (recorded as a skipped run); latest: the latest
            runs now Default: 'none'.
    """

    catchup: ResumeRequestCatchup | Unset = "none"

    def to_dict(self) -> dict[str, Any]:
        catchup: str | Unset = UNSET
        if not isinstance(self.catchup, Unset):
            catchup = self.catchup

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if catchup is not UNSET:
            field_dict["catchup"] = catchup

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _catchup = d.pop("catchup", UNSET)
        catchup: ResumeRequestCatchup | Unset
        if isinstance(_catchup, Unset):
            catchup = UNSET
        else:
            catchup = check_resume_request_catchup(_catchup)

        resume_request = cls(
            catchup=catchup,
        )

        return resume_request

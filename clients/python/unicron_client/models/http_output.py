from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="HttpOutput")


@_attrs_define
class HttpOutput:
    """What an HTTP call answered.

    Attributes:
        job_id (None | str): the job's id; null for an async task
        status_code (int | None): the answer's status; null when none came (see error)
        text (str): the answer's body, as text
        truncated (bool): text was cut at the cluster's output limit Default: False.
    """

    job_id: None | str
    status_code: int | None
    text: str
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        job_id: None | str
        job_id = self.job_id

        status_code: int | None
        status_code = self.status_code

        text = self.text

        truncated = self.truncated

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "job_id": job_id,
                "status_code": status_code,
                "text": text,
                "truncated": truncated,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_job_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        job_id = _parse_job_id(d.pop("job_id"))

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        text = d.pop("text")

        truncated = d.pop("truncated")

        http_output = cls(
            job_id=job_id,
            status_code=status_code,
            text=text,
            truncated=truncated,
        )

        return http_output

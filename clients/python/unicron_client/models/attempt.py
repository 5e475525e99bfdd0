from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.attempt_status import AttemptStatus, check_attempt_status

T = TypeVar("T", bound="Attempt")


@_attrs_define
class Attempt:
    """An earlier attempt of a run that was tried again: when, how it ended and why.

    Attributes:
        attempt (int):
        start (float): epoch seconds
        end (float | None): epoch seconds
        status (AttemptStatus):
        reason (None | str): why it failed
        worker (None | str): the worker that ran it
        status_code (int | None): an HTTP call's answer status
        exit_code (int | None): a command's exit code
    """

    attempt: int
    start: float
    end: float | None
    status: AttemptStatus
    reason: None | str
    worker: None | str
    status_code: int | None
    exit_code: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempt = self.attempt

        start = self.start

        end: float | None
        end = self.end

        status: str = self.status

        reason: None | str
        reason = self.reason

        worker: None | str
        worker = self.worker

        status_code: int | None
        status_code = self.status_code

        exit_code: int | None
        exit_code = self.exit_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempt": attempt,
                "start": start,
                "end": end,
                "status": status,
                "reason": reason,
                "worker": worker,
                "status_code": status_code,
                "exit_code": exit_code,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempt = d.pop("attempt")

        start = d.pop("start")

        def _parse_end(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        end = _parse_end(d.pop("end"))

        status = check_attempt_status(d.pop("status"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        def _parse_worker(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        worker = _parse_worker(d.pop("worker"))

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        def _parse_exit_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        exit_code = _parse_exit_code(d.pop("exit_code"))

        attempt = cls(
            attempt=attempt,
            start=start,
            end=end,
            status=status,
            reason=reason,
            worker=worker,
            status_code=status_code,
            exit_code=exit_code,
        )

        attempt.additional_properties = d
        return attempt

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

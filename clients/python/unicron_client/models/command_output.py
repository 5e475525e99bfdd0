from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="CommandOutput")


@_attrs_define
class CommandOutput:
    """What a shell command printed and how it exited.

    Attributes:
        job_id (None | str): the job's id; null for an async task
        stdout (str):
        stderr (str):
        exit_code (int | None): null when it could not start; negative: killed by that signal
        truncated (bool): stdout or stderr was cut at the cluster's output limit Default: False.
    """

    job_id: None | str
    stdout: str
    stderr: str
    exit_code: int | None
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        job_id: None | str
        job_id = self.job_id

        stdout = self.stdout

        stderr = self.stderr

        exit_code: int | None
        exit_code = self.exit_code

        truncated = self.truncated

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "job_id": job_id,
                "stdout": stdout,
                "stderr": stderr,
                "exit_code": exit_code,
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

        stdout = d.pop("stdout")

        stderr = d.pop("stderr")

        def _parse_exit_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        exit_code = _parse_exit_code(d.pop("exit_code"))

        truncated = d.pop("truncated")

        command_output = cls(
            job_id=job_id,
            stdout=stdout,
            stderr=stderr,
            exit_code=exit_code,
            truncated=truncated,
        )

        return command_output

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.task_status import TaskStatus, check_task_status

if TYPE_CHECKING:
    from ..models.run_result import RunResult


T = TypeVar("T", bound="TaskView")


@_attrs_define
class TaskView:
    """An async task as the API answers it, in the original's Celery-like shape.

    Attributes:
        task_id (str):
        status (TaskStatus): Async task states, as the original (Celery) reported them.
        result (None | RunResult): the latest attempt's run; null until one finished
        traceback (None | str): why the task failed without a run (worker died, timed out)
        children (list[str]): always empty; kept from the original's shape
    """

    task_id: str
    status: TaskStatus
    result: None | RunResult
    traceback: None | str
    children: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.run_result import RunResult  # noqa: PLC0415

        task_id = self.task_id

        status: str = self.status

        result: dict[str, Any] | None
        if isinstance(self.result, RunResult):
            result = self.result.to_dict()
        else:
            result = self.result

        traceback: None | str
        traceback = self.traceback

        children = self.children

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "task_id": task_id,
                "status": status,
                "result": result,
                "traceback": traceback,
                "children": children,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.run_result import RunResult  # noqa: PLC0415

        d = dict(src_dict)
        task_id = d.pop("task_id")

        status = check_task_status(d.pop("status"))

        def _parse_result(data: object) -> None | RunResult:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                result_type_0 = RunResult.from_dict(data)

                return result_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RunResult, data)

        result = _parse_result(d.pop("result"))

        def _parse_traceback(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        traceback = _parse_traceback(d.pop("traceback"))

        children = cast(list[str], d.pop("children"))

        task_view = cls(
            task_id=task_id,
            status=status,
            result=result,
            traceback=traceback,
            children=children,
        )

        task_view.additional_properties = d
        return task_view

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

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.run_result_status import RunResultStatus, check_run_result_status
from ..models.run_result_trigger import RunResultTrigger, check_run_result_trigger

if TYPE_CHECKING:
    from ..models.attempt import Attempt
    from ..models.command_output import CommandOutput
    from ..models.http_output import HttpOutput
    from ..models.run_result_notifications import RunResultNotifications


T = TypeVar("T", bound="RunResult")


@_attrs_define
class RunResult:
    """One run of a job (a fire, a manual run, a skipped fire) or an attempt of an async task.

    Attributes:
        success (bool): true only for a 2xx answer or exit code 0
        start (float): epoch seconds
        end (float | None): epoch seconds; null while it runs
        output (CommandOutput | HttpOutput):
        run_id (str): unique per run: a job's runs are <job_id>-<scheduled ms>[-manual|-skipped]; commands see it as
            UNICRON_RUN_ID
        scheduled (float | None): the fire time this run is for, epoch seconds
        error (None | str): why the run failed without an answer (timeout, refused)
        notifications (RunResultNotifications): email/hook: sent or the failure
        job_id (None | str): the job's id; null for an async task
        status (RunResultStatus): queued, running, success, failure, skipped (a fire the job's state or overlap rule did
            not run), aborted or missed Default: 'success'.
        trigger (RunResultTrigger): what started it: schedule, manual, retry or catchup Default: 'schedule'.
        attempt (int): 1 for the first attempt Default: 1.
        reason (None | str): why it was skipped, aborted, missed or failed
        by (None | str): the name of the API key that started a manual run
        version (int | None): the version of the job's definition it ran
        worker (None | str): the worker that ran its latest attempt
        attempts (list[Attempt]): its earlier attempts, when it was tried again, oldest first
        next_attempt (float | None): when its next attempt is due, epoch seconds, while it waits for it (queued)
    """

    success: bool
    start: float
    end: float | None
    output: CommandOutput | HttpOutput
    run_id: str
    scheduled: float | None
    error: None | str
    notifications: RunResultNotifications
    job_id: None | str
    reason: None | str
    by: None | str
    version: int | None
    worker: None | str
    attempts: list[Attempt]
    next_attempt: float | None
    status: RunResultStatus = "success"
    trigger: RunResultTrigger = "schedule"
    attempt: int = 1
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.http_output import HttpOutput  # noqa: PLC0415

        success = self.success

        start = self.start

        end: float | None
        end = self.end

        output: dict[str, Any]
        if isinstance(self.output, HttpOutput):
            output = self.output.to_dict()
        else:
            output = self.output.to_dict()

        run_id = self.run_id

        scheduled: float | None
        scheduled = self.scheduled

        error: None | str
        error = self.error

        notifications = self.notifications.to_dict()

        job_id: None | str
        job_id = self.job_id

        status: str = self.status

        trigger: str = self.trigger

        attempt = self.attempt

        reason: None | str
        reason = self.reason

        by: None | str
        by = self.by

        version: int | None
        version = self.version

        worker: None | str
        worker = self.worker

        attempts = []
        for attempts_item_data in self.attempts:
            attempts_item = attempts_item_data.to_dict()
            attempts.append(attempts_item)

        next_attempt: float | None
        next_attempt = self.next_attempt

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
                "start": start,
                "end": end,
                "output": output,
                "run_id": run_id,
                "scheduled": scheduled,
                "error": error,
                "notifications": notifications,
                "job_id": job_id,
                "status": status,
                "trigger": trigger,
                "attempt": attempt,
                "reason": reason,
                "by": by,
                "version": version,
                "worker": worker,
                "attempts": attempts,
                "next_attempt": next_attempt,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.attempt import Attempt  # noqa: PLC0415
        from ..models.command_output import CommandOutput  # noqa: PLC0415
        from ..models.http_output import HttpOutput  # noqa: PLC0415
        from ..models.run_result_notifications import RunResultNotifications  # noqa: PLC0415

        d = dict(src_dict)
        success = d.pop("success")

        start = d.pop("start")

        def _parse_end(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        end = _parse_end(d.pop("end"))

        def _parse_output(data: object) -> CommandOutput | HttpOutput:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                output_type_0 = HttpOutput.from_dict(data)

                return output_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            output_type_1 = CommandOutput.from_dict(data)

            return output_type_1

        output = _parse_output(d.pop("output"))

        run_id = d.pop("run_id")

        def _parse_scheduled(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        scheduled = _parse_scheduled(d.pop("scheduled"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        notifications = RunResultNotifications.from_dict(d.pop("notifications"))

        def _parse_job_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        job_id = _parse_job_id(d.pop("job_id"))

        status = check_run_result_status(d.pop("status"))

        trigger = check_run_result_trigger(d.pop("trigger"))

        attempt = d.pop("attempt")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        def _parse_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        by = _parse_by(d.pop("by"))

        def _parse_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        version = _parse_version(d.pop("version"))

        def _parse_worker(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        worker = _parse_worker(d.pop("worker"))

        attempts = []
        _attempts = d.pop("attempts")
        for attempts_item_data in _attempts:
            attempts_item = Attempt.from_dict(attempts_item_data)

            attempts.append(attempts_item)

        def _parse_next_attempt(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        next_attempt = _parse_next_attempt(d.pop("next_attempt"))

        run_result = cls(
            success=success,
            start=start,
            end=end,
            output=output,
            run_id=run_id,
            scheduled=scheduled,
            error=error,
            notifications=notifications,
            job_id=job_id,
            status=status,
            trigger=trigger,
            attempt=attempt,
            reason=reason,
            by=by,
            version=version,
            worker=worker,
            attempts=attempts,
            next_attempt=next_attempt,
        )

        run_result.additional_properties = d
        return run_result

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

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_view_state import JobViewState, check_job_view_state
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_info import JobInfo
    from ..models.pause import Pause


T = TypeVar("T", bound="JobView")


@_attrs_define
class JobView:
    """A job as the API answers it: the original shape (last_run, run_count, schedule, info) and more.

    Attributes:
        last_run (float | None): epoch seconds of the latest run's start; null before the first
        run_count (int): runs so far
        schedule (str):
        info (JobInfo): A job's definition as answers show it: its spec but the schedule, header values masked.
        next_run (float | None): epoch seconds of the next fire; null when it never fires again
        timezone (None | str): the IANA zone the schedule is read in
        missed_count (int): fires missed beyond misfire_grace while no scheduler ran
        created (float): epoch seconds
        job_id (str): the job's id
        version (int): its definition's version: 1 when created, one more each change
        updated (float | None): epoch seconds of the latest change; null before one
        updated_by (None | str): the name of the API key that made the latest change
        paused (None | Pause): why and since when it does not fire; null while it does
        state (JobViewState): paused; else running (a run in progress); else failing (its latest run failed); else
            active
        created_by (None | str | Unset): the name of the API key that registered it
    """

    last_run: float | None
    run_count: int
    schedule: str
    info: JobInfo
    next_run: float | None
    timezone: None | str
    missed_count: int
    created: float
    job_id: str
    version: int
    updated: float | None
    updated_by: None | str
    paused: None | Pause
    state: JobViewState
    created_by: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.pause import Pause  # noqa: PLC0415

        last_run: float | None
        last_run = self.last_run

        run_count = self.run_count

        schedule = self.schedule

        info = self.info.to_dict()

        next_run: float | None
        next_run = self.next_run

        timezone: None | str
        timezone = self.timezone

        missed_count = self.missed_count

        created = self.created

        job_id = self.job_id

        version = self.version

        updated: float | None
        updated = self.updated

        updated_by: None | str
        updated_by = self.updated_by

        paused: dict[str, Any] | None
        if isinstance(self.paused, Pause):
            paused = self.paused.to_dict()
        else:
            paused = self.paused

        state: str = self.state

        created_by: None | str | Unset
        if isinstance(self.created_by, Unset):
            created_by = UNSET
        else:
            created_by = self.created_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "last_run": last_run,
                "run_count": run_count,
                "schedule": schedule,
                "info": info,
                "next_run": next_run,
                "timezone": timezone,
                "missed_count": missed_count,
                "created": created,
                "job_id": job_id,
                "version": version,
                "updated": updated,
                "updated_by": updated_by,
                "paused": paused,
                "state": state,
            }
        )
        if created_by is not UNSET:
            field_dict["created_by"] = created_by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_info import JobInfo  # noqa: PLC0415
        from ..models.pause import Pause  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_last_run(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        last_run = _parse_last_run(d.pop("last_run"))

        run_count = d.pop("run_count")

        schedule = d.pop("schedule")

        info = JobInfo.from_dict(d.pop("info"))

        def _parse_next_run(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        next_run = _parse_next_run(d.pop("next_run"))

        def _parse_timezone(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        timezone = _parse_timezone(d.pop("timezone"))

        missed_count = d.pop("missed_count")

        created = d.pop("created")

        job_id = d.pop("job_id")

        version = d.pop("version")

        def _parse_updated(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        updated = _parse_updated(d.pop("updated"))

        def _parse_updated_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        updated_by = _parse_updated_by(d.pop("updated_by"))

        def _parse_paused(data: object) -> None | Pause:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                paused_type_0 = Pause.from_dict(data)

                return paused_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Pause, data)

        paused = _parse_paused(d.pop("paused"))

        state = check_job_view_state(d.pop("state"))

        def _parse_created_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        created_by = _parse_created_by(d.pop("created_by", UNSET))

        job_view = cls(
            last_run=last_run,
            run_count=run_count,
            schedule=schedule,
            info=info,
            next_run=next_run,
            timezone=timezone,
            missed_count=missed_count,
            created=created,
            job_id=job_id,
            version=version,
            updated=updated,
            updated_by=updated_by,
            paused=paused,
            state=state,
            created_by=created_by,
        )

        job_view.additional_properties = d
        return job_view

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

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_info_catchup import JobInfoCatchup, check_job_info_catchup
from ..models.job_info_http_method import JobInfoHttpMethod, check_job_info_http_method
from ..models.job_info_notify import JobInfoNotify, check_job_info_notify
from ..models.job_info_overlap import JobInfoOverlap, check_job_info_overlap

if TYPE_CHECKING:
    from ..models.job_info_hook_headers import JobInfoHookHeaders
    from ..models.job_info_http_data import JobInfoHttpData
    from ..models.job_info_http_headers import JobInfoHttpHeaders
    from ..models.retry_backoff import RetryBackoff


T = TypeVar("T", bound="JobInfo")


@_attrs_define
class JobInfo:
    """A job's definition as answers show it: its spec but the schedule, header values masked.

    Attributes:
        name (str): a label for people; need not be unique
        http_url (None | str): absolute http(s) URL to call; exactly one of http_url and command
        http_method (JobInfoHttpMethod): the call's method; upper case is accepted too
        http_headers (JobInfoHttpHeaders): headers of the call; write-only: answers show each value as ***
        http_data (JobInfoHttpData): form body for post/put/patch, query string for the others; a JSON body when
            http_headers has Content-Type: application/json
        command (None | str): shell command (the cluster must allow commands); exactly one of http_url and command
        email (None | str): comma-separated addresses mailed each result
        hook_url (None | str): absolute http(s) URL each result is POSTed to as JSON
        hook_headers (JobInfoHookHeaders): headers of the result POST; write-only, like http_headers
        timeout (float | None): run time limit in seconds; default: the cluster's
        follow_redirects (bool): follow up to 3 redirects, each checked by the egress guard; default: none
        notify (JobInfoNotify): when email and hook_url are told: always (after every run), failure (a run that failed
            for good, from the alert_after-th in a row), change (when the job turns failing and when it recovers: one alert
            a change), never; missed and overrun runs are told in every mode but never
        retries (int): extra attempts after a failed run
        retry_backoff (RetryBackoff): How long a failed run waits before its next attempt (``policy.retry_delay_s``).
        timezone (None | str): IANA zone; default: the cluster's TZ
        catchup (JobInfoCatchup): fires missed beyond misfire_grace: latest runs the newest once, none skips them, all
            runs each (at most 100)
        misfire_grace (int | None): seconds; default: the cluster's
        alert_after (int): failures in a row before the job counts as failing (and is alerted)
        start_deadline (int | None): seconds after its fire time a run may still start; later it is recorded missed and
            alerted, not run; default: misfire_grace
        max_duration (float | None): seconds after which a run still going is alerted as an overrun (it goes on: timeout
            ends it)
        overlap (JobInfoOverlap): a run starting while another of the job runs: allow starts it beside (as cron), forbid
            records it skipped, replace aborts the running one first; a manual run with force always starts
        tags (list[str]): labels to find the job by (GET /api/jobs?tag=...), at most 20, each 1-64 of A-Z a-z 0-9 and _
            . : / @ = + - (not first)
        managed_by (None | str): what keeps this job's definition, if not people: `unicron apply` sets it, and `unicron
            apply --prune` deletes only the jobs it manages
    """

    name: str
    http_url: None | str
    http_method: JobInfoHttpMethod
    http_headers: JobInfoHttpHeaders
    http_data: JobInfoHttpData
    command: None | str
    email: None | str
    hook_url: None | str
    hook_headers: JobInfoHookHeaders
    timeout: float | None
    follow_redirects: bool
    notify: JobInfoNotify
    retries: int
    retry_backoff: RetryBackoff
    timezone: None | str
    catchup: JobInfoCatchup
    misfire_grace: int | None
    alert_after: int
    start_deadline: int | None
    max_duration: float | None
    overlap: JobInfoOverlap
    tags: list[str]
    managed_by: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        http_url: None | str
        http_url = self.http_url

        http_method: str = self.http_method

        http_headers = self.http_headers.to_dict()

        http_data = self.http_data.to_dict()

        command: None | str
        command = self.command

        email: None | str
        email = self.email

        hook_url: None | str
        hook_url = self.hook_url

        hook_headers = self.hook_headers.to_dict()

        timeout: float | None
        timeout = self.timeout

        follow_redirects = self.follow_redirects

        notify: str = self.notify

        retries = self.retries

        retry_backoff = self.retry_backoff.to_dict()

        timezone: None | str
        timezone = self.timezone

        catchup: str = self.catchup

        misfire_grace: int | None
        misfire_grace = self.misfire_grace

        alert_after = self.alert_after

        start_deadline: int | None
        start_deadline = self.start_deadline

        max_duration: float | None
        max_duration = self.max_duration

        overlap: str = self.overlap

        tags = self.tags

        managed_by: None | str
        managed_by = self.managed_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "http_url": http_url,
                "http_method": http_method,
                "http_headers": http_headers,
                "http_data": http_data,
                "command": command,
                "email": email,
                "hook_url": hook_url,
                "hook_headers": hook_headers,
                "timeout": timeout,
                "follow_redirects": follow_redirects,
                "notify": notify,
                "retries": retries,
                "retry_backoff": retry_backoff,
                "timezone": timezone,
                "catchup": catchup,
                "misfire_grace": misfire_grace,
                "alert_after": alert_after,
                "start_deadline": start_deadline,
                "max_duration": max_duration,
                "overlap": overlap,
                "tags": tags,
                "managed_by": managed_by,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_info_hook_headers import JobInfoHookHeaders  # noqa: PLC0415
        from ..models.job_info_http_data import JobInfoHttpData  # noqa: PLC0415
        from ..models.job_info_http_headers import JobInfoHttpHeaders  # noqa: PLC0415
        from ..models.retry_backoff import RetryBackoff  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        def _parse_http_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        http_url = _parse_http_url(d.pop("http_url"))

        http_method = check_job_info_http_method(d.pop("http_method"))

        http_headers = JobInfoHttpHeaders.from_dict(d.pop("http_headers"))

        http_data = JobInfoHttpData.from_dict(d.pop("http_data"))

        def _parse_command(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        command = _parse_command(d.pop("command"))

        def _parse_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        email = _parse_email(d.pop("email"))

        def _parse_hook_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        hook_url = _parse_hook_url(d.pop("hook_url"))

        hook_headers = JobInfoHookHeaders.from_dict(d.pop("hook_headers"))

        def _parse_timeout(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        timeout = _parse_timeout(d.pop("timeout"))

        follow_redirects = d.pop("follow_redirects")

        notify = check_job_info_notify(d.pop("notify"))

        retries = d.pop("retries")

        retry_backoff = RetryBackoff.from_dict(d.pop("retry_backoff"))

        def _parse_timezone(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        timezone = _parse_timezone(d.pop("timezone"))

        catchup = check_job_info_catchup(d.pop("catchup"))

        def _parse_misfire_grace(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        misfire_grace = _parse_misfire_grace(d.pop("misfire_grace"))

        alert_after = d.pop("alert_after")

        def _parse_start_deadline(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        start_deadline = _parse_start_deadline(d.pop("start_deadline"))

        def _parse_max_duration(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        max_duration = _parse_max_duration(d.pop("max_duration"))

        overlap = check_job_info_overlap(d.pop("overlap"))

        tags = cast(list[str], d.pop("tags"))

        def _parse_managed_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        managed_by = _parse_managed_by(d.pop("managed_by"))

        job_info = cls(
            name=name,
            http_url=http_url,
            http_method=http_method,
            http_headers=http_headers,
            http_data=http_data,
            command=command,
            email=email,
            hook_url=hook_url,
            hook_headers=hook_headers,
            timeout=timeout,
            follow_redirects=follow_redirects,
            notify=notify,
            retries=retries,
            retry_backoff=retry_backoff,
            timezone=timezone,
            catchup=catchup,
            misfire_grace=misfire_grace,
            alert_after=alert_after,
            start_deadline=start_deadline,
            max_duration=max_duration,
            overlap=overlap,
            tags=tags,
            managed_by=managed_by,
        )

        job_info.additional_properties = d
        return job_info

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

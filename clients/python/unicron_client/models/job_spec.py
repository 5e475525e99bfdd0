from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.job_spec_catchup import JobSpecCatchup, check_job_spec_catchup
from ..models.job_spec_http_method import JobSpecHttpMethod, check_job_spec_http_method
from ..models.job_spec_notify import JobSpecNotify, check_job_spec_notify
from ..models.job_spec_overlap import JobSpecOverlap, check_job_spec_overlap
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_spec_hook_headers import JobSpecHookHeaders
    from ..models.job_spec_http_data import JobSpecHttpData
    from ..models.job_spec_http_headers import JobSpecHttpHeaders
    from ..models.retry_backoff import RetryBackoff


T = TypeVar("T", bound="JobSpec")


@_attrs_define
class JobSpec:
    """A recurring job: a run spec plus when to fire it.

    Attributes:
        name (str): a label for people; need not be unique
        schedule (str): 5 fields (min hour dom mon dow), 6 with seconds first, a macro such as @daily, or @every
            <duration> such as @every 1h30m
        http_url (None | str | Unset): absolute http(s) URL to call; exactly one of http_url and command
        http_method (JobSpecHttpMethod | Unset): the call's method; upper case is accepted too Default: 'get'.
        http_headers (JobSpecHttpHeaders | Unset): headers of the call; write-only: answers show each value as ***
        http_data (JobSpecHttpData | Unset): form body for post/put/patch, query string for the others; a JSON body when
            http_headers has Content-Type: application/json
        command (None | str | Unset): shell command (the cluster must allow commands); exactly one of http_url and
            command
        email (None | str | Unset): comma-separated addresses mailed each result
        hook_url (None | str | Unset): absolute http(s) URL each result is POSTed to as JSON
        hook_headers (JobSpecHookHeaders | Unset): headers of the result POST; write-only, like http_headers
        timeout (float | None | Unset): run time limit in seconds; default: the cluster's
        follow_redirects (bool | Unset): follow up to 3 redirects, each checked by the egress guard; default: none
            Default: False.
        notify (JobSpecNotify | Unset): when email and hook_url are told: always (after every run), failure (a run that
            failed for good, from the alert_after-th in a row), change (when the job turns failing and when it recovers: one
            alert a change), never; missed and overrun runs are told in every mode but never Default: 'always'.
        retries (int | Unset): extra attempts after a failed run Default: 0.
        retry_backoff (RetryBackoff | Unset): How long a failed run waits before its next attempt
            (``policy.retry_delay_s``).
        timezone (None | str | Unset): IANA zone; default: the cluster's TZ
        catchup (JobSpecCatchup | Unset): fires missed beyond misfire_grace: latest runs the newest once, none skips
            them, all runs each (at most 100) Default: 'latest'.
        misfire_grace (int | None | Unset): seconds; default: the cluster's
        alert_after (int | Unset): failures in a row before the job counts as failing (and is alerted) Default: 1.
        start_deadline (int | None | Unset): seconds after its fire time a run may still start; later it is recorded
            missed and alerted, not run; default: misfire_grace
        max_duration (float | None | Unset): seconds after which a run still going is alerted as an overrun (it goes on:
            timeout ends it)
        overlap (JobSpecOverlap | Unset): a run starting while another of the job runs: allow starts it beside (as
            cron), forbid records it skipped, replace aborts the running one first; a manual run with force always starts
            Default: 'allow'.
        tags (list[str] | Unset): labels to find the job by (GET /api/jobs?tag=...), at most 20, each 1-64 of A-Z a-z
            0-9 and _ . : / @ = + - (not first)
        managed_by (None | str | Unset): what keeps this job's definition, if not people: `unicron apply` sets it, and
            `unicron apply --prune` deletes only the jobs it manages
    """

    name: str
    schedule: str
    http_url: None | str | Unset = UNSET
    http_method: JobSpecHttpMethod | Unset = "get"
    http_headers: JobSpecHttpHeaders | Unset = UNSET
    http_data: JobSpecHttpData | Unset = UNSET
    command: None | str | Unset = UNSET
    email: None | str | Unset = UNSET
    hook_url: None | str | Unset = UNSET
    hook_headers: JobSpecHookHeaders | Unset = UNSET
    timeout: float | None | Unset = UNSET
    follow_redirects: bool | Unset = False
    notify: JobSpecNotify | Unset = "always"
    retries: int | Unset = 0
    retry_backoff: RetryBackoff | Unset = UNSET
    timezone: None | str | Unset = UNSET
    catchup: JobSpecCatchup | Unset = "latest"
    misfire_grace: int | None | Unset = UNSET
    alert_after: int | Unset = 1
    start_deadline: int | None | Unset = UNSET
    max_duration: float | None | Unset = UNSET
    overlap: JobSpecOverlap | Unset = "allow"
    tags: list[str] | Unset = UNSET
    managed_by: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        schedule = self.schedule

        http_url: None | str | Unset
        if isinstance(self.http_url, Unset):
            http_url = UNSET
        else:
            http_url = self.http_url

        http_method: str | Unset = UNSET
        if not isinstance(self.http_method, Unset):
            http_method = self.http_method

        http_headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.http_headers, Unset):
            http_headers = self.http_headers.to_dict()

        http_data: dict[str, Any] | Unset = UNSET
        if not isinstance(self.http_data, Unset):
            http_data = self.http_data.to_dict()

        command: None | str | Unset
        if isinstance(self.command, Unset):
            command = UNSET
        else:
            command = self.command

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        hook_url: None | str | Unset
        if isinstance(self.hook_url, Unset):
            hook_url = UNSET
        else:
            hook_url = self.hook_url

        hook_headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.hook_headers, Unset):
            hook_headers = self.hook_headers.to_dict()

        timeout: float | None | Unset
        if isinstance(self.timeout, Unset):
            timeout = UNSET
        else:
            timeout = self.timeout

        follow_redirects = self.follow_redirects

        notify: str | Unset = UNSET
        if not isinstance(self.notify, Unset):
            notify = self.notify

        retries = self.retries

        retry_backoff: dict[str, Any] | Unset = UNSET
        if not isinstance(self.retry_backoff, Unset):
            retry_backoff = self.retry_backoff.to_dict()

        timezone: None | str | Unset
        if isinstance(self.timezone, Unset):
            timezone = UNSET
        else:
            timezone = self.timezone

        catchup: str | Unset = UNSET
        if not isinstance(self.catchup, Unset):
            catchup = self.catchup

        misfire_grace: int | None | Unset
        if isinstance(self.misfire_grace, Unset):
            misfire_grace = UNSET
        else:
            misfire_grace = self.misfire_grace

        alert_after = self.alert_after

        start_deadline: int | None | Unset
        if isinstance(self.start_deadline, Unset):
            start_deadline = UNSET
        else:
            start_deadline = self.start_deadline

        max_duration: float | None | Unset
        if isinstance(self.max_duration, Unset):
            max_duration = UNSET
        else:
            max_duration = self.max_duration

        overlap: str | Unset = UNSET
        if not isinstance(self.overlap, Unset):
            overlap = self.overlap

        tags: list[str] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags

        managed_by: None | str | Unset
        if isinstance(self.managed_by, Unset):
            managed_by = UNSET
        else:
            managed_by = self.managed_by

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "schedule": schedule,
            }
        )
        if http_url is not UNSET:
            field_dict["http_url"] = http_url
        if http_method is not UNSET:
            field_dict["http_method"] = http_method
        if http_headers is not UNSET:
            field_dict["http_headers"] = http_headers
        if http_data is not UNSET:
            field_dict["http_data"] = http_data
        if command is not UNSET:
            field_dict["command"] = command
        if email is not UNSET:
            field_dict["email"] = email
        if hook_url is not UNSET:
            field_dict["hook_url"] = hook_url
        if hook_headers is not UNSET:
            field_dict["hook_headers"] = hook_headers
        if timeout is not UNSET:
            field_dict["timeout"] = timeout
        if follow_redirects is not UNSET:
            field_dict["follow_redirects"] = follow_redirects
        if notify is not UNSET:
            field_dict["notify"] = notify
        if retries is not UNSET:
            field_dict["retries"] = retries
        if retry_backoff is not UNSET:
            field_dict["retry_backoff"] = retry_backoff
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if catchup is not UNSET:
            field_dict["catchup"] = catchup
        if misfire_grace is not UNSET:
            field_dict["misfire_grace"] = misfire_grace
        if alert_after is not UNSET:
            field_dict["alert_after"] = alert_after
        if start_deadline is not UNSET:
            field_dict["start_deadline"] = start_deadline
        if max_duration is not UNSET:
            field_dict["max_duration"] = max_duration
        if overlap is not UNSET:
            field_dict["overlap"] = overlap
        if tags is not UNSET:
            field_dict["tags"] = tags
        if managed_by is not UNSET:
            field_dict["managed_by"] = managed_by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_spec_hook_headers import JobSpecHookHeaders  # noqa: PLC0415
        from ..models.job_spec_http_data import JobSpecHttpData  # noqa: PLC0415
        from ..models.job_spec_http_headers import JobSpecHttpHeaders  # noqa: PLC0415
        from ..models.retry_backoff import RetryBackoff  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        schedule = d.pop("schedule")

        def _parse_http_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        http_url = _parse_http_url(d.pop("http_url", UNSET))

        _http_method = d.pop("http_method", UNSET)
        http_method: JobSpecHttpMethod | Unset
        if isinstance(_http_method, Unset):
            http_method = UNSET
        else:
            http_method = check_job_spec_http_method(_http_method)

        _http_headers = d.pop("http_headers", UNSET)
        http_headers: JobSpecHttpHeaders | Unset
        if isinstance(_http_headers, Unset):
            http_headers = UNSET
        else:
            http_headers = JobSpecHttpHeaders.from_dict(_http_headers)

        _http_data = d.pop("http_data", UNSET)
        http_data: JobSpecHttpData | Unset
        if isinstance(_http_data, Unset):
            http_data = UNSET
        else:
            http_data = JobSpecHttpData.from_dict(_http_data)

        def _parse_command(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        command = _parse_command(d.pop("command", UNSET))

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        def _parse_hook_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        hook_url = _parse_hook_url(d.pop("hook_url", UNSET))

        _hook_headers = d.pop("hook_headers", UNSET)
        hook_headers: JobSpecHookHeaders | Unset
        if isinstance(_hook_headers, Unset):
            hook_headers = UNSET
        else:
            hook_headers = JobSpecHookHeaders.from_dict(_hook_headers)

        def _parse_timeout(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        timeout = _parse_timeout(d.pop("timeout", UNSET))

        follow_redirects = d.pop("follow_redirects", UNSET)

        _notify = d.pop("notify", UNSET)
        notify: JobSpecNotify | Unset
        if isinstance(_notify, Unset):
            notify = UNSET
        else:
            notify = check_job_spec_notify(_notify)

        retries = d.pop("retries", UNSET)

        _retry_backoff = d.pop("retry_backoff", UNSET)
        retry_backoff: RetryBackoff | Unset
        if isinstance(_retry_backoff, Unset):
            retry_backoff = UNSET
        else:
            retry_backoff = RetryBackoff.from_dict(_retry_backoff)

        def _parse_timezone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timezone = _parse_timezone(d.pop("timezone", UNSET))

        _catchup = d.pop("catchup", UNSET)
        catchup: JobSpecCatchup | Unset
        if isinstance(_catchup, Unset):
            catchup = UNSET
        else:
            catchup = check_job_spec_catchup(_catchup)

        def _parse_misfire_grace(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        misfire_grace = _parse_misfire_grace(d.pop("misfire_grace", UNSET))

        alert_after = d.pop("alert_after", UNSET)

        def _parse_start_deadline(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        start_deadline = _parse_start_deadline(d.pop("start_deadline", UNSET))

        def _parse_max_duration(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        max_duration = _parse_max_duration(d.pop("max_duration", UNSET))

        _overlap = d.pop("overlap", UNSET)
        overlap: JobSpecOverlap | Unset
        if isinstance(_overlap, Unset):
            overlap = UNSET
        else:
            overlap = check_job_spec_overlap(_overlap)

        tags = cast(list[str], d.pop("tags", UNSET))

        def _parse_managed_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        managed_by = _parse_managed_by(d.pop("managed_by", UNSET))

        job_spec = cls(
            name=name,
            schedule=schedule,
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

        return job_spec

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.task_spec_http_method import TaskSpecHttpMethod, check_task_spec_http_method
from ..models.task_spec_notify import TaskSpecNotify, check_task_spec_notify
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.retry_backoff import RetryBackoff
    from ..models.task_spec_hook_headers import TaskSpecHookHeaders
    from ..models.task_spec_http_data import TaskSpecHttpData
    from ..models.task_spec_http_headers import TaskSpecHttpHeaders


T = TypeVar("T", bound="TaskSpec")


@_attrs_define
class TaskSpec:
    """A one-off async task.

    Attributes:
        name (str): a label for people; need not be unique
        http_url (None | str | Unset): absolute http(s) URL to call; exactly one of http_url and command
        http_method (TaskSpecHttpMethod | Unset): the call's method; upper case is accepted too Default: 'get'.
        http_headers (TaskSpecHttpHeaders | Unset): headers of the call; write-only: answers show each value as ***
        http_data (TaskSpecHttpData | Unset): form body for post/put/patch, query string for the others; a JSON body
            when http_headers has Content-Type: application/json
        command (None | str | Unset): shell command (the cluster must allow commands); exactly one of http_url and
            command
        email (None | str | Unset): comma-separated addresses mailed each result
        hook_url (None | str | Unset): absolute http(s) URL each result is POSTed to as JSON
        hook_headers (TaskSpecHookHeaders | Unset): headers of the result POST; write-only, like http_headers
        timeout (float | None | Unset): run time limit in seconds; default: the cluster's
        follow_redirects (bool | Unset): follow up to 3 redirects, each checked by the egress guard; default: none
            Default: False.
        notify (TaskSpecNotify | Unset): when email and hook_url are told: always (after every run), failure (a run that
            failed for good, from the alert_after-th in a row), change (when the job turns failing and when it recovers: one
            alert a change), never; missed and overrun runs are told in every mode but never Default: 'always'.
        retries (int | Unset): extra attempts after a failed run Default: 0.
        retry_backoff (RetryBackoff | Unset): How long a failed run waits before its next attempt
            (``policy.retry_delay_s``).
    """

    name: str
    http_url: None | str | Unset = UNSET
    http_method: TaskSpecHttpMethod | Unset = "get"
    http_headers: TaskSpecHttpHeaders | Unset = UNSET
    http_data: TaskSpecHttpData | Unset = UNSET
    command: None | str | Unset = UNSET
    email: None | str | Unset = UNSET
    hook_url: None | str | Unset = UNSET
    hook_headers: TaskSpecHookHeaders | Unset = UNSET
    timeout: float | None | Unset = UNSET
    follow_redirects: bool | Unset = False
    notify: TaskSpecNotify | Unset = "always"
    retries: int | Unset = 0
    retry_backoff: RetryBackoff | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

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

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
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

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.retry_backoff import RetryBackoff  # noqa: PLC0415
        from ..models.task_spec_hook_headers import TaskSpecHookHeaders  # noqa: PLC0415
        from ..models.task_spec_http_data import TaskSpecHttpData  # noqa: PLC0415
        from ..models.task_spec_http_headers import TaskSpecHttpHeaders  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        def _parse_http_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        http_url = _parse_http_url(d.pop("http_url", UNSET))

        _http_method = d.pop("http_method", UNSET)
        http_method: TaskSpecHttpMethod | Unset
        if isinstance(_http_method, Unset):
            http_method = UNSET
        else:
            http_method = check_task_spec_http_method(_http_method)

        _http_headers = d.pop("http_headers", UNSET)
        http_headers: TaskSpecHttpHeaders | Unset
        if isinstance(_http_headers, Unset):
            http_headers = UNSET
        else:
            http_headers = TaskSpecHttpHeaders.from_dict(_http_headers)

        _http_data = d.pop("http_data", UNSET)
        http_data: TaskSpecHttpData | Unset
        if isinstance(_http_data, Unset):
            http_data = UNSET
        else:
            http_data = TaskSpecHttpData.from_dict(_http_data)

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
        hook_headers: TaskSpecHookHeaders | Unset
        if isinstance(_hook_headers, Unset):
            hook_headers = UNSET
        else:
            hook_headers = TaskSpecHookHeaders.from_dict(_hook_headers)

        def _parse_timeout(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        timeout = _parse_timeout(d.pop("timeout", UNSET))

        follow_redirects = d.pop("follow_redirects", UNSET)

        _notify = d.pop("notify", UNSET)
        notify: TaskSpecNotify | Unset
        if isinstance(_notify, Unset):
            notify = UNSET
        else:
            notify = check_task_spec_notify(_notify)

        retries = d.pop("retries", UNSET)

        _retry_backoff = d.pop("retry_backoff", UNSET)
        retry_backoff: RetryBackoff | Unset
        if isinstance(_retry_backoff, Unset):
            retry_backoff = UNSET
        else:
            retry_backoff = RetryBackoff.from_dict(_retry_backoff)

        task_spec = cls(
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
        )

        return task_spec

from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.page_runs_status_type_0 import PageRunsStatusType0
from ...models.page_runs_trigger_type_0 import PageRunsTriggerType0
from ...models.runs_page_envelope import RunsPageEnvelope
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 100,
    cursor: None | str | Unset = UNSET,
    job_id: None | str | Unset = UNSET,
    status: None | PageRunsStatusType0 | Unset = UNSET,
    trigger: None | PageRunsTriggerType0 | Unset = UNSET,
    since: float | None | Unset = UNSET,
    until: float | None | Unset = UNSET,
    tag: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_job_id: None | str | Unset
    if isinstance(job_id, Unset):
        json_job_id = UNSET
    else:
        json_job_id = job_id
    params["job_id"] = json_job_id

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, str):
        json_status = status
    else:
        json_status = status
    params["status"] = json_status

    json_trigger: None | str | Unset
    if isinstance(trigger, Unset):
        json_trigger = UNSET
    elif isinstance(trigger, str):
        json_trigger = trigger
    else:
        json_trigger = trigger
    params["trigger"] = json_trigger

    json_since: float | None | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    else:
        json_since = since
    params["since"] = json_since

    json_until: float | None | Unset
    if isinstance(until, Unset):
        json_until = UNSET
    else:
        json_until = until
    params["until"] = json_until

    json_tag: None | str | Unset
    if isinstance(tag, Unset):
        json_tag = UNSET
    else:
        json_tag = tag
    params["tag"] = json_tag

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/runs",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | RunsPageEnvelope | None:
    if response.status_code == 200:
        response_200 = RunsPageEnvelope.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorEnvelope.from_dict(response.json())

        return response_403

    if response.status_code == 422:
        response_422 = ErrorEnvelope.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorEnvelope.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = ErrorEnvelope.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorEnvelope | RunsPageEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 100,
    cursor: None | str | Unset = UNSET,
    job_id: None | str | Unset = UNSET,
    status: None | PageRunsStatusType0 | Unset = UNSET,
    trigger: None | PageRunsTriggerType0 | Unset = UNSET,
    since: float | None | Unset = UNSET,
    until: float | None | Unset = UNSET,
    tag: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | RunsPageEnvelope]:
    """Runs, a page at a time

     Every job's runs of the retention window, newest first, `limit` a page: pass `next_cursor` as
    `cursor` for the next one. Failed, skipped, aborted and missed runs are indexed by status; other
    filters are read page by page, so a filtered page may hold fewer runs than `limit` and still have
    a `next_cursor` (it stops after reading 2,000 runs).

    Args:
        limit (int | Unset): runs a page holds at most Default: 100.
        cursor (None | str | Unset): next_cursor of the page before
        job_id (None | str | Unset): one job's runs
        status (None | PageRunsStatusType0 | Unset): runs of this status
        trigger (None | PageRunsTriggerType0 | Unset): runs started so
        since (float | None | Unset): started at or after, epoch seconds
        until (float | None | Unset): started at or before, epoch seconds
        tag (None | str | Unset): runs of jobs with this tag

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | RunsPageEnvelope]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        job_id=job_id,
        status=status,
        trigger=trigger,
        since=since,
        until=until,
        tag=tag,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 100,
    cursor: None | str | Unset = UNSET,
    job_id: None | str | Unset = UNSET,
    status: None | PageRunsStatusType0 | Unset = UNSET,
    trigger: None | PageRunsTriggerType0 | Unset = UNSET,
    since: float | None | Unset = UNSET,
    until: float | None | Unset = UNSET,
    tag: None | str | Unset = UNSET,
) -> ErrorEnvelope | RunsPageEnvelope | None:
    """Runs, a page at a time

     Every job's runs of the retention window, newest first, `limit` a page: pass `next_cursor` as
    `cursor` for the next one. Failed, skipped, aborted and missed runs are indexed by status; other
    filters are read page by page, so a filtered page may hold fewer runs than `limit` and still have
    a `next_cursor` (it stops after reading 2,000 runs).

    Args:
        limit (int | Unset): runs a page holds at most Default: 100.
        cursor (None | str | Unset): next_cursor of the page before
        job_id (None | str | Unset): one job's runs
        status (None | PageRunsStatusType0 | Unset): runs of this status
        trigger (None | PageRunsTriggerType0 | Unset): runs started so
        since (float | None | Unset): started at or after, epoch seconds
        until (float | None | Unset): started at or before, epoch seconds
        tag (None | str | Unset): runs of jobs with this tag

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | RunsPageEnvelope
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        job_id=job_id,
        status=status,
        trigger=trigger,
        since=since,
        until=until,
        tag=tag,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 100,
    cursor: None | str | Unset = UNSET,
    job_id: None | str | Unset = UNSET,
    status: None | PageRunsStatusType0 | Unset = UNSET,
    trigger: None | PageRunsTriggerType0 | Unset = UNSET,
    since: float | None | Unset = UNSET,
    until: float | None | Unset = UNSET,
    tag: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | RunsPageEnvelope]:
    """Runs, a page at a time

     Every job's runs of the retention window, newest first, `limit` a page: pass `next_cursor` as
    `cursor` for the next one. Failed, skipped, aborted and missed runs are indexed by status; other
    filters are read page by page, so a filtered page may hold fewer runs than `limit` and still have
    a `next_cursor` (it stops after reading 2,000 runs).

    Args:
        limit (int | Unset): runs a page holds at most Default: 100.
        cursor (None | str | Unset): next_cursor of the page before
        job_id (None | str | Unset): one job's runs
        status (None | PageRunsStatusType0 | Unset): runs of this status
        trigger (None | PageRunsTriggerType0 | Unset): runs started so
        since (float | None | Unset): started at or after, epoch seconds
        until (float | None | Unset): started at or before, epoch seconds
        tag (None | str | Unset): runs of jobs with this tag

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | RunsPageEnvelope]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        job_id=job_id,
        status=status,
        trigger=trigger,
        since=since,
        until=until,
        tag=tag,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 100,
    cursor: None | str | Unset = UNSET,
    job_id: None | str | Unset = UNSET,
    status: None | PageRunsStatusType0 | Unset = UNSET,
    trigger: None | PageRunsTriggerType0 | Unset = UNSET,
    since: float | None | Unset = UNSET,
    until: float | None | Unset = UNSET,
    tag: None | str | Unset = UNSET,
) -> ErrorEnvelope | RunsPageEnvelope | None:
    """Runs, a page at a time

     Every job's runs of the retention window, newest first, `limit` a page: pass `next_cursor` as
    `cursor` for the next one. Failed, skipped, aborted and missed runs are indexed by status; other
    filters are read page by page, so a filtered page may hold fewer runs than `limit` and still have
    a `next_cursor` (it stops after reading 2,000 runs).

    Args:
        limit (int | Unset): runs a page holds at most Default: 100.
        cursor (None | str | Unset): next_cursor of the page before
        job_id (None | str | Unset): one job's runs
        status (None | PageRunsStatusType0 | Unset): runs of this status
        trigger (None | PageRunsTriggerType0 | Unset): runs started so
        since (float | None | Unset): started at or after, epoch seconds
        until (float | None | Unset): started at or before, epoch seconds
        tag (None | str | Unset): runs of jobs with this tag

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | RunsPageEnvelope
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            job_id=job_id,
            status=status,
            trigger=trigger,
            since=since,
            until=until,
            tag=tag,
        )
    ).parsed

from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.jobs_page_envelope import JobsPageEnvelope
from ...models.page_jobs_state_type_0 import PageJobsStateType0
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 100,
    cursor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    state: None | PageJobsStateType0 | Unset = UNSET,
    managed_by: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_q: None | str | Unset
    if isinstance(q, Unset):
        json_q = UNSET
    else:
        json_q = q
    params["q"] = json_q

    json_tag: list[str] | Unset = UNSET
    if not isinstance(tag, Unset):
        json_tag = tag

    params["tag"] = json_tag

    json_state: None | str | Unset
    if isinstance(state, Unset):
        json_state = UNSET
    elif isinstance(state, str):
        json_state = state
    else:
        json_state = state
    params["state"] = json_state

    json_managed_by: None | str | Unset
    if isinstance(managed_by, Unset):
        json_managed_by = UNSET
    else:
        json_managed_by = managed_by
    params["managed_by"] = json_managed_by

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/jobs",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | JobsPageEnvelope | None:
    if response.status_code == 200:
        response_200 = JobsPageEnvelope.from_dict(response.json())

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
) -> Response[ErrorEnvelope | JobsPageEnvelope]:
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
    q: None | str | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    state: None | PageJobsStateType0 | Unset = UNSET,
    managed_by: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | JobsPageEnvelope]:
    """Jobs, a page at a time

     Jobs in the order they were created, read from indexes, `limit` a page: pass `next_cursor`
    as `cursor` for the next one. Filters combine: `q` (the name contains it, any case), `tag` (each
    given), `state` (`failing`: the latest run failed; `running`: a run in progress), `managed_by`.
    `total` counts every match (null with `q`, which would read every job's name). A filtered page
    may hold fewer jobs than `limit` and still have a `next_cursor`: it stops after reading 5,000
    candidates.

    Args:
        limit (int | Unset): jobs a page holds at most Default: 100.
        cursor (None | str | Unset): next_cursor of the page before
        q (None | str | Unset): the name contains it
        tag (list[str] | Unset): the job has every tag given (repeat it)
        state (None | PageJobsStateType0 | Unset): active, paused, failing, running
        managed_by (None | str | Unset): the job's owner

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | JobsPageEnvelope]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        q=q,
        tag=tag,
        state=state,
        managed_by=managed_by,
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
    q: None | str | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    state: None | PageJobsStateType0 | Unset = UNSET,
    managed_by: None | str | Unset = UNSET,
) -> ErrorEnvelope | JobsPageEnvelope | None:
    """Jobs, a page at a time

     Jobs in the order they were created, read from indexes, `limit` a page: pass `next_cursor`
    as `cursor` for the next one. Filters combine: `q` (the name contains it, any case), `tag` (each
    given), `state` (`failing`: the latest run failed; `running`: a run in progress), `managed_by`.
    `total` counts every match (null with `q`, which would read every job's name). A filtered page
    may hold fewer jobs than `limit` and still have a `next_cursor`: it stops after reading 5,000
    candidates.

    Args:
        limit (int | Unset): jobs a page holds at most Default: 100.
        cursor (None | str | Unset): next_cursor of the page before
        q (None | str | Unset): the name contains it
        tag (list[str] | Unset): the job has every tag given (repeat it)
        state (None | PageJobsStateType0 | Unset): active, paused, failing, running
        managed_by (None | str | Unset): the job's owner

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | JobsPageEnvelope
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        q=q,
        tag=tag,
        state=state,
        managed_by=managed_by,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 100,
    cursor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    state: None | PageJobsStateType0 | Unset = UNSET,
    managed_by: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | JobsPageEnvelope]:
    """Jobs, a page at a time

     Jobs in the order they were created, read from indexes, `limit` a page: pass `next_cursor`
    as `cursor` for the next one. Filters combine: `q` (the name contains it, any case), `tag` (each
    given), `state` (`failing`: the latest run failed; `running`: a run in progress), `managed_by`.
    `total` counts every match (null with `q`, which would read every job's name). A filtered page
    may hold fewer jobs than `limit` and still have a `next_cursor`: it stops after reading 5,000
    candidates.

    Args:
        limit (int | Unset): jobs a page holds at most Default: 100.
        cursor (None | str | Unset): next_cursor of the page before
        q (None | str | Unset): the name contains it
        tag (list[str] | Unset): the job has every tag given (repeat it)
        state (None | PageJobsStateType0 | Unset): active, paused, failing, running
        managed_by (None | str | Unset): the job's owner

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | JobsPageEnvelope]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        q=q,
        tag=tag,
        state=state,
        managed_by=managed_by,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 100,
    cursor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    state: None | PageJobsStateType0 | Unset = UNSET,
    managed_by: None | str | Unset = UNSET,
) -> ErrorEnvelope | JobsPageEnvelope | None:
    """Jobs, a page at a time

     Jobs in the order they were created, read from indexes, `limit` a page: pass `next_cursor`
    as `cursor` for the next one. Filters combine: `q` (the name contains it, any case), `tag` (each
    given), `state` (`failing`: the latest run failed; `running`: a run in progress), `managed_by`.
    `total` counts every match (null with `q`, which would read every job's name). A filtered page
    may hold fewer jobs than `limit` and still have a `next_cursor`: it stops after reading 5,000
    candidates.

    Args:
        limit (int | Unset): jobs a page holds at most Default: 100.
        cursor (None | str | Unset): next_cursor of the page before
        q (None | str | Unset): the name contains it
        tag (list[str] | Unset): the job has every tag given (repeat it)
        state (None | PageJobsStateType0 | Unset): active, paused, failing, running
        managed_by (None | str | Unset): the job's owner

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | JobsPageEnvelope
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            q=q,
            tag=tag,
            state=state,
            managed_by=managed_by,
        )
    ).parsed

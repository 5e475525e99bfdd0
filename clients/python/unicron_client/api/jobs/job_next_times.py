from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.schedule_times_envelope import ScheduleTimesEnvelope
from ...types import UNSET, Response, Unset


def _get_kwargs(
    job_id: str,
    *,
    count: int | Unset = 5,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["count"] = count

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/job/{job_id}/next".format(
            job_id=quote(str(job_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | ScheduleTimesEnvelope | None:
    if response.status_code == 200:
        response_200 = ScheduleTimesEnvelope.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorEnvelope.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorEnvelope.from_dict(response.json())

        return response_404

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
) -> Response[ErrorEnvelope | ScheduleTimesEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient,
    count: int | Unset = 5,
) -> Response[ErrorEnvelope | ScheduleTimesEnvelope]:
    """A job's next fire times

     The job's next `count` (1-100, default 5) fire times from now in its zone (ISO 8601 with the
    offset, and epoch ms), and its schedule in words. A paused job answers the times its schedule
    has; it fires at the first of them after it is resumed.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        count (int | Unset): how many fire times Default: 5.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ScheduleTimesEnvelope]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        count=count,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    job_id: str,
    *,
    client: AuthenticatedClient,
    count: int | Unset = 5,
) -> ErrorEnvelope | ScheduleTimesEnvelope | None:
    """A job's next fire times

     The job's next `count` (1-100, default 5) fire times from now in its zone (ISO 8601 with the
    offset, and epoch ms), and its schedule in words. A paused job answers the times its schedule
    has; it fires at the first of them after it is resumed.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        count (int | Unset): how many fire times Default: 5.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ScheduleTimesEnvelope
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
        count=count,
    ).parsed


async def asyncio_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient,
    count: int | Unset = 5,
) -> Response[ErrorEnvelope | ScheduleTimesEnvelope]:
    """A job's next fire times

     The job's next `count` (1-100, default 5) fire times from now in its zone (ISO 8601 with the
    offset, and epoch ms), and its schedule in words. A paused job answers the times its schedule
    has; it fires at the first of them after it is resumed.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        count (int | Unset): how many fire times Default: 5.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ScheduleTimesEnvelope]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        count=count,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    job_id: str,
    *,
    client: AuthenticatedClient,
    count: int | Unset = 5,
) -> ErrorEnvelope | ScheduleTimesEnvelope | None:
    """A job's next fire times

     The job's next `count` (1-100, default 5) fire times from now in its zone (ISO 8601 with the
    offset, and epoch ms), and its schedule in words. A paused job answers the times its schedule
    has; it fires at the first of them after it is resumed.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        count (int | Unset): how many fire times Default: 5.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ScheduleTimesEnvelope
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
            count=count,
        )
    ).parsed

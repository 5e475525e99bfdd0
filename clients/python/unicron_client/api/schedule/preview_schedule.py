from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.schedule_preview import SchedulePreview
from ...models.schedule_times_envelope import ScheduleTimesEnvelope
from ...types import Response


def _get_kwargs(
    *,
    body: SchedulePreview,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/schedule/preview",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | ScheduleTimesEnvelope | None:
    if response.status_code == 200:
        response_200 = ScheduleTimesEnvelope.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorEnvelope.from_dict(response.json())

        return response_403

    if response.status_code == 413:
        response_413 = ErrorEnvelope.from_dict(response.json())

        return response_413

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
    *,
    client: AuthenticatedClient,
    body: SchedulePreview,
) -> Response[ErrorEnvelope | ScheduleTimesEnvelope]:
    """Preview a schedule

     Checks a schedule and explains it without creating a job: its next `count` fire times after
    `after` (default now) in `timezone` (default the cluster's `TZ`), and a description in words.

    A 422 names the field (`schedule`, `timezone`, `after`, `count`) and says what is wrong with it;
    a schedule this cluster would refuse for firing too often (`UNICRON_MIN_INTERVAL`) is one too.

    Args:
        body (SchedulePreview): A schedule to check and explain, without creating a job.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ScheduleTimesEnvelope]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: SchedulePreview,
) -> ErrorEnvelope | ScheduleTimesEnvelope | None:
    """Preview a schedule

     Checks a schedule and explains it without creating a job: its next `count` fire times after
    `after` (default now) in `timezone` (default the cluster's `TZ`), and a description in words.

    A 422 names the field (`schedule`, `timezone`, `after`, `count`) and says what is wrong with it;
    a schedule this cluster would refuse for firing too often (`UNICRON_MIN_INTERVAL`) is one too.

    Args:
        body (SchedulePreview): A schedule to check and explain, without creating a job.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ScheduleTimesEnvelope
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: SchedulePreview,
) -> Response[ErrorEnvelope | ScheduleTimesEnvelope]:
    """Preview a schedule

     Checks a schedule and explains it without creating a job: its next `count` fire times after
    `after` (default now) in `timezone` (default the cluster's `TZ`), and a description in words.

    A 422 names the field (`schedule`, `timezone`, `after`, `count`) and says what is wrong with it;
    a schedule this cluster would refuse for firing too often (`UNICRON_MIN_INTERVAL`) is one too.

    Args:
        body (SchedulePreview): A schedule to check and explain, without creating a job.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ScheduleTimesEnvelope]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: SchedulePreview,
) -> ErrorEnvelope | ScheduleTimesEnvelope | None:
    """Preview a schedule

     Checks a schedule and explains it without creating a job: its next `count` fire times after
    `after` (default now) in `timezone` (default the cluster's `TZ`), and a description in words.

    A 422 names the field (`schedule`, `timezone`, `after`, `count`) and says what is wrong with it;
    a schedule this cluster would refuse for firing too often (`UNICRON_MIN_INTERVAL`) is one too.

    Args:
        body (SchedulePreview): A schedule to check and explain, without creating a job.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ScheduleTimesEnvelope
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed

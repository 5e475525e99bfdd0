from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.run_request import RunRequest
from ...models.run_started_envelope import RunStartedEnvelope
from ...types import UNSET, Response, Unset


def _get_kwargs(
    job_id: str,
    *,
    body: RunRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/job/{job_id}/run".format(
            job_id=quote(str(job_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | RunStartedEnvelope | None:
    if response.status_code == 202:
        response_202 = RunStartedEnvelope.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorEnvelope.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorEnvelope.from_dict(response.json())

        return response_404

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
) -> Response[ErrorEnvelope | RunStartedEnvelope]:
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
    body: RunRequest | Unset = UNSET,
) -> Response[ErrorEnvelope | RunStartedEnvelope]:
    """Run a job now

     Queues a run of the job now, through the same idempotent path as a fire: it is in the job's
    history with `trigger: manual` and the key's name as `by`. A paused job runs too. It obeys the
    job's `overlap` rule unless `force`. A command job needs a key with the `commands` scope.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        body (RunRequest | Unset): A run started by hand.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | RunStartedEnvelope]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    job_id: str,
    *,
    client: AuthenticatedClient,
    body: RunRequest | Unset = UNSET,
) -> ErrorEnvelope | RunStartedEnvelope | None:
    """Run a job now

     Queues a run of the job now, through the same idempotent path as a fire: it is in the job's
    history with `trigger: manual` and the key's name as `by`. A paused job runs too. It obeys the
    job's `overlap` rule unless `force`. A command job needs a key with the `commands` scope.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        body (RunRequest | Unset): A run started by hand.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | RunStartedEnvelope
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient,
    body: RunRequest | Unset = UNSET,
) -> Response[ErrorEnvelope | RunStartedEnvelope]:
    """Run a job now

     Queues a run of the job now, through the same idempotent path as a fire: it is in the job's
    history with `trigger: manual` and the key's name as `by`. A paused job runs too. It obeys the
    job's `overlap` rule unless `force`. A command job needs a key with the `commands` scope.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        body (RunRequest | Unset): A run started by hand.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | RunStartedEnvelope]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    job_id: str,
    *,
    client: AuthenticatedClient,
    body: RunRequest | Unset = UNSET,
) -> ErrorEnvelope | RunStartedEnvelope | None:
    """Run a job now

     Queues a run of the job now, through the same idempotent path as a fire: it is in the job's
    history with `trigger: manual` and the key's name as `by`. A paused job runs too. It obeys the
    job's `overlap` rule unless `force`. A command job needs a key with the `commands` scope.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        body (RunRequest | Unset): A run started by hand.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | RunStartedEnvelope
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
            body=body,
        )
    ).parsed

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.job_envelope import JobEnvelope
from ...models.pause_request import PauseRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    job_id: str,
    *,
    body: PauseRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/job/{job_id}/pause".format(
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
) -> ErrorEnvelope | JobEnvelope | None:
    if response.status_code == 200:
        response_200 = JobEnvelope.from_dict(response.json())

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
) -> Response[ErrorEnvelope | JobEnvelope]:
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
    body: PauseRequest | Unset = UNSET,
) -> Response[ErrorEnvelope | JobEnvelope]:
    """Pause a job

     Stops the job firing until resumed, or until `until` (then it resumes by itself). Pausing
    keeps everything (definition, history); a paused job's fires are recorded as skipped when it
    resumes. Pausing a paused job changes its reason and end.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        body (PauseRequest | Unset): Why the job pauses, and until when (it resumes by itself
            then).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | JobEnvelope]
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
    body: PauseRequest | Unset = UNSET,
) -> ErrorEnvelope | JobEnvelope | None:
    """Pause a job

     Stops the job firing until resumed, or until `until` (then it resumes by itself). Pausing
    keeps everything (definition, history); a paused job's fires are recorded as skipped when it
    resumes. Pausing a paused job changes its reason and end.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        body (PauseRequest | Unset): Why the job pauses, and until when (it resumes by itself
            then).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | JobEnvelope
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
    body: PauseRequest | Unset = UNSET,
) -> Response[ErrorEnvelope | JobEnvelope]:
    """Pause a job

     Stops the job firing until resumed, or until `until` (then it resumes by itself). Pausing
    keeps everything (definition, history); a paused job's fires are recorded as skipped when it
    resumes. Pausing a paused job changes its reason and end.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        body (PauseRequest | Unset): Why the job pauses, and until when (it resumes by itself
            then).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | JobEnvelope]
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
    body: PauseRequest | Unset = UNSET,
) -> ErrorEnvelope | JobEnvelope | None:
    """Pause a job

     Stops the job firing until resumed, or until `until` (then it resumes by itself). Pausing
    keeps everything (definition, history); a paused job's fires are recorded as skipped when it
    resumes. Pausing a paused job changes its reason and end.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        body (PauseRequest | Unset): Why the job pauses, and until when (it resumes by itself
            then).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | JobEnvelope
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
            body=body,
        )
    ).parsed

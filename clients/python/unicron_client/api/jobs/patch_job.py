from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.job_envelope import JobEnvelope
from ...models.patch_job_patch import PatchJobPatch
from ...types import Response


def _get_kwargs(
    job_id: str,
    *,
    body: PatchJobPatch,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/api/job/{job_id}".format(
            job_id=quote(str(job_id), safe=""),
        ),
    }

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

    if response.status_code == 409:
        response_409 = ErrorEnvelope.from_dict(response.json())

        return response_409

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
    body: PatchJobPatch,
) -> Response[ErrorEnvelope | JobEnvelope]:
    """Change some of a job's fields

     A JSON merge patch (RFC 7396) of the job's definition: a field given replaces, `null` clears
    an optional field (a defaulted one goes back to its default), an object merges member by member
    (`{"http_headers": {"X-Token": "new"}}` changes one header and keeps the others). Two patches at
    once both apply: each to the definition the other left, so patches of different fields merge and
    the later of two patches of one field wins.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        body (PatchJobPatch):

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
    body: PatchJobPatch,
) -> ErrorEnvelope | JobEnvelope | None:
    """Change some of a job's fields

     A JSON merge patch (RFC 7396) of the job's definition: a field given replaces, `null` clears
    an optional field (a defaulted one goes back to its default), an object merges member by member
    (`{"http_headers": {"X-Token": "new"}}` changes one header and keeps the others). Two patches at
    once both apply: each to the definition the other left, so patches of different fields merge and
    the later of two patches of one field wins.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        body (PatchJobPatch):

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
    body: PatchJobPatch,
) -> Response[ErrorEnvelope | JobEnvelope]:
    """Change some of a job's fields

     A JSON merge patch (RFC 7396) of the job's definition: a field given replaces, `null` clears
    an optional field (a defaulted one goes back to its default), an object merges member by member
    (`{"http_headers": {"X-Token": "new"}}` changes one header and keeps the others). Two patches at
    once both apply: each to the definition the other left, so patches of different fields merge and
    the later of two patches of one field wins.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        body (PatchJobPatch):

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
    body: PatchJobPatch,
) -> ErrorEnvelope | JobEnvelope | None:
    """Change some of a job's fields

     A JSON merge patch (RFC 7396) of the job's definition: a field given replaces, `null` clears
    an optional field (a defaulted one goes back to its default), an object merges member by member
    (`{"http_headers": {"X-Token": "new"}}` changes one header and keeps the others). Two patches at
    once both apply: each to the definition the other left, so patches of different fields merge and
    the later of two patches of one field wins.

    Args:
        job_id (str): a job id: 16 characters [A-Za-z0-9]
        body (PatchJobPatch):

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

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.job_spec import JobSpec
from ...models.upserted_envelope import UpsertedEnvelope
from ...types import UNSET, Response, Unset


def _get_kwargs(
    name: str,
    *,
    body: JobSpec,
    dry_run: bool | Unset = False,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["dry_run"] = dry_run

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/job/name/{name}".format(
            name=quote(str(name), safe=""),
        ),
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | UpsertedEnvelope | None:
    if response.status_code == 200:
        response_200 = UpsertedEnvelope.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = UpsertedEnvelope.from_dict(response.json())

        return response_201

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
) -> Response[ErrorEnvelope | UpsertedEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: JobSpec,
    dry_run: bool | Unset = False,
) -> Response[ErrorEnvelope | UpsertedEnvelope]:
    """Create or update a job by name

     Makes the job named `name` have this definition: creates it (201) or updates it (200), and the
    same definition twice changes nothing the second time (200, `outcome: unchanged`). 409 when
    several jobs have that name (POST allows it; change those by id). The body is a whole definition,
    its `name` the path's (as Kubernetes has a PUT's body name its path's object). `dry_run=true`
    answers what it would do and changes nothing (how `unicron apply` plans).

    Args:
        name (str): a job's name, exactly
        dry_run (bool | Unset): say what it would do, change nothing Default: False.
        body (JobSpec): A recurring job: a run spec plus when to fire it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | UpsertedEnvelope]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
        dry_run=dry_run,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient,
    body: JobSpec,
    dry_run: bool | Unset = False,
) -> ErrorEnvelope | UpsertedEnvelope | None:
    """Create or update a job by name

     Makes the job named `name` have this definition: creates it (201) or updates it (200), and the
    same definition twice changes nothing the second time (200, `outcome: unchanged`). 409 when
    several jobs have that name (POST allows it; change those by id). The body is a whole definition,
    its `name` the path's (as Kubernetes has a PUT's body name its path's object). `dry_run=true`
    answers what it would do and changes nothing (how `unicron apply` plans).

    Args:
        name (str): a job's name, exactly
        dry_run (bool | Unset): say what it would do, change nothing Default: False.
        body (JobSpec): A recurring job: a run spec plus when to fire it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | UpsertedEnvelope
    """

    return sync_detailed(
        name=name,
        client=client,
        body=body,
        dry_run=dry_run,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: JobSpec,
    dry_run: bool | Unset = False,
) -> Response[ErrorEnvelope | UpsertedEnvelope]:
    """Create or update a job by name

     Makes the job named `name` have this definition: creates it (201) or updates it (200), and the
    same definition twice changes nothing the second time (200, `outcome: unchanged`). 409 when
    several jobs have that name (POST allows it; change those by id). The body is a whole definition,
    its `name` the path's (as Kubernetes has a PUT's body name its path's object). `dry_run=true`
    answers what it would do and changes nothing (how `unicron apply` plans).

    Args:
        name (str): a job's name, exactly
        dry_run (bool | Unset): say what it would do, change nothing Default: False.
        body (JobSpec): A recurring job: a run spec plus when to fire it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | UpsertedEnvelope]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
        dry_run=dry_run,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient,
    body: JobSpec,
    dry_run: bool | Unset = False,
) -> ErrorEnvelope | UpsertedEnvelope | None:
    """Create or update a job by name

     Makes the job named `name` have this definition: creates it (201) or updates it (200), and the
    same definition twice changes nothing the second time (200, `outcome: unchanged`). 409 when
    several jobs have that name (POST allows it; change those by id). The body is a whole definition,
    its `name` the path's (as Kubernetes has a PUT's body name its path's object). `dry_run=true`
    answers what it would do and changes nothing (how `unicron apply` plans).

    Args:
        name (str): a job's name, exactly
        dry_run (bool | Unset): say what it would do, change nothing Default: False.
        body (JobSpec): A recurring job: a run spec plus when to fire it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | UpsertedEnvelope
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            body=body,
            dry_run=dry_run,
        )
    ).parsed

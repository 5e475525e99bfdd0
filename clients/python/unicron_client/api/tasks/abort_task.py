from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.aborted_envelope import AbortedEnvelope
from ...models.error_envelope import ErrorEnvelope
from ...types import Response


def _get_kwargs(
    task_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/async/{task_id}/abort".format(
            task_id=quote(str(task_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AbortedEnvelope | ErrorEnvelope | None:
    if response.status_code == 202:
        response_202 = AbortedEnvelope.from_dict(response.json())

        return response_202

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
) -> Response[AbortedEnvelope | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    task_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[AbortedEnvelope | ErrorEnvelope]:
    """Abort a task

     Aborts a task: queued (or waiting for its next attempt), it is dropped and REVOKED at once;
    running, its worker is asked, which cancels its call or kills its command and records it
    REVOKED. It is not tried again. 409 when it has ended.

    Args:
        task_id (str): a task id: a UUID4, lower case

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AbortedEnvelope | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    task_id: str,
    *,
    client: AuthenticatedClient,
) -> AbortedEnvelope | ErrorEnvelope | None:
    """Abort a task

     Aborts a task: queued (or waiting for its next attempt), it is dropped and REVOKED at once;
    running, its worker is asked, which cancels its call or kills its command and records it
    REVOKED. It is not tried again. 409 when it has ended.

    Args:
        task_id (str): a task id: a UUID4, lower case

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AbortedEnvelope | ErrorEnvelope
    """

    return sync_detailed(
        task_id=task_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    task_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[AbortedEnvelope | ErrorEnvelope]:
    """Abort a task

     Aborts a task: queued (or waiting for its next attempt), it is dropped and REVOKED at once;
    running, its worker is asked, which cancels its call or kills its command and records it
    REVOKED. It is not tried again. 409 when it has ended.

    Args:
        task_id (str): a task id: a UUID4, lower case

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AbortedEnvelope | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    task_id: str,
    *,
    client: AuthenticatedClient,
) -> AbortedEnvelope | ErrorEnvelope | None:
    """Abort a task

     Aborts a task: queued (or waiting for its next attempt), it is dropped and REVOKED at once;
    running, its worker is asked, which cancels its call or kills its command and records it
    REVOKED. It is not tried again. 409 when it has ended.

    Args:
        task_id (str): a task id: a UUID4, lower case

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AbortedEnvelope | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            task_id=task_id,
            client=client,
        )
    ).parsed

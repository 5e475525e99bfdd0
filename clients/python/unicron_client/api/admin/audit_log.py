from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audit_envelope import AuditEnvelope
from ...models.error_envelope import ErrorEnvelope
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 100,
    cursor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/audit",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AuditEnvelope | ErrorEnvelope | None:
    if response.status_code == 200:
        response_200 = AuditEnvelope.from_dict(response.json())

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
) -> Response[AuditEnvelope | ErrorEnvelope]:
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
) -> Response[AuditEnvelope | ErrorEnvelope]:
    """Who changed what

     Every write through the API or the CLI, newest first: when, which key, from which address,
    what it did to what, and the names of the fields it changed. Kept for `UNICRON_AUDIT_DAYS` days
    (default 90), `UNICRON_AUDIT_MAX` entries at most (default 100,000).

    Args:
        limit (int | Unset): entries a page holds at most Default: 100.
        cursor (None | str | Unset): next_cursor of the page before

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditEnvelope | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
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
) -> AuditEnvelope | ErrorEnvelope | None:
    """Who changed what

     Every write through the API or the CLI, newest first: when, which key, from which address,
    what it did to what, and the names of the fields it changed. Kept for `UNICRON_AUDIT_DAYS` days
    (default 90), `UNICRON_AUDIT_MAX` entries at most (default 100,000).

    Args:
        limit (int | Unset): entries a page holds at most Default: 100.
        cursor (None | str | Unset): next_cursor of the page before

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditEnvelope | ErrorEnvelope
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 100,
    cursor: None | str | Unset = UNSET,
) -> Response[AuditEnvelope | ErrorEnvelope]:
    """Who changed what

     Every write through the API or the CLI, newest first: when, which key, from which address,
    what it did to what, and the names of the fields it changed. Kept for `UNICRON_AUDIT_DAYS` days
    (default 90), `UNICRON_AUDIT_MAX` entries at most (default 100,000).

    Args:
        limit (int | Unset): entries a page holds at most Default: 100.
        cursor (None | str | Unset): next_cursor of the page before

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditEnvelope | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 100,
    cursor: None | str | Unset = UNSET,
) -> AuditEnvelope | ErrorEnvelope | None:
    """Who changed what

     Every write through the API or the CLI, newest first: when, which key, from which address,
    what it did to what, and the names of the fields it changed. Kept for `UNICRON_AUDIT_DAYS` days
    (default 90), `UNICRON_AUDIT_MAX` entries at most (default 100,000).

    Args:
        limit (int | Unset): entries a page holds at most Default: 100.
        cursor (None | str | Unset): next_cursor of the page before

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditEnvelope | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
        )
    ).parsed

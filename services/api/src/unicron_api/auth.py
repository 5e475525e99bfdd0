"""Who is calling: every route but the version and the health checks needs an API key.

Keys come from ``unicron token create`` (scoped, stored as SHA-256 hashes), ``UNICRON_ADMIN_TOKEN``
and ``UNICRON_API_TOKENS`` (full access). A route names the scope it needs (``x-unicron-scope`` in
the contract); a key without it gets 403. Each key's requests count against the rate limit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from unicron_core.apikeys import Principal, Scope
from unicron_core.errors import Forbidden, Unauthorized
from unicron_core.store import AsyncStore

SCOPE_KEY = "x-unicron-scope"
bearer = HTTPBearer(
    auto_error=False,
    description="An API key from `unicron token create`, UNICRON_ADMIN_TOKEN or UNICRON_API_TOKENS",
)


async def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """The caller's key (declares the scheme in the contract). ``SecuredRoute`` has checked it
    already; a dependency that does no I/O is ``async`` so that FastAPI does not send it to the
    thread pool."""
    return await authenticate(request, credentials)


async def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """The caller's key, checked once per request and counted against its rate limit, in one
    round trip: the event loop never waits on Redis, and no thread is used."""
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    if credentials is None:
        raise Unauthorized("missing API token: send Authorization: Bearer <token>")
    store: AsyncStore = request.app.state.store
    principal = await store.run(store.access.admit(credentials.credentials))
    if principal is None:
        raise Unauthorized("unknown API token")
    request.state.principal = principal
    return principal


def require_scope(request: Request, scope: str | None) -> None:
    """403 unless the caller's key holds ``scope`` (or ``admin``)."""
    principal: Principal = request.state.principal
    if scope is not None and not principal.may(Scope(scope)):
        raise Forbidden(f"this API key lacks the {scope} scope")

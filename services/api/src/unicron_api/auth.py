"""Bearer-token authentication: every route but the version and the health checks needs a token."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from unicron_core.errors import Unauthorized

bearer = HTTPBearer(auto_error=False, description="An API token from UNICRON_API_TOKENS")


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """Lets the request through only with a known token, compared in constant time."""
    if credentials is None:
        raise Unauthorized("missing API token: send Authorization: Bearer <token>")
    given = credentials.credentials.encode()
    tokens: list[bytes] = request.app.state.tokens
    # Compare with every token so the time taken does not say which one nearly matched.
    if not any([hmac.compare_digest(given, token) for token in tokens]):
        raise Unauthorized("unknown API token")

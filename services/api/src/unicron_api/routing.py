"""How a request finds its route: the whole path, and for a secured route the token first, then the
body, read as strict JSON whatever its Content-Type says (``body.py`` says why that is safe).

FastAPI reads and parses a request's body before it runs any dependency, so without this a caller
with no token would learn whether its body parses (400) or validates (422) before hearing 401, and
the API would parse bodies for anyone. The router's ``require_token`` dependency stays: it declares
the security scheme in the OpenAPI contract and checks again, at the cost of one comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from unicron_api.auth import SCOPE_KEY, authenticate, bearer, require_scope
from unicron_api.body import StrictJSONRequest


class SecuredRoute(APIRoute):
    """A route that checks the token before it reads the body (FastAPI's custom route class)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, behind the token check, given a ``StrictJSONRequest`` labelled JSON."""
        handler = super().get_route_handler()

        scope = (self.openapi_extra or {}).get(SCOPE_KEY)

        async def secured(request: Request) -> Response:
            await authenticate(request, await bearer(request))
            require_scope(request, scope)  # 403 before the body is read, too
            return await handler(StrictJSONRequest.labelled_json(request))

        return secured


class WholePath:
    """Keeps a trailing newline in the path's last segment.

    Starlette's route patterns end in ``$``, which also matches before a final newline, so
    ``GET /api/job/%0A`` would answer the job listing. The newline is quoted back (``%0A``) before
    routing: the request reaches ``/api/job/{job_id}``, its token check and the 422 of an invalid id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if path.endswith("\n"):
            scope = {**scope, "path": path[:-1] + "%0A"}
        await self.app(scope, receive, send)

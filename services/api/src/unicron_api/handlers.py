"""One place that turns every error into the envelope with an honest status code."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute, APIRouter
from pydantic import ValidationError
from redis.exceptions import BusyLoadingError, ConnectionError, TimeoutError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from unicron_api.envelope import error_response
from unicron_core.errors import (
    ConfigError,
    Conflict,
    CryptoError,
    Forbidden,
    InvalidSpec,
    NotFound,
    RateLimited,
    Unauthorized,
    UnicronError,
)

log = logging.getLogger(__name__)

_STATUS: dict[type[UnicronError], int] = {
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidSpec: 422,
    RateLimited: 429,
    CryptoError: 500,
    ConfigError: 500,
}
_REDIS_DOWN = (ConnectionError, TimeoutError, BusyLoadingError)


def install(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Registers the handlers on ``app``, whose routes are those of ``routers``."""
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(ValidationError, _model_validation)  # type: ignore[arg-type]
    app.add_exception_handler(UnicronError, _unicron)  # type: ignore[arg-type]
    routes = [route for router in routers for route in router.routes if isinstance(route, APIRoute)]
    app.add_exception_handler(HTTPException, partial(_http, routes))
    for exc in _REDIS_DOWN:
        app.add_exception_handler(exc, _redis_down)
    app.add_exception_handler(Exception, _unexpected)


async def _answer(
    request: Request,
    status: int,
    msg: str,
    *,
    result: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The envelope; below ``/ui/`` the dashboard's error page (``app.state.error_page``) instead."""
    error_page = getattr(request.app.state, "error_page", None)
    if error_page is not None and request.url.path.startswith("/ui/"):
        page: Response = await error_page(request, status, msg)
        if headers:
            page.headers.update(headers)
        return page
    return error_response(status, msg, result=result, headers=headers)


async def _unicron(request: Request, exc: UnicronError) -> Response:
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 500)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after_s)}
    if status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc)
    # A 422's result names the fields, as for a body that does not validate (`_validation`).
    result = {exc.field: exc.reason} if isinstance(exc, InvalidSpec) and exc.field else None
    return await _answer(request, status, str(exc), result=result, headers=headers)


async def _http(routes: Sequence[APIRoute], request: Request, exc: HTTPException) -> Response:
    messages = {404: f"no route {request.url.path}", 405: f"{request.method} is not allowed here"}
    msg = messages.get(exc.status_code, str(exc.detail))
    headers = exc.headers
    allowed = _allowed(routes, request) if exc.status_code == 405 else None
    if allowed:
        headers = {**(headers or {}), "Allow": ", ".join(allowed)}
    return await _answer(request, exc.status_code, msg, headers=headers)


def _allowed(routes: Sequence[APIRoute], request: Request) -> list[str]:
    """The methods of the path the request names: of every route with the path template of the first
    route that matches, in routing order; none for a path of FastAPI's own (the docs), whose Allow
    Starlette's is. Starlette names one route's methods only (each method is a route here), and
    ``/api/job/result`` must not list ``/api/job/{job_id}``'s DELETE."""
    first = next((route for route in routes if route.matches(request.scope)[0] is not Match.NONE), None)
    if first is None:
        return []
    return sorted({method for route in routes if route.path == first.path for method in route.methods or ()})


async def _redis_down(request: Request, exc: Exception) -> Response:
    log.warning("Redis unreachable during %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return await _answer(
        request,
        503,
        "storage unavailable: Redis cannot be reached, try again shortly",
        headers={"Retry-After": "1"},
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error in %s %s", request.method, request.url.path)
    return await _answer(request, 500, "internal error")


async def _model_validation(request: Request, exc: ValidationError) -> Response:
    """A definition a route made (a merge patch applied) that is not valid: as a body's errors."""
    errors = [{**err, "loc": ("body", *err["loc"])} for err in exc.errors()]
    return await _validation(request, RequestValidationError(errors))


async def _validation(request: Request, exc: RequestValidationError) -> Response:
    errors = list(exc.errors())
    if any(e["type"] == "json_invalid" for e in errors):
        detail = errors[0].get("ctx", {}).get("error", "")
        return await _answer(request, 400, f"malformed JSON body: {detail}".rstrip(": "))
    fields = field_messages(errors)
    first, message = next(iter(fields.items()))
    more = f" (and {len(fields) - 1} more)" if len(fields) > 1 else ""
    return await _answer(request, 422, f"invalid request: {first}: {message}{more}", result=fields)


def field_messages(errors: list[Any]) -> dict[str, str]:
    """One message per field, keyed by its dotted path in the body (``body`` for the object as a
    whole) or in its parameter (``tag.0``: the first ``tag`` of the query)."""
    fields: dict[str, str] = {}
    for err in errors:
        where, *rest = [str(part) for part in err["loc"]] or ["body"]
        path = ".".join(rest) if rest else where
        fields.setdefault(path, _message(err, path))
    return fields


def _message(err: Any, path: str) -> str:
    kind = err["type"]
    if path == "body" and kind == "missing":
        return "a JSON object body is required"
    if path == "body" and kind in ("model_attributes_type", "dict_type", "model_type"):
        return "the body must be a JSON object"
    if kind == "extra_forbidden":
        return "unknown field"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")

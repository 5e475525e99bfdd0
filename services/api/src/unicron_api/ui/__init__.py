"""The dashboard at ``/ui/`` (docs/architecture.md, "The dashboard"): server-rendered pages on the
store's own operations, htmx for the parts that update by themselves, no script inline (the CSP
forbids it), no asset from elsewhere (``static/vendor/VENDORED.md``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unicron_api.ui import admin, job, jobs, pages, runs
from unicron_api.ui.render import page
from unicron_api.ui.session import SignInNeeded, sign_in_url, viewer

STATIC = Path(__file__).parent / "static"
# Scripts and styles from this site only, never inline; no frame may show a page; forms post here.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
NO_STORE = (b"cache-control", b"no-store")


def install(app: FastAPI) -> None:
    """Serves the dashboard on ``app``: its pages, its assets, its headers and its error pages."""
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    for module in (pages, jobs, job, runs, admin):
        app.include_router(module.router)
    app.add_exception_handler(SignInNeeded, _sign_in)  # type: ignore[arg-type]
    app.add_middleware(PageHeaders)
    app.state.error_page = error_page


async def _sign_in(request: Request, exc: SignInNeeded) -> Response:
    url = sign_in_url(request, str(exc))
    if request.headers.get("hx-request"):  # a part htmx asked for: the whole page goes to sign-in
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """What a page shows for an error: the message, with the header when the session is valid."""
    try:
        who = await viewer(request)
    except Exception:
        who = None
    return page(request, "error.html", who, status=status, message=message, code=status)


class PageHeaders:
    """Adds the dashboard's security headers to every answer below ``/ui``; pages are not cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == "/ui" or path.startswith("/ui/")):
            await self.app(scope, receive, send)
            return
        extra = HEADERS if path.startswith("/ui/static/") else [*HEADERS, NO_STORE]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)

"""Who is looking at the dashboard (docs/architecture.md, "The dashboard"): the session behind the
cookie, the API key it signed in with (checked again at every request, so a revoked key ends its
sessions at once), and the checks every state change passes (same origin, CSRF token).

The cookie is ``HttpOnly``, ``SameSite=Strict``, ``Secure`` under https, scoped to ``/ui``: the
browser never sends it to ``/api/``, whose routes take only ``Authorization: Bearer``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from fastapi import Request, Response

from unicron_api.routes.common import store_of
from unicron_core.apikeys import Principal, Scope
from unicron_core.errors import Forbidden
from unicron_core.store.sessions import Session

COOKIE = "unicron_session"
COOKIE_PATH = "/ui"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"


# Why the sign-in page is shown, by the code its address carries (never text from the address: a
# link could otherwise make the page say anything).
WHY = {
    "ended": "Your session ended; sign in again.",
    "revoked": "The API key of this session was revoked; sign in with another.",
    "signed-out": "You signed out.",
}


class SignInNeeded(Exception):
    """No session, or it ended: the browser is sent to the sign-in page, saying why (a ``WHY`` code)."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in browser: its session and the key's name and scopes."""

    session: Session
    principal: Principal
    flash: str | None = None

    def can(self, scope: str) -> bool:
        """True when the key holds ``scope`` (what buttons the pages show)."""
        return self.principal.may(Scope(scope))

    def require(self, scope: Scope) -> None:
        """Raises ``Forbidden`` unless the key holds ``scope``, as the API's route would."""
        if not self.principal.may(scope):
            raise Forbidden(f"this API key lacks the {scope} scope")

    @property
    def csrf(self) -> str:
        """The token every form and htmx request of this session carries."""
        return self.session.csrf


Form = dict[str, list[str]]


async def viewer(request: Request) -> Viewer:
    """The session of the request's cookie, its key checked again.

    Raises:
        SignInNeeded: no cookie, no session, expired, or its key was revoked.
    """
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        raise SignInNeeded("")
    store = store_of(request)
    touched = await store.run(store.sessions.touch(cookie=cookie))
    if touched is None:
        raise SignInNeeded("ended")
    session, flash = touched
    principal = await store.run(store.access.admit_digest(session.key_digest))
    if principal is None:
        await store.run(store.sessions.end(session=session))
        raise SignInNeeded("revoked")
    return Viewer(session=session, principal=principal, flash=flash)


async def changing(request: Request, scope: Scope | None = None) -> tuple[Viewer, Form]:
    """The viewer and the form of a state change, which must come from this site's own page, carry
    the session's CSRF token and, with ``scope``, be one the key may make.

    Raises:
        SignInNeeded: as ``viewer``. Forbidden: another origin, a wrong token, or a missing scope.
    """
    same_origin(request)
    who = await viewer(request)
    form = await read_form(request)
    given = request.headers.get(CSRF_HEADER) or first(form, CSRF_FIELD)
    if not hmac.compare_digest(given.encode(), who.csrf.encode()):
        raise Forbidden("this form is out of date or not from this page: reload the page and try again")
    if scope is not None:
        who.require(scope)
    return who, form


def same_origin(request: Request) -> None:
    """Raises ``Forbidden`` for a POST another site's page sent (browsers name its Origin)."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin is not None and origin != own:
        raise Forbidden(f"a form from {origin} cannot change anything here")


async def read_form(request: Request) -> Form:
    """A URL-encoded form body, each field with its values in order."""
    form: Form = {}
    for name, value in parse_qsl((await request.body()).decode(errors="replace"), keep_blank_values=True):
        form.setdefault(name, []).append(value)
    return form


def first(form: Form, name: str, default: str = "") -> str:
    """The first value of the field ``name``, stripped."""
    values = form.get(name)
    return values[0].strip() if values else default


def set_cookie(request: Request, response: Response, cookie: str, max_age_s: int) -> None:
    """Hands the browser its session cookie."""
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=max_age_s,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response) -> None:
    """Tells the browser to forget its session cookie."""
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")


def sign_in_url(request: Request, why: str) -> str:
    """The sign-in page, coming back to the page asked for (a GET) afterwards."""
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/ui/login"
    params = [f"why={why}"] if why in WHY else []
    if request.method == "GET" and not request.headers.get("hx-request"):
        params.append(f"next={quote(back)}")
    return url + ("?" + "&".join(params) if params else "")


def safe_next(target: str) -> str:
    """Where to go after signing in: a page of the dashboard, never another site."""
    return (
        target
        if target.startswith("/ui/") and not target.startswith("/ui//") and "\\" not in target
        else "/ui/"
    )

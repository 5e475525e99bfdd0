"""Signing in and out, and the overview (``/ui/``): what every other screen links from. Each
handler reads like an API route: parse, call the store's operations, render."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from unicron_api.routes.common import store_of
from unicron_api.ui import session
from unicron_api.ui.render import page
from unicron_api.ui.session import Viewer, changing, first, read_form, same_origin, viewer
from unicron_core.apikeys import digest
from unicron_core.records import RunStatus
from unicron_core.store import AsyncStore
from unicron_core.store.runs import RunFilter

router = APIRouter(prefix="/ui", include_in_schema=False)
LIVE_RUNS = 20  # runs in progress, and runs queued, the overview lists
RECENT_FAILURES = 10


async def done(request: Request, who: Viewer, message: str, to: str) -> RedirectResponse:
    """After a change: its message for the next page, and that page (a GET, so reloading it
    changes nothing)."""
    store = store_of(request)
    await store.run(store.sessions.flash(session=who.session, message=message))
    return RedirectResponse(to, status_code=303)


@router.get("/login")
async def login_page(
    request: Request, why: str = "", back: Annotated[str, Query(alias="next")] = "/ui/"
) -> HTMLResponse:
    """The sign-in form."""
    said = session.WHY.get(why, "")
    return page(request, "login.html", None, why=said, next=session.safe_next(back), error="")


@router.post("/login")
async def login(request: Request) -> Response:
    """Signs in with an API key: a new session, and its cookie."""
    same_origin(request)
    form = await read_form(request)
    target = session.safe_next(first(form, "next", "/ui/"))
    store = store_of(request)
    token = first(form, "key")
    principal = await store.run(store.access.admit(token)) if token else None
    if principal is None:
        error = "enter an API key" if not token else "that API key is not known here"
        return page(request, "login.html", None, why="", next=target, error=error, status=401)
    cookie = await store.run(store.sessions.create(key_digest=digest(token)))
    response = RedirectResponse(target, status_code=303)
    session.set_cookie(request, response, cookie, store.sessions.max_s)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Ends the session and forgets its cookie."""
    who, _ = await changing(request)
    store = store_of(request)
    await store.run(store.sessions.end(session=who.session))
    response = RedirectResponse("/ui/login?why=signed-out", status_code=303)
    session.clear_cookie(response)
    return response


@router.get("/")
async def overview(request: Request) -> HTMLResponse:
    """Jobs by state, runs, failures and missed runs of the last 24 hours, the cluster's nodes and
    queue, the runs in progress and those waiting for a worker, what is due next, and the latest
    failed and missed runs."""
    who = await viewer(request)
    return page(request, "overview.html", who, **await _overview(store_of(request)))


@router.get("/live")
async def live(request: Request) -> HTMLResponse:
    """The overview's part that updates by itself (htmx asks for it every few seconds)."""
    who = await viewer(request)
    return page(request, "_live.html", who, **await _overview(store_of(request)))


async def _overview(store: AsyncStore) -> dict[str, Any]:
    # Independent reads, side by side (the page asks for them every few seconds).
    lists: tuple[tuple[RunStatus, int], ...] = (
        ("running", LIVE_RUNS),
        ("failure", RECENT_FAILURES),
        ("missed", RECENT_FAILURES),
    )
    (counts, cluster, waiting, due), pages = await asyncio.gather(
        asyncio.gather(
            store.run(store.overview.counts()),
            store.run(store.nodes.status()),
            store.run(store.runs.waiting(limit=LIVE_RUNS)),
            store.run(store.overview.due()),
        ),
        asyncio.gather(
            *(store.run(store.runs.page(where=RunFilter(status=s), limit=n, cursor=None)) for s, n in lists)
        ),
    )
    running, failures, missed = (runs for runs, _ in pages)
    return {
        "counts": counts,
        "cluster": cluster,
        "running": running,
        "waiting": waiting,
        "failures": failures,
        "missed": missed,
        "due": due,
    }

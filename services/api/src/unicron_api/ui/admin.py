"""The audit log and the API keys (the admin scope): who changed what, and the keys that may."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from unicron_api.routes.common import store_of
from unicron_api.ui.pages import done
from unicron_api.ui.render import page
from unicron_api.ui.session import Viewer, changing, first, viewer
from unicron_core.apikeys import ALL_SCOPES, Scope, parse_scopes
from unicron_core.errors import Conflict, InvalidSpec

router = APIRouter(prefix="/ui", include_in_schema=False)
AUDIT_PAGE = 100


@router.get("/audit")
async def audit(request: Request, cursor: str | None = None) -> HTMLResponse:
    """Every write through the API, the CLI or these pages, newest first."""
    who = await viewer(request)
    who.require(Scope.ADMIN)
    store = store_of(request)
    entries, after = await store.run(store.audit.page(limit=AUDIT_PAGE, cursor=cursor))
    return page(request, "audit.html", who, entries=entries, after=after)


@router.get("/keys")
async def api_keys(request: Request) -> HTMLResponse:
    """The stored API keys: names, scopes, when made; never the keys."""
    who = await viewer(request)
    who.require(Scope.ADMIN)
    return await _keys_page(request, who, made=None, errors={})


@router.post("/keys")
async def create_key(request: Request) -> HTMLResponse:
    """Makes a key; the page shows it once, and never again."""
    who, form = await changing(request, Scope.ADMIN)
    store = store_of(request)
    name = first(form, "name")
    try:
        scopes = parse_scopes(form.get("scope", []))
        token = await store.run(store.access.create(name=name, scopes=scopes))
    except InvalidSpec as exc:
        return await _keys_page(request, who, made=None, errors={exc.field or "name": exc.reason}, status=422)
    except Conflict as exc:
        return await _keys_page(request, who, made=None, errors={"name": str(exc)}, status=422)
    return await _keys_page(request, who, made=(name, token), errors={}, status=201)


@router.post("/keys/{name}/revoke")
async def revoke_key(request: Request, name: str) -> RedirectResponse:
    """Deletes a key at once: its sessions end at their next request."""
    who, _ = await changing(request, Scope.ADMIN)
    store = store_of(request)
    await store.run(store.access.revoke(name=name))
    return await done(request, who, f"key {name} revoked", "/ui/keys")


async def _keys_page(
    request: Request, who: Viewer, *, made: tuple[str, str] | None, errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    store = store_of(request)
    keys = await store.run(store.access.list())
    scopes = sorted(ALL_SCOPES)
    return page(request, "keys.html", who, keys=keys, made=made, errors=errors, scopes=scopes, status=status)

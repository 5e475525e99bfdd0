"""API keys: ``/api/admin/token...`` (the admin scope)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from unicron_api.contract import SECURED, WITH_BODY, WITH_ID, errors
from unicron_api.envelope import DeletedEnvelope, KeyRequest, KeysEnvelope, KeyView, NewKey, NewKeyEnvelope
from unicron_api.routes.common import StoreDep, both, secured_router
from unicron_core.apikeys import NAME, Scope, parse_scopes

router = secured_router()


@both(
    router,
    "POST",
    "/admin/token",
    operation_id="create_token",
    scope=Scope.ADMIN,
    tags=["admin"],
    summary="Make an API key",
    status_code=201,
    responses=errors(*SECURED, *WITH_BODY, 409),
)
async def create_token(body: KeyRequest, store: StoreDep) -> NewKeyEnvelope:
    """Makes an API key with the given scopes; the answer is the only time the key is shown."""
    token = await store.run(store.access.create(name=body.name, scopes=parse_scopes(list(body.scopes))))
    info = next(info for info in await store.run(store.access.list()) if info.name == body.name)
    key = NewKey(name=info.name, scopes=info.scopes, created=info.created, token=token)
    return NewKeyEnvelope.ok(key, "key created")


@both(
    router,
    "GET",
    "/admin/token",
    operation_id="list_tokens",
    scope=Scope.ADMIN,
    tags=["admin"],
    summary="List API keys",
    responses=errors(*SECURED),
)
async def list_tokens(store: StoreDep) -> KeysEnvelope:
    """Every stored API key's name, scopes and creation time; never the keys."""
    infos = await store.run(store.access.list())
    return KeysEnvelope.ok([KeyView(name=i.name, scopes=i.scopes, created=i.created) for i in infos])


@both(
    router,
    "DELETE",
    "/admin/token/{name}",
    operation_id="revoke_token",
    scope=Scope.ADMIN,
    tags=["admin"],
    summary="Revoke an API key",
    responses=errors(*SECURED, *WITH_ID),
)
async def revoke_token(name: Annotated[str, Path(pattern=NAME.pattern)], store: StoreDep) -> DeletedEnvelope:
    """Deletes an API key at once; answers 1."""
    await store.run(store.access.revoke(name=name))
    return DeletedEnvelope.ok(1, "key revoked")

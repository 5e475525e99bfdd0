"""The audit log: ``GET /api/audit`` (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from unicron_api.contract import SECURED, errors
from unicron_api.envelope import AuditEnvelope, AuditPage
from unicron_api.routes.common import StoreDep, both, secured_router
from unicron_core.apikeys import Scope

router = secured_router()


@both(
    router,
    "GET",
    "/audit",
    operation_id="audit_log",
    scope=Scope.ADMIN,
    tags=["admin"],
    summary="Who changed what",
    responses=errors(*SECURED, 422),
)
async def audit_log(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=500, description="entries a page holds at most")] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before")] = None,
) -> AuditEnvelope:
    """Every write through the API or the CLI, newest first: when, which key, from which address,
    what it did to what, and the names of the fields it changed. Kept for `UNICRON_AUDIT_DAYS` days
    (default 90), `UNICRON_AUDIT_MAX` entries at most (default 100,000)."""
    items, after = await store.run(store.audit.page(limit=limit, cursor=cursor))
    return AuditEnvelope.ok(AuditPage(items=items, next_cursor=after))

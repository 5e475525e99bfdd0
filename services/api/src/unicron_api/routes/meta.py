"""The version (``/api/``) and the probes (``/healthz``, ``/readyz``): no key needed."""

from __future__ import annotations

from fastapi import APIRouter, Request

from unicron_api.contract import errors
from unicron_api.envelope import TextEnvelope
from unicron_api.routes.common import StoreDep, both

public = APIRouter(prefix="/api")
health = APIRouter(tags=["health"])


@both(
    public,
    "GET",
    "/",
    operation_id="version",
    tags=["meta"],
    summary="Name and version",
    responses=errors(429),
)
async def version(request: Request) -> TextEnvelope:
    """The service's name and version, `Unicron v<version>`. Needs no token."""
    return TextEnvelope.ok(f"Unicron v{request.app.version}")


@health.get("/healthz", operation_id="healthz", summary="Liveness probe")
async def healthz() -> TextEnvelope:
    """The process is alive: answers `alive`, without looking at Redis."""
    return TextEnvelope.ok("alive")


@health.get("/readyz", operation_id="readyz", summary="Readiness probe", responses=errors(503))
async def readyz(request: Request, store: StoreDep) -> TextEnvelope:
    """Redis answers and the cluster key decrypts the canary: answers `ready`, else 503."""
    if not request.app.state.key_verified:
        await store.run(store.cluster.verify())
        request.app.state.key_verified = True
    await store.ping()
    return TextEnvelope.ok("ready")

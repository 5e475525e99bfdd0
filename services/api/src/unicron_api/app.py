"""``create_app(settings)``: the FastAPI application, built explicitly from settings, on one
asyncio client of the store (docs/architecture.md, "The store")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Any

from fastapi import FastAPI
from starlette.types import Lifespan

from unicron_api import apidocs, contract, envelope, handlers, ui
from unicron_api.limits import BodyLimit
from unicron_api.metrics import Metrics, RequestMetrics, queued
from unicron_api.routes import admin, audit, jobs, lifecycle, listing, meta, runs, schedule, tasks
from unicron_api.routes.common import submissions
from unicron_api.routing import WholePath
from unicron_core.models import JobSpec, TaskSpec
from unicron_core.preview import SchedulePreview, ScheduleTimes
from unicron_core.records import RunResult
from unicron_core.settings import Settings
from unicron_core.store import AsyncStore
from unicron_core.views import JobView, TaskView

DESCRIPTION = """\
Register **jobs** (a cron schedule plus an HTTP call or a shell command) and submit one-off **async
tasks**, then read their status and results.

Every answer is the envelope `{"success": bool, "msg": str, "result": ...}`, errors included, with an
honest status code. Every operation but the version and the health probes needs
`Authorization: Bearer <token>` (a token from `UNICRON_API_TOKENS`). Paths also answer with the
trailing slash toggled (`/api/job` and `/api/job/`).
"""


class _UnicronAPI(FastAPI):
    """FastAPI, with the nulls that its spec encoding drops put back into the examples."""

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI spec (built once)."""
        spec = super().openapi()
        contract.restore_nulls(spec, EXAMPLED)
        return spec


# The models whose examples the contract shows.
EXAMPLED = (
    JobSpec,
    TaskSpec,
    RunResult,
    JobView,
    TaskView,
    envelope.ErrorEnvelope,
    envelope.TextEnvelope,
    envelope.JobIdEnvelope,
    envelope.JobEnvelope,
    envelope.JobsEnvelope,
    envelope.DeletedEnvelope,
    envelope.RunsEnvelope,
    envelope.TaskIdEnvelope,
    envelope.TaskEnvelope,
    SchedulePreview,
    ScheduleTimes,
    envelope.ScheduleTimesEnvelope,
)


def create_app(settings: Settings) -> FastAPI:
    """The API application for ``settings``, on one asyncio client of its Redis (made in the loop
    that serves, on first use)."""
    store = AsyncStore.from_settings(settings)
    metrics = Metrics(queue=settings.queue)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        metrics.queue.attach(asyncio.get_running_loop(), lambda: store.run(queued(store)))
        yield
        metrics.queue.detach()
        await store.aclose()

    app = _application(lifespan)
    # Outermost: it sees every answer, the body limit's and the error handlers' included.
    app.add_middleware(RequestMetrics, metrics=metrics)
    app.state.metrics = metrics  # served by main.py on UNICRON_METRICS_PORT, never on the API's port
    app.state.settings = settings
    app.state.store = store
    app.state.egress = settings.egress_guard()
    app.state.key_verified = False
    ui.install(app)  # the dashboard, /ui/: not part of the API's contract
    return app


def openapi_spec() -> dict[str, Any]:
    """The API's OpenAPI spec, built without settings or Redis (for ``make client``)."""
    return _application().openapi()


def _application(lifespan: Lifespan[FastAPI] | None = None) -> FastAPI:
    """The routes, the error handlers and the contract's metadata; the state is the caller's."""
    app = _UnicronAPI(
        title="Unicron",
        version=version("unicron-api"),
        summary="Distributed cron and async tasks.",
        description=DESCRIPTION,
        openapi_tags=contract.TAGS,
        openapi_url="/api/openapi.json",
        docs_url=None,  # apidocs.install: Swagger UI with its assets served here, not from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit)
    app.add_middleware(WholePath)
    routers = (
        submissions,
        jobs.router,
        lifecycle.router,
        listing.router,
        runs.router,
        tasks.router,
        admin.router,
        audit.router,
        schedule.router,
        meta.public,
        meta.health,
    )
    handlers.install(app, routers)
    for router in routers:
        app.include_router(router)
    apidocs.install(app)
    return app

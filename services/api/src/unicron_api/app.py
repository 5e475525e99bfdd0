"""``create_app(settings)``: the FastAPI application, built explicitly from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI

from unicron_api import handlers, routes
from unicron_api.limits import BodyLimit
from unicron_core.settings import Settings
from unicron_core.store import Store


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """The API application for ``settings``; ``store`` defaults to one on ``settings``' Redis."""
    store = store or Store.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.redis.close()

    app = FastAPI(
        title="Unicron",
        version=version("unicron-api"),
        description="Distributed cron and async tasks: register jobs, submit tasks, read results.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
        # Clients authenticate with a bearer header, which a cross-site form cannot send, so a body
        # without Content-Type is read as JSON, as the original did.
        strict_content_type=False,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.tokens = [token.encode() for token in settings.api_token_list]
    app.state.key_verified = False
    app.add_middleware(BodyLimit)
    handlers.install(app)
    app.include_router(routes.public)
    app.include_router(routes.router)
    app.include_router(routes.health)
    return app

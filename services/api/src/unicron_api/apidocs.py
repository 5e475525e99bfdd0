"""``/api/docs``: Swagger UI on the API's contract, with its script, style and icon served by the API
from ``static/swagger/`` (vendored: ``VENDORED.md`` there), never from a CDN, so it works offline.

FastAPI's own docs page loads them from jsDelivr; ``_application`` turns it off (``docs_url=None``)
and installs this one. Neither route is in the contract (openapi.json).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

DOCS_PATH = "/api/docs"
ASSETS_PATH = "/api/docs/static"
ASSETS_DIR = Path(__file__).parent / "static" / "swagger"

# No online validator: Swagger UI would send the spec's URL to validator.swagger.io. Its other
# parameters are FastAPI's defaults.
SWAGGER_PARAMETERS = {"validatorUrl": None}


def install(app: FastAPI) -> None:
    """Serves Swagger UI on ``app``'s spec at ``/api/docs``, its assets below ``/api/docs/static/``."""
    spec_url = app.openapi_url
    if spec_url is None:
        raise ValueError("Swagger UI needs the app's spec: its openapi_url is None")
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="swagger-assets")

    async def docs(request: Request) -> HTMLResponse:
        # Behind a proxy that strips a prefix, every URL the page loads needs it back.
        root = request.scope.get("root_path", "").rstrip("/")
        assets = root + ASSETS_PATH
        return get_swagger_ui_html(
            openapi_url=root + spec_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
            oauth2_redirect_url=None,  # bearer tokens only: no OAuth2 flow to come back from
            swagger_ui_parameters=SWAGGER_PARAMETERS,
        )

    app.add_route(DOCS_PATH, docs, include_in_schema=False)

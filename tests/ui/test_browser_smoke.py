"""The browser harness works: Debian's Chromium renders a real ``unicron api``'s /api/docs from the
API's own assets, offline, and axe-core runs in a page under a CSP that forbids inline script."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, Request, expect

from unicron_testkit.browser import Violation, screenshot
from unicron_testkit.cluster import lone_api

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
STRICT_CSP = "default-src 'self'; script-src 'self'; frame-ancestors 'none'"
# A page with one critical violation (an image without a text alternative), one minor one (no
# <main> landmark, "moderate") and an inline script that the CSP must block.
PAGE = b"""<!doctype html><html lang="en"><head><title>Smoke</title></head>
<body><h1>Smoke</h1><img src="/pixel.png"><script>document.title = "inline ran";</script></body></html>"""


def test_api_docs_render_offline(page: Page, redis_url: str, tmp_path: Path) -> None:
    requested: list[str] = []
    failed: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", lambda request: failed.append(_describe(request)))
    with lone_api(tmp_path / "procs", redis_url) as api:
        page.goto(f"{api.base_url}/api/docs")
        expect(page.get_by_role("heading", name=re.compile(r"^Unicron"))).to_be_visible()
        # The spec was fetched and rendered: an operation of it is on the page.
        expect(page.get_by_role("button", name="GET /api/job/ List jobs")).to_be_visible()
        shot = screenshot(page, tmp_path / "shots" / "api-docs.png")
    assert shot.read_bytes().startswith(PNG_MAGIC)
    assert not failed, failed
    assert {urlsplit(url).netloc for url in requested} == {api.base_url.netloc.decode()}, requested
    assert any(url.endswith("/api/docs/static/swagger-ui-bundle.js") for url in requested), requested


def test_axe_runs_under_a_strict_csp(page: Page, axe: Callable[[Page], list[Violation]]) -> None:
    with _serve(PAGE, csp=STRICT_CSP) as url:
        page.goto(url)
        expect(page.get_by_role("heading", name="Smoke")).to_be_visible()
        assert page.title() == "Smoke"  # the CSP holds: the inline script did not run
        violations = axe(page)
    assert [(v.id, v.impact) for v in violations] == [("image-alt", "critical")], violations
    assert violations[0].targets == ("img",)


def _describe(request: Request) -> str:
    return f"{request.url}: {request.failure}"


@contextmanager
def _serve(body: bytes, *, csp: str) -> Iterator[str]:
    """A loopback HTTP server answering every GET with ``body`` as HTML under ``csp``; its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", csp)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: a line on stderr per request says nothing the test does not."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

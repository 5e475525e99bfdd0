"""/api/docs works offline: the page loads nothing from another host, and the API serves every asset it
names (tests/ui/test_browser_smoke.py renders it in a real browser)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

NO_TOKEN = {"Authorization": ""}
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".json": ("application/json",),
}


class _Links(HTMLParser):
    """The URLs of a page's ``src`` and ``href`` attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def _page(client: TestClient) -> tuple[str, list[str]]:
    response = client.get("/api/docs", headers=NO_TOKEN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    links = _Links()
    links.feed(response.text)
    # The spec, which Swagger UI fetches from the page's script: `url: '/api/openapi.json'`.
    links.urls += re.findall(r"\burl: '([^']*)'", response.text)
    return response.text, links.urls


def test_docs_page_names_no_other_host(client: TestClient) -> None:
    page, urls = _page(client)
    assert len(urls) == 4, urls  # the script, the style, the icon and the spec
    assert all(not urlsplit(url).scheme and not urlsplit(url).netloc for url in urls), urls
    assert "//" not in re.sub(r"<!--.*?-->", "", page), "a URL with a host in the page"
    assert '"validatorUrl": null' in page  # no spec URL sent to validator.swagger.io


def test_docs_assets_are_served_with_their_content_type(client: TestClient) -> None:
    _, urls = _page(client)
    for url in urls:
        response = client.get(url, headers=NO_TOKEN)
        assert response.status_code == 200, url
        suffix = "." + url.rsplit(".", 1)[-1]
        media_type = response.headers["content-type"].split(";")[0].strip()
        assert media_type in CONTENT_TYPES[suffix], (url, media_type)
        assert response.content, url


def test_a_missing_asset_is_a_404(client: TestClient) -> None:
    response = client.get("/api/docs/static/missing.js", headers=NO_TOKEN)
    assert response.status_code == 404
    assert response.json()["success"] is False

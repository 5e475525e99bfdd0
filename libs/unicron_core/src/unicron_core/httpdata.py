"""How a job's ``http_data`` is sent (README "The API"): the worker sends it so, the models check that
it can be.

- post/put/patch (``BODY_METHODS``): a form body (``form``), or a JSON body when ``http_headers`` has
  a JSON ``Content-Type`` (the worker's ``http_runner.is_json``);
- get/delete/head/options: the query string, merged into the URL's own query (``with_query``; the
  data wins on a key both have), whatever the ``Content-Type``. httpx refuses a URL longer than
  ``URL_MAX_CHARS``, so the models refuse such data at creation rather than every run failing.

Form and query values that are not scalars (objects, lists of objects) are sent as JSON text;
``None`` is an empty value, booleans are ``true``/``false``. Empty data sends no body at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

BODY_METHODS = frozenset({"post", "put", "patch"})
# The longest URL (and URL component) httpx accepts: MAX_URL_LENGTH in httpx/_urlparse.py. Counted
# as httpx writes the URL, percent-encoding included.
URL_MAX_CHARS = 65_536
ENCODED_CHAR_MAX = 12  # the most one character becomes in a query: "%XX" for each of 4 UTF-8 bytes


def form(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Form or query values as text; a list value repeats its key (``a=1&a=2``)."""
    return {key: [_scalar(item) for item in _items(value)] for key, value in data.items()}


def with_query(url: httpx.URL, data: Mapping[str, Any]) -> httpx.URL:
    """``url`` with ``data`` merged into its query, as the worker calls it (httpx's ``params=`` would
    replace the URL's own query instead).

    Raises:
        httpx.InvalidURL: the query is longer than httpx allows.
    """
    return url.copy_with(params=url.params.merge(form(data)))


def over_long_url(url: str, data: Mapping[str, Any]) -> int | None:
    """The length of ``with_query(httpx.URL(url), data)`` when it is over ``URL_MAX_CHARS`` (measured
    without building it, which httpx would refuse), else None; None too when httpx cannot parse
    ``url`` (the egress guard refuses it)."""
    values = form(data)
    # A URL that fits even with every character at its longest is not encoded to be measured (the
    # exact length costs ~30 us a job).
    chars = len(url) + sum(len(key) + len(item) + 2 for key, items in values.items() for item in items)
    if chars * ENCODED_CHAR_MAX <= URL_MAX_CHARS:
        return None
    try:
        base = httpx.URL(url)
        query = str(base.params.merge(values))
        length = len(str(base.copy_with(query=None))) + (len(query) + 1 if query else 0)
    except (httpx.InvalidURL, ValueError):  # an IDNA error is a ValueError
        return None
    return length if length > URL_MAX_CHARS else None


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _scalar(value: Any) -> str:
    """Form text for one value: what a form would send, JSON text for anything nested."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"  # as httpx and JSON spell them, not Python's True
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

"""Makes a job's HTTP call and reports the status and the (capped) answer text.

Encoding of ``http_data``: ``unicron_core.httpdata`` (a form body, a JSON body when ``http_headers``
has a JSON ``Content-Type``: ``application/json`` or ``application/*+json``, any parameters, any
header-name case; the query string for get/delete/head/options).

Calls run on one ``httpx.AsyncClient``, many at once (docs/decisions/0012-concurrent-worker.md);
the egress guard's check runs in a thread when it asks DNS.

Timeout: ``timeout_s`` bounds each phase (connect, send, wait for the answer) and the body is
read only until the same deadline. httpx has no single total timeout, so a server that stalls
just under the limit in several phases can stretch a call past ``timeout_s``; RQ's job timeout
stays the hard cap.

Secrets: error strings are built from the kind of failure and OS-level reasons only, never
from httpx's messages about the request (h11 quotes offending header values) nor the URL
(it may carry credentials).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import ssl
import time
from collections.abc import AsyncIterator, Callable
from http.cookiejar import CookieJar, DefaultCookiePolicy
from importlib import metadata
from typing import Any

import httpx

from unicron_core.egress import EgressGuard, Target
from unicron_core.errors import EgressRefused
from unicron_core.httpdata import BODY_METHODS, form, with_query
from unicron_core.models import RunSpec
from unicron_core.records import HttpOutput
from unicron_worker.aionet import AsyncioTransport
from unicron_worker.outcome import Outcome, format_seconds

_REASON_MAX_CHARS = 200
MAX_REDIRECTS = 3  # a job that asks for redirects gets at most this many hops, each checked
# Calls in flight on one client: httpcore's pool looks at each of its connections when a call
# starts and ends (and, past its keep-alive bound, at all of them for each idle one), so 1,000
# calls on one client cost more in that scan than in the calls; more clients are made as needed.
CLIENT_CALLS = 10
# Failures described by their kind alone: httpx's own messages may quote the URL or a header.
_FIXED_REASONS: tuple[tuple[tuple[type[Exception], ...], str], ...] = (
    ((httpx.RemoteProtocolError,), "the server sent an invalid HTTP answer"),
    ((httpx.DecodingError,), "could not decode the answer's Content-Encoding"),
    ((httpx.InvalidURL, httpx.UnsupportedProtocol), "invalid URL"),
    ((httpx.LocalProtocolError, UnicodeError), "invalid request: a header cannot be sent (must be ASCII)"),
    ((ValueError, TypeError), "invalid request: the data cannot be encoded"),
)


def user_agent() -> str:
    """``unicron/<version>``, the User-Agent of every call Unicron makes."""
    try:
        return f"unicron/{metadata.version('unicron-worker')}"
    except metadata.PackageNotFoundError:  # running from a source tree without install
        return "unicron/dev"


def no_cookies() -> CookieJar:
    """A cookie jar that keeps nothing. Every job shares the worker's client: a cookie that one job's
    target sets must never go out with another job's call to the same host (another user's session)."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


class _BudgetSpentError(Exception):
    """The body was still arriving when the call's budget ran out."""


class HttpRunner:
    """Runs HTTP jobs over one shared asyncio client, so calls to the same host reuse connections.
    Use it from one event loop."""

    def __init__(self, *, limit_bytes: int, guard: EgressGuard) -> None:
        """Builds the client.

        Args:
            limit_bytes: how much of an answer's body is kept; the rest is not read.
            guard: the egress guard every call is checked by, and pinned to.
        """
        self._limit_bytes = limit_bytes
        self._guard = guard
        # Redirects are not followed: a cron call should hit exactly the URL it names, and a
        # redirect would carry the user's headers (tokens) to another host.
        tls = httpx.create_ssl_context()  # one for every client: each costs milliseconds to load
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=CLIENT_CALLS)
        self._clients = _Clients(
            lambda: httpx.AsyncClient(
                follow_redirects=False,
                headers={"User-Agent": user_agent()},
                cookies=no_cookies(),
                transport=AsyncioTransport(verify=tls, limits=limits),
            )
        )

    async def call(
        self, spec: RunSpec, *, timeout_s: float, idempotency_key: str | None, job_id: str | None
    ) -> Outcome:
        """Makes the call ``spec`` describes.

        Args:
            spec: method, URL, headers and data of the call.
            timeout_s: the call's budget (see the module docstring).
            idempotency_key: sent as ``Idempotency-Key``, replacing any the user set: a fixed
                user key would make the receiver drop every fire after the first.
            job_id: recorded in the output.

        Returns:
            success for a 2xx answer; on a failure without an answer, status_code None and
            ``error`` saying why.

        Raises:
            ValueError: ``spec`` is a command, not an HTTP call.
        """
        if spec.http_url is None:
            raise ValueError("HttpRunner.call needs a spec with an http_url")
        deadline = time.monotonic() + timeout_s
        try:
            request, url = await self._build(spec, timeout_s=timeout_s, idempotency_key=idempotency_key)
            response, text, truncated = await self._send(
                request, url, deadline, redirects=spec.follow_redirects
            )
        except (httpx.HTTPError, httpx.InvalidURL, _BudgetSpentError, ValueError, TypeError) as exc:
            output = HttpOutput(job_id=job_id, status_code=None, text="")
            return Outcome(output=output, success=False, error=describe_error(exc, timeout_s))
        output = HttpOutput(job_id=job_id, status_code=response.status_code, text=text, truncated=truncated)
        return Outcome(output=output, success=response.is_success)

    async def _check(self, url: str) -> Target:
        """The egress guard's check: in a thread when it asks DNS, at once for an address."""
        if self._guard.resolves(url):
            return await asyncio.to_thread(self._guard.check, url)
        return self._guard.check(url)

    async def aclose(self) -> None:
        """Closes the pooled connections."""
        await self._clients.aclose()

    async def _send(
        self, request: dict[str, Any], url: httpx.URL, deadline: float, *, redirects: bool
    ) -> tuple[httpx.Response, str, bool]:
        """Sends ``request``; with ``redirects``, follows up to ``MAX_REDIRECTS``, each hop checked by
        the egress guard and pinned like the first."""
        async with self._clients.lease() as client:
            return await self._hops(client, request, url, deadline, redirects=redirects)

    async def _hops(
        self,
        client: httpx.AsyncClient,
        request: dict[str, Any],
        url: httpx.URL,
        deadline: float,
        *,
        redirects: bool,
    ) -> tuple[httpx.Response, str, bool]:
        for hop in range(MAX_REDIRECTS + 1):
            async with client.stream(**request) as response:
                location = response.headers.get("location")
                if redirects and response.is_redirect and location and hop < MAX_REDIRECTS:
                    request, url = await self._redirected(request, url, response.status_code, location)
                    continue
                text, truncated = await self._read_text(response, deadline)
                return response, text, truncated
        raise AssertionError("unreachable: the last hop always returns")  # pragma: no cover

    async def _redirected(
        self, request: dict[str, Any], previous: httpx.URL, status: int, location: str
    ) -> tuple[dict[str, Any], httpx.URL]:
        """The next hop: the same call (GET after a 303, or after a 301/302 of a POST, as browsers do);
        headers and body go only to the same host, so a redirect never carries the job's tokens away."""
        url = previous.join(location)
        target = await self._check(str(url))
        method = (
            "GET"
            if status == 303 or (status in (301, 302) and request["method"] == "POST")
            else request["method"]
        )
        same_host = url.host == previous.host and url.port == previous.port
        old_headers: httpx.Headers = request["headers"]
        headers = (
            httpx.Headers(old_headers)
            if same_host
            else httpx.Headers(
                {name: old_headers[name] for name in ("Idempotency-Key",) if name in old_headers}
            )
        )
        nxt: dict[str, Any] = {"method": method, "timeout": request["timeout"]}
        if method == request["method"] and same_host:
            nxt.update({k: request[k] for k in ("json", "data") if k in request})
        nxt.update(pinned(url, target, headers))
        return nxt, url

    async def _build(
        self, spec: RunSpec, *, timeout_s: float, idempotency_key: str | None
    ) -> tuple[dict[str, Any], httpx.URL]:
        """The keyword arguments of ``httpx.AsyncClient.stream`` for ``spec``, and the URL it names."""
        try:
            url = httpx.URL(spec.http_url or "")
            host = url.host  # decodes IDNA, which httpx would otherwise fail on mid-request
        except ValueError as exc:  # an IDNA error is a ValueError, not an httpx.InvalidURL
            raise httpx.InvalidURL("invalid URL") from exc
        if not host:
            raise httpx.InvalidURL("invalid URL")
        target = await self._check(str(url))
        headers = httpx.Headers(spec.http_headers)
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key  # replaces the user's, whatever its case
        request: dict[str, Any] = {"method": spec.http_method.upper(), "headers": headers}
        request["timeout"] = httpx.Timeout(timeout_s)
        data = spec.http_data
        if data and spec.http_method not in BODY_METHODS:
            url = with_query(url, data)
        elif data and is_json(headers.get("content-type")):
            request["json"] = data
        elif data:
            request["data"] = form(data)
        # No data, no body: not even "{}" for a JSON Content-Type.
        request.update(pinned(url, target, headers))
        return request, url

    async def _read_text(self, response: httpx.Response, deadline: float) -> tuple[str, bool]:
        """Reads the body up to ``limit_bytes`` and the deadline; returns its text and a truncated flag."""
        body = bytearray()
        truncated = False
        async for chunk in response.aiter_bytes():
            if time.monotonic() > deadline:
                raise _BudgetSpentError
            room = self._limit_bytes - len(body)
            body += chunk[:room]
            if len(chunk) > room:
                truncated = True  # stop here: closing the stream drops the rest unread
                break
        return _decode(bytes(body), response.encoding or "utf-8", final=not truncated), truncated


def pinned(url: httpx.URL, target: Target, headers: httpx.Headers) -> dict[str, Any]:
    """The request aimed at the address the egress guard checked, never at a second DNS answer,
    with the original name in the Host header and as the TLS server name (so certificates are
    still checked against it)."""
    headers["Host"] = url.netloc.decode("ascii")
    request: dict[str, Any] = {"url": url.copy_with(host=str(target.addresses[0])), "headers": headers}
    if target.scheme == "https":
        request["extensions"] = {"sni_hostname": target.host}
    return request


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type value names JSON (``application/json; charset=utf-8``, ``+json``)."""
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


class _Clients:
    """httpx clients, each with at most ``CLIENT_CALLS`` calls in flight. A call takes the first
    client with room, so calls one after the other reuse one client's connections."""

    def __init__(self, make: Callable[[], httpx.AsyncClient]) -> None:
        self._make = make
        self._clients: list[httpx.AsyncClient] = []
        self._calls: list[int] = []  # in flight, per client

    @contextlib.asynccontextmanager
    async def lease(self) -> AsyncIterator[httpx.AsyncClient]:
        i = next((i for i, calls in enumerate(self._calls) if calls < CLIENT_CALLS), len(self._clients))
        if i == len(self._clients):
            self._clients.append(self._make())
            self._calls.append(0)
        self._calls[i] += 1
        try:
            yield self._clients[i]
        finally:
            self._calls[i] -= 1

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()


def describe_error(exc: Exception, timeout_s: float) -> str:
    """A short reason for a failed call that never quotes headers, body or URL."""
    if isinstance(exc, httpx.TimeoutException | _BudgetSpentError):
        return f"timed out after {format_seconds(timeout_s)} s"
    if isinstance(exc, EgressRefused):  # names the host and the rule, never headers or the path
        return f"refused by the egress guard: {exc}"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {_os_reason(exc)}"
    if isinstance(exc, httpx.NetworkError):
        return f"connection lost: {_os_reason(exc)}"
    for kinds, reason in _FIXED_REASONS:
        if isinstance(exc, kinds):
            return reason
    return f"request failed: {type(exc).__name__}"


def _os_reason(exc: BaseException) -> str:
    """The operating system's words for a network failure ("[Errno 111] Connection refused").

    The chain is walked down to the OSError that carries an errno (asyncio's connect wraps it in
    one that does not), or to the TLS error: its text names the errno or the certificate problem
    and never the request's headers.
    """
    cause: BaseException | None = exc
    found: OSError | None = None
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return str(cause)[:_REASON_MAX_CHARS]
        if isinstance(cause, OSError):
            if cause.errno is not None:
                return f"[Errno {cause.errno}] {os.strerror(cause.errno)}"
            found = found or cause
        cause = cause.__cause__ or cause.__context__
    return (str(found) if found is not None else type(exc).__name__)[:_REASON_MAX_CHARS]


def _decode(data: bytes, encoding: str, *, final: bool) -> str:
    """Decodes leniently; a cut body loses its incomplete last character instead of showing U+FFFD."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    except LookupError:  # a charset Python does not know
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    return decoder.decode(data, final=final)

"""Real servers on loopback that record what they are sent: an HTTP sink (a job's target, a webhook)
and an SMTP sink (aiosmtpd).

An ``HttpSink`` answers every request with ``Reply(status)``; a test that needs more (a slow
target, a redirect, a status per path) subclasses it and overrides ``answer``. It speaks HTTP/1.1
with keep-alive, as real targets do, so a client's connection reuse shows in ``client_port``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthenticatorType, Envelope, Session

from unicron_testkit.ports import free_port

SERVE_POLL_S = 0.02  # how often the serving thread looks for shutdown(): closing is that quick
NO_BODY_STATUSES = frozenset({204, 304})


@dataclass(frozen=True)
class Request:
    """One request an HTTP sink received."""

    method: str
    target: str  # the path and query, as sent
    headers: dict[str, str]  # names in lower case: HTTP's are case-insensitive
    body: bytes
    client_port: int  # the client's side of the connection: the same port, the same connection

    @property
    def path(self) -> str:
        """The target without its query."""
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        """The query, parsed (blank values left out)."""
        return parse_qs(urlsplit(self.target).query)


@dataclass(frozen=True)
class Reply:
    """How a sink answers: a status, headers and a body.

    A body given as pieces (any iterable of bytes but ``bytes``) is sent one piece at a time, each
    flushed, and needs its Content-Length in ``headers``; a ``bytes`` body gets one by itself.
    """

    status: int = 200
    body: bytes | Iterable[bytes] = b"ok"
    headers: Mapping[str, str] = field(default_factory=dict)


class HttpSink:
    """A threaded HTTP server on 127.0.0.1 that records every request in ``requests``.

    Use as a context manager, or call ``start`` and ``close`` (in a ``finally``).
    """

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[Request] = []
        # Set when closing begins: an ``answer`` that holds a request (a slow target) waits on it.
        self.closing = threading.Event()
        self._server = _Server(self)
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": SERVE_POLL_S}, daemon=True
        )

    def answer(self, request: Request) -> Reply:
        """The reply to ``request`` (already recorded): ``status``, with "ok" where a body may go."""
        return Reply(self.status)

    def start(self) -> None:
        """Serves from a daemon thread."""
        self._thread.start()

    def close(self) -> None:
        """Releases held requests, stops serving and frees the port."""
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a keep-alive connection left open never holds up the test
    request_queue_size = 1024  # a worker's hundreds of calls at once connect without a retry

    def __init__(self, sink: HttpSink) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sink = sink


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            target=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            client_port=self.client_address[1],
        )
        self.server.sink.requests.append(request)
        self._send(self.server.sink.answer(request))

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        no_body = reply.status in NO_BODY_STATUSES
        if isinstance(reply.body, bytes) and not no_body:
            self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if no_body or self.command == "HEAD":
            return
        pieces = [reply.body] if isinstance(reply.body, bytes) else reply.body
        try:
            for piece in pieces:
                self.wfile.write(piece)
                self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client hung up, which may be what is tested

    # http.server's names for the method handlers.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        pass


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every envelope in ``envelopes``.

    Args:
        port: where it listens (default: a free port, in ``port``).
        authenticator: checks AUTH LOGIN and PLAIN (offered without TLS); without one, no AUTH.
    """

    def __init__(self, *, port: int | None = None, authenticator: AuthenticatorType | None = None) -> None:
        self.port = free_port() if port is None else port
        self.envelopes: list[Envelope] = []
        auth: dict[str, Any] = {}
        if authenticator is not None:
            auth = {"authenticator": authenticator, "auth_require_tls": False}
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **auth)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        """Every message received so far, parsed."""
        return [message_from_bytes(cast(bytes, e.content), policy=policy.default) for e in self.envelopes]

    def __enter__(self) -> Self:
        self._controller.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._controller.stop()

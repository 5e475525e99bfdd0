"""The API through its generated client, as every ``unicron`` command that talks to it uses it: where
the API is and the token, a call that turns every failure into one line (``RemoteError``), the
client's request bodies built from plain dicts, and what a command prints (``--json`` or text).
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import attrs
import httpx
from unicron_client import AuthenticatedClient
from unicron_client.errors import UnexpectedStatus
from unicron_client.models import ErrorEnvelope, JobSpec, TaskSpec
from unicron_client.types import Response

from unicron.commands import DEFAULT_URL
from unicron.conventions import TOKEN_FILE
from unicron_core.errors import ConfigError

E = TypeVar("E")
T = TypeVar("T")
B = TypeVar("B", JobSpec, TaskSpec)
EXIT_FAILED = 1  # the API refused, could not be reached, or what was awaited failed
EXIT_TIMEOUT = 124  # as timeout(1): still not finished when --wait-timeout ran out
REQUEST_TIMEOUT_S = 10.0
PAGE_MAX = 500  # the most a page of jobs or runs holds (the API's limit)


class RemoteError(Exception):
    """The API refused the request or could not be reached; the message is one line for the user."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status of a refusal; None when there was no answer


@dataclass(frozen=True)
class Api:
    """The generated client and the URL it talks to (for messages)."""

    client: AuthenticatedClient
    url: str

    def call(self, request: Callable[..., Response[ErrorEnvelope | E]]) -> E:
        """The parsed answer (the envelope) of ``request``.

        Raises:
            RemoteError: an error envelope, an unreachable API, or an answer that is not the API's.
        """
        try:
            response = request(client=self.client)
        except httpx.TimeoutException:
            raise RemoteError(
                f"the API at {self.url} did not answer within {REQUEST_TIMEOUT_S:g} s"
            ) from None
        except httpx.TransportError as exc:
            raise RemoteError(
                f"cannot reach the API at {self.url} ({_reason(exc)}): is it running? "
                "Set UNICRON_API_URL or --api-url"
            ) from None
        except UnexpectedStatus as exc:
            raise RemoteError(
                f"unexpected answer from {self.url}: HTTP {exc.status_code}{_msg(exc.content)}"
            ) from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise RemoteError(f"the answer from {self.url} is not the Unicron API's (wrong URL?)") from None
        parsed = response.parsed
        if isinstance(parsed, ErrorEnvelope):
            status = response.status_code.value
            raise RemoteError(f"{_error_text(parsed)} (HTTP {status})", status)
        if parsed is None:  # not with raise_on_unexpected_status; kept for the type checker
            raise RemoteError(f"no answer from {self.url}")
        return parsed


@contextmanager
def connect(args: argparse.Namespace) -> Iterator[Api]:
    """The API of ``--api-url`` (else ``UNICRON_API_URL``, else where ``unicron up`` serves), with the
    token of ``UNICRON_API_TOKEN``, else of ``up``'s data dir."""
    url = (args.api_url or os.environ.get("UNICRON_API_URL") or DEFAULT_URL).rstrip("/")
    # `unicron up` prints the API as http://host:port/api/: accept that as well as the server's root.
    url = url.removesuffix("/api")
    token = os.environ.get("UNICRON_API_TOKEN") or _token_from(args.data_dir)
    client = AuthenticatedClient(
        base_url=url,
        token=token,
        timeout=httpx.Timeout(REQUEST_TIMEOUT_S),
        verify_ssl=_tls(url),
        raise_on_unexpected_status=True,
    )
    with client:
        yield Api(client=client, url=url)


def _tls(url: str) -> bool | ssl.SSLContext:
    """How the client checks the API's certificate: httpx's default (certifi's CA bundle) for https.

    A plain-http API needs no CA bundle, and loading one costs ~40 ms of every command: such a client
    gets a TLS context that trusts no certificate, so a redirect or a proxy that turns to TLS fails
    closed, never unverified.
    """
    if url.lower().startswith("https:"):
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # checks host names and requires a certificate


def _token_from(data_dir: Path) -> str:
    path = data_dir / TOKEN_FILE
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        token = ""
    except OSError as exc:
        raise ConfigError(f"cannot read the API token in {path}: {exc.strerror}") from None
    if not token:
        raise ConfigError(
            f"no API token: set UNICRON_API_TOKEN, or run where `unicron up` keeps its data "
            f"({path} not found)"
        )
    return token


def body(
    model: type[B], payload: dict[str, Any], what: str, option_of: Callable[[str], str] | None = None
) -> B:
    """``payload`` as the client's ``model``. The API validates it; unknown fields are refused here:
    the client would drop them silently, and a typo (``timezon``) would register a job other than the
    one meant. ``what`` names the payload in messages (``job``, ``job 'nightly'``).

    Raises:
        ConfigError: an unknown field, a required one missing, or a value of the wrong shape.
    """
    unknown = sorted(set(payload) - fields_of(model))
    if unknown:
        raise ConfigError(f"invalid {what}: unknown field {unknown[0]!r}")
    try:
        return model.from_dict(payload)
    except KeyError as exc:
        field = exc.args[0]
        hint = f" ({option_of(field)})" if option_of else ""
        raise ConfigError(f"invalid {what}: {field} is required{hint}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"invalid {what}: {exc}") from None


def fields_of(model: type[JobSpec | TaskSpec]) -> set[str]:
    """The names of a request body's fields."""
    return {field.name for field in attrs.fields(model)}


def emit(args: argparse.Namespace, data: Any, text: Callable[[], str]) -> None:
    """``data`` as JSON with ``--json``, else ``text()`` for people."""
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        output = text()
        if output:
            print(output)


def warn(message: str) -> None:
    """One line on stderr, as every error of the command reads."""
    print(f"unicron: {message}", file=sys.stderr)


def _error_text(error: ErrorEnvelope) -> str:
    """The API's message; for a 422 every invalid field, not only the first."""
    fields = error.result.to_dict() if error.result is not None else {}
    if not fields:
        return error.msg
    return "invalid request: " + "; ".join(f"{name}: {message}" for name, message in fields.items())


def _msg(content: bytes) -> str:
    try:
        return f": {json.loads(content)['msg']}"
    except (ValueError, KeyError, TypeError):
        return ""


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    return text.rsplit("] ", 1)[-1]  # "[Errno 111] Connection refused" -> "Connection refused"


def paged(
    fetch: Callable[[str | None, int], tuple[list[T], str | None]], limit: int | None
) -> tuple[list[T], bool]:
    """The items of every page ``fetch(cursor, size)`` answers, up to ``limit`` (``None``: every
    one), and whether more were left. A filtered page may be short, or even empty, and still have a
    next one: only the cursor says when it ends."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        size = PAGE_MAX if limit is None else min(PAGE_MAX, limit - len(items))
        page, cursor = fetch(cursor, size)
        items += page
        if cursor is None or (limit is not None and len(items) >= limit):
            return items[:limit], cursor is not None

"""The egress guard where it counts, in the worker's HTTP runner: hostile URLs, a DNS answer that
changes after creation, and a redirect inward are all refused, and a canary listener on loopback
sees zero connections."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from unicron_core.egress import EgressGuard, IPAddress, resolve
from unicron_core.models import TaskSpec
from unicron_core.records import HttpOutput
from unicron_testkit.sinks import HttpSink, Reply, Request

from helpers import BlockingHttp


class Canary:
    """Listens on 127.0.0.1 and ::1 (same port) and counts every connection it is offered."""

    def __init__(self) -> None:
        self.connections = 0
        self.v4 = socket.create_server(("127.0.0.1", 0))
        self.port = self.v4.getsockname()[1]
        self.sockets = [self.v4]
        with contextlib.suppress(OSError):  # no IPv6 loopback here: the IPv4 one still counts
            self.sockets.append(socket.create_server(("::1", self.port), family=socket.AF_INET6))
        for sock in self.sockets:
            sock.settimeout(0.2)
            threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _accept(self, sock: socket.socket) -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    c = Canary()
    yield c
    c.close()


def _runner(answers: dict[str, str], allow: tuple[str, ...] = ()) -> BlockingHttp:
    def resolver(host: str, port: int) -> list[IPAddress]:
        if host in answers:
            return [ipaddress.ip_address(answers[host])]
        return resolve(host, port)

    return BlockingHttp(limit_bytes=1000, guard=EgressGuard(allow=allow, resolver=resolver))


def _call(runner: BlockingHttp, url: str, **fields: Any) -> str | None:
    outcome = runner.call(
        TaskSpec(name="t", http_url=url, **fields), timeout_s=2, idempotency_key=None, job_id=None
    )
    assert not outcome.success
    return outcome.error


HOSTS = [
    "127.0.0.1",
    "127.1",
    "2130706433",
    "0177.0.0.1",
    "0x7f.1",
    "0x7f000001",
    "localhost",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::127.0.0.1]",
    "[64:ff9b::7f00:1]",
    "[2002:7f00:1::]",
    "evil@127.0.0.1",
    "user:pw@localhost",
    "inward.test",
]


@pytest.mark.parametrize("host", HOSTS)
def test_hostile_targets_are_refused_at_run_time(canary: Canary, host: str) -> None:
    runner = _runner({"inward.test": "127.0.0.1"})
    error = _call(runner, f"http://{host}:{canary.port}/admin")
    # httpx's own parser refuses some forms (0177.0.0.1) before the guard sees them: refused too.
    assert error is not None and error.startswith(("refused by the egress guard", "invalid URL")), error
    assert canary.connections == 0


def test_a_dns_answer_that_changes_after_creation_is_refused(canary: Canary) -> None:
    at_creation = EgressGuard(resolver=lambda host, port: [ipaddress.ip_address("93.184.216.34")])
    at_creation.check(f"http://rebind.test:{canary.port}/")  # looked public when the job was made
    error = _call(_runner({"rebind.test": "127.0.0.1"}), f"http://rebind.test:{canary.port}/")
    assert error is not None and "loopback" in error
    assert canary.connections == 0


class Redirector(HttpSink):
    """Redirects every call to ``location``, but answers /final with the first two characters of
    the call's X-Token header."""

    def __init__(self, location: str) -> None:
        super().__init__()
        self.location = location

    def answer(self, request: Request) -> Reply:
        if request.path == "/final":
            return Reply(200, request.headers.get("x-token", "--").encode()[:2])
        return Reply(302, b"", {"Location": self.location})


def test_a_redirect_inward_is_refused_and_redirects_are_off_by_default(canary: Canary) -> None:
    with Redirector(f"http://127.0.0.2:{canary.port}/inside") as redirector:
        # The redirector itself is allowed by name; what it points at is not.
        runner = _runner({"outside.test": "127.0.0.1"}, allow=("outside.test",))
        url = f"http://outside.test:{redirector.port}/"
        off = runner.call(TaskSpec(name="t", http_url=url), timeout_s=2, idempotency_key=None, job_id=None)
        assert isinstance(off.output, HttpOutput)
        assert off.output.status_code == 302 and not off.success  # not followed unless asked
        error = _call(runner, url, follow_redirects=True)
        assert error is not None and "127.0.0.2" in error and "loopback" in error
    assert canary.connections == 0


def test_an_allowed_redirect_is_followed_with_headers_kept_on_the_same_host() -> None:
    with Redirector("/final") as redirector:
        runner = _runner({}, allow=("127.0.0.1/32",))
        spec = TaskSpec(
            name="t",
            http_url=redirector.url + "/start",
            http_headers={"X-Token": "ok"},
            follow_redirects=True,
        )
        outcome = runner.call(spec, timeout_s=2, idempotency_key=None, job_id=None)
        assert outcome.success and isinstance(outcome.output, HttpOutput)
        assert outcome.output.status_code == 200
        assert outcome.output.text == "ok"

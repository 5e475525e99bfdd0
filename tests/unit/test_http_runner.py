"""The HTTP executor against a real loopback server that records what it receives."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from unicron_core.egress import EgressGuard
from unicron_core.httpdata import URL_MAX_CHARS, with_query
from unicron_core.models import RunSpec
from unicron_core.records import HttpOutput
from unicron_testkit.ports import free_port
from unicron_testkit.sinks import HttpSink, Reply, Request
from unicron_worker.http_runner import is_json, user_agent
from unicron_worker.outcome import Outcome

from helpers import BlockingHttp

# The servers these tests call are on loopback, which the egress guard refuses by default.
LOOPBACK_ALLOWED = EgressGuard(allow=["127.0.0.0/8"])

LIMIT_BYTES = 65_536
BIG_BYTES = 1024 * 1024


class Target(HttpSink):
    """Answers by path: /status/<code> with that status, /slow holds the call until the sink closes,
    /trickle sends its body slowly, /big and /euro have bodies of their own, /login sets a cookie."""

    def answer(self, request: Request) -> Reply:
        path = request.path
        if path == "/slow":
            self.closing.wait(10)
        if path == "/trickle":
            return Reply(body=self._trickle(), headers={"Content-Length": "50"})
        status = int(path.split("/")[2]) if path.startswith("/status/") else 200
        body = {"/big": b"x" * BIG_BYTES, "/euro": "€€".encode()}.get(path, f"status {status}".encode())
        headers = {"Location": "/elsewhere"} if status == 302 else {}
        if path == "/login":
            headers["Set-Cookie"] = "session=user-a-secret; Path=/"
        return Reply(status, body, headers)

    def _trickle(self) -> Iterator[bytes]:
        """A body of 50 bytes, one every 0.05 s: each read is quick, the whole is slow."""
        for _ in range(50):
            yield b"x"
            if self.closing.wait(0.05):
                return


@pytest.fixture
def server() -> Iterator[Target]:
    target = Target()  # not ``with Target() as target``: HttpSink.__enter__ is typed as a plain sink
    with target:
        yield target


@pytest.fixture
def runner() -> Iterator[BlockingHttp]:
    http = BlockingHttp(limit_bytes=LIMIT_BYTES, guard=LOOPBACK_ALLOWED)
    try:
        yield http
    finally:
        http.close()


def spec(
    url: str, method: str = "get", headers: dict[str, str] | None = None, data: dict[str, Any] | None = None
) -> RunSpec:
    fields = {"name": "t", "http_url": url, "http_method": method, "http_headers": headers, "http_data": data}
    return RunSpec.model_validate(fields)  # as the API builds it, from plain data


def call(
    runner: BlockingHttp, run_spec: RunSpec, *, timeout_s: float = 5.0, key: str | None = "job-1"
) -> tuple[Outcome, HttpOutput]:
    outcome = runner.call(run_spec, timeout_s=timeout_s, idempotency_key=key, job_id="job")
    assert isinstance(outcome.output, HttpOutput)
    return outcome, outcome.output


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "head", "options"])
def test_each_method(server: Target, runner: BlockingHttp, method: str) -> None:
    outcome, output = call(runner, spec(server.url + "/hello", method))
    assert (outcome.success, outcome.error) == (True, None)
    assert output.status_code == 200
    assert output.text == ("" if method == "head" else "status 200")
    assert (output.job_id, output.truncated) == ("job", False)
    assert (server.requests[0].method, server.requests[0].path) == (method.upper(), "/hello")


DATA = {"a": 1, "b": "x y&z", "flag": True, "none": None, "many": [1, "two"], "nested": {"k": "v"}}
FLAT = {"a": ["1"], "b": ["x y&z"], "flag": ["true"], "many": ["1", "two"], "nested": ['{"k":"v"}']}


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_data_is_a_form_body_for_methods_with_a_body(
    server: Target, runner: BlockingHttp, method: str
) -> None:
    call(runner, spec(server.url + "/form", method, data=DATA))
    seen = server.requests[0]
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(seen.body.decode()) == FLAT  # parse_qs drops the empty "none" value
    assert b"none=" in seen.body
    assert seen.query == {}


@pytest.mark.parametrize("method", ["get", "delete", "head", "options"])
def test_data_is_the_query_string_for_the_others(server: Target, runner: BlockingHttp, method: str) -> None:
    call(runner, spec(server.url + "/q?fixed=1&a=0", method, data=DATA))
    seen = server.requests[0]
    assert seen.query == {"fixed": ["1"], **FLAT}  # merged with the URL's own query, data wins
    assert seen.body == b""


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_json_body_when_the_content_type_says_so(server: Target, runner: BlockingHttp, method: str) -> None:
    headers = {"content-TYPE": "Application/JSON; charset=utf-8"}
    call(runner, spec(server.url + "/json", method, headers=headers, data=DATA))
    seen = server.requests[0]
    assert json.loads(seen.body) == DATA
    assert seen.headers["content-type"] == "Application/JSON; charset=utf-8"  # the user's, untouched


def test_a_query_as_long_as_the_models_allow_goes_out(server: Target, runner: BlockingHttp) -> None:
    # The models refuse a longer one (tests/unit/test_httpdata.py): every run of it would fail.
    url = server.url + "/q"
    fixed = len(str(with_query(httpx.URL(url), {"a": ""})))
    data = {"a": "x" * (URL_MAX_CHARS - fixed)}
    outcome, _ = call(runner, spec(url, "get", data=data))
    assert (outcome.success, outcome.error) == (True, None)
    assert server.requests[0].query == {"a": [data["a"]]}


def test_json_content_type_on_get_still_uses_the_query(server: Target, runner: BlockingHttp) -> None:
    call(runner, spec(server.url + "/q", "get", headers={"Content-Type": "application/json"}, data={"a": 1}))
    assert (server.requests[0].query, server.requests[0].body) == ({"a": ["1"]}, b"")


def test_no_data_no_body(server: Target, runner: BlockingHttp) -> None:
    call(runner, spec(server.url + "/empty", "post", headers={"Content-Type": "application/json"}))
    assert server.requests[0].body == b""


def test_headers_user_agent_and_idempotency_key(server: Target, runner: BlockingHttp) -> None:
    call(
        runner,
        spec(server.url, headers={"Authorization": "Bearer s3cret", "X-Custom": "1"}),
        key="job-1700000000000",
    )
    headers = server.requests[0].headers
    assert headers["authorization"] == "Bearer s3cret"
    assert headers["x-custom"] == "1"
    assert headers["idempotency-key"] == "job-1700000000000"
    assert headers["user-agent"] == user_agent() == "unicron/2.0.0"


def test_our_idempotency_key_replaces_the_users_and_theirs_stays_without_ours(
    server: Target, runner: BlockingHttp
) -> None:
    user = {"idempotency-KEY": "fixed", "User-Agent": "mine/1"}
    call(runner, spec(server.url, headers=user), key="job-1")
    call(runner, spec(server.url, headers=user), key=None)
    assert [s.headers["idempotency-key"] for s in server.requests] == ["job-1", "fixed"]
    assert [s.headers["user-agent"] for s in server.requests] == ["mine/1", "mine/1"]


def test_error_status_is_a_failure_with_its_answer(server: Target, runner: BlockingHttp) -> None:
    outcome, output = call(runner, spec(server.url + "/status/500", "post"))
    assert (outcome.success, outcome.error) == (False, None)
    assert (output.status_code, output.text) == (500, "status 500")


def test_redirects_are_not_followed(server: Target, runner: BlockingHttp) -> None:
    outcome, output = call(runner, spec(server.url + "/status/302"))
    assert (outcome.success, output.status_code) == (False, 302)
    assert len(server.requests) == 1


def test_refused_connection(runner: BlockingHttp) -> None:
    outcome, output = call(
        runner, spec(f"http://127.0.0.1:{free_port()}/", headers={"X-Token": "tok-secret"})
    )
    assert not outcome.success
    assert (output.status_code, output.text) == (None, "")
    assert outcome.error is not None
    assert outcome.error.startswith("connection failed: ")
    assert "refused" in outcome.error.lower()
    assert "tok-secret" not in outcome.error


def test_slow_server_times_out(server: Target, runner: BlockingHttp) -> None:
    started = time.monotonic()
    outcome, output = call(runner, spec(server.url + "/slow"), timeout_s=0.3)
    assert time.monotonic() - started < 2
    assert (outcome.success, outcome.error) == (False, "timed out after 0.3 s")
    assert output.status_code is None


def test_a_trickling_body_is_cut_at_the_budget(server: Target, runner: BlockingHttp) -> None:
    started = time.monotonic()
    outcome, _ = call(runner, spec(server.url + "/trickle"), timeout_s=0.4)
    assert time.monotonic() - started < 1.5  # each read was quick; the whole call was not
    assert outcome.error == "timed out after 0.4 s"


def test_big_body_is_truncated_at_the_cap(server: Target) -> None:
    http = BlockingHttp(limit_bytes=1000, guard=LOOPBACK_ALLOWED)
    try:
        outcome, output = call(http, spec(server.url + "/big"))
        _, exact = call(http, spec(server.url + "/status/200"))
    finally:
        http.close()
    assert outcome.success
    assert (output.text, output.truncated) == ("x" * 1000, True)
    assert (exact.text, exact.truncated) == ("status 200", False)


def test_cap_inside_a_multibyte_character(server: Target) -> None:
    http = BlockingHttp(limit_bytes=4, guard=LOOPBACK_ALLOWED)
    try:
        _, output = call(http, spec(server.url + "/euro"))
    finally:
        http.close()
    assert (output.text, output.truncated) == ("€", True)


def test_connections_are_reused(server: Target, runner: BlockingHttp) -> None:
    call(runner, spec(server.url + "/one"))
    call(runner, spec(server.url + "/two"))
    assert server.requests[0].client_port == server.requests[1].client_port


def test_no_cookie_is_kept_between_calls(server: Target, runner: BlockingHttp) -> None:
    """Every job shares the worker's client: a cookie one job's target sets must never reach another
    job's call to the same host (it could be another user's session)."""
    call(runner, spec(server.url + "/login"))
    call(runner, spec(server.url + "/next"))
    assert "cookie" not in server.requests[1].headers


@pytest.mark.parametrize("url", ["http://xn--/", "http://127.0.0.1:8x/"])
def test_invalid_url(runner: BlockingHttp, url: str) -> None:
    outcome, output = call(runner, spec(url))
    assert (outcome.success, outcome.error, output.status_code) == (False, "invalid URL", None)


def test_unsendable_header_value_is_reported_without_the_value(server: Target, runner: BlockingHttp) -> None:
    outcome, _ = call(runner, spec(server.url, headers={"X-Token": "sécret-value"}))
    assert not outcome.success
    assert outcome.error is not None
    assert outcome.error.startswith("invalid request")
    assert "cret-value" not in outcome.error
    assert server.requests == []


def test_a_command_spec_is_a_caller_bug(runner: BlockingHttp) -> None:
    with pytest.raises(ValueError, match="http_url"):
        command = RunSpec.model_validate({"name": "c", "command": "true"})
        runner.call(command, timeout_s=1, idempotency_key=None, job_id=None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("application/json", True),
        (" APPLICATION/JSON ; charset=utf-8", True),
        ("application/merge-patch+json", True),
        ("application/x-www-form-urlencoded", False),
        ("text/json-ish", False),
        (None, False),
    ],
)
def test_is_json(value: str | None, expected: bool) -> None:
    assert is_json(value) is expected

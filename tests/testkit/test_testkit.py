"""The shared harness itself (libs/unicron_testkit): what the other tests, the bench and the deploy
checks rely on it for."""

from __future__ import annotations

import smtplib
import socket
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
import redis

from unicron.redis_server import RedisServerError
from unicron_testkit import redis as testkit_redis
from unicron_testkit.env import service_env
from unicron_testkit.ports import free_port
from unicron_testkit.procs import Procs
from unicron_testkit.redis import start_redis
from unicron_testkit.sinks import HttpSink, Reply, Request, SmtpSink
from unicron_testkit.waiting import WaitTimeout, wait_for


def test_wait_for_returns_the_first_truthy_value() -> None:
    answers: Iterator[object] = iter([None, 0, [], "ready"])
    assert wait_for(lambda: next(answers), 5, "the fourth answer", interval_s=0.001) == "ready"


def test_wait_for_names_what_it_waited_for() -> None:
    started = time.monotonic()
    with pytest.raises(WaitTimeout, match=r"timed out after 0.2 s waiting for the impossible"):
        wait_for(lambda: False, 0.2, "the impossible")
    assert time.monotonic() - started < 1
    assert issubclass(WaitTimeout, TimeoutError)  # the bench suppresses TimeoutError where a miss counts


def test_free_port_can_be_bound_and_is_never_redis_default() -> None:
    port = free_port()
    assert port != 6379
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_service_env_drops_the_callers_cluster_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("UNICRON_KEY", "the developer's")
    monkeypatch.setenv("SMTP_HOST", "mail.example")
    env = service_env(UNICRON_KEY="the test's")
    assert "REDIS_URL" not in env and "SMTP_HOST" not in env
    assert env["UNICRON_KEY"] == "the test's"
    assert env["PATH"]


class _Paths(HttpSink):
    def answer(self, request: Request) -> Reply:
        if request.path == "/pieces":
            return Reply(body=iter([b"ab", b"cd"]), headers={"Content-Length": "4"})
        return Reply(201, b"made", {"X-Sink": "yes"}) if request.method == "POST" else super().answer(request)


@pytest.fixture
def sink() -> Iterator[_Paths]:
    sink = _Paths()  # not ``with _Paths() as sink``: HttpSink.__enter__ is typed as a plain sink
    with sink:
        yield sink


def test_http_sink_records_requests_and_answers(sink: _Paths) -> None:
    with httpx.Client(base_url=sink.url) as client:
        got = client.get("/a?x=1&x=2", headers={"X-Token": "t"})
        posted = client.post("/b", content=b"body")
        head = client.head("/c")
        pieces = client.get("/pieces")
    assert (got.status_code, got.text) == (200, "ok")
    assert (posted.status_code, posted.text, posted.headers["x-sink"]) == (201, "made", "yes")
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "2")
    assert pieces.text == "abcd"
    first, second, *_ = sink.requests
    assert (first.method, first.path, first.query, first.headers["x-token"]) == (
        "GET",
        "/a",
        {"x": ["1", "2"]},
        "t",
    )
    assert (second.method, second.target, second.body) == ("POST", "/b", b"body")
    assert len({r.client_port for r in sink.requests}) == 1  # keep-alive: one connection for all four


def test_http_sink_status_without_a_body() -> None:
    with HttpSink(status=204) as sink:
        response = httpx.get(sink.url)
    assert (response.status_code, response.content) == (204, b"")
    assert len(sink.requests) == 1


def test_smtp_sink_keeps_every_message() -> None:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "a@x.test", "b@y.test", "hello"
    mail.set_content("body\n")
    with SmtpSink() as sink, smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
        client.send_message(mail)
    (envelope,) = sink.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == ("a@x.test", ["b@y.test"])
    assert sink.messages[0]["Subject"] == "hello"
    assert sink.messages[0].get_content().strip() == "body"  # as sent: CRLF line ends


def test_procs_keep_output_and_kill_what_ignores_sigterm(tmp_path: Path) -> None:
    procs = Procs(tmp_path, stop_timeout_s=0.3)
    stubborn = "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
    stubborn += " print('out'); print('err', file=sys.stderr, flush=True); time.sleep(60)"
    proc = procs.start([sys.executable, "-c", stubborn], name="stubborn")
    wait_for(lambda: procs.stderr(proc), 10, "the process to write")
    started = time.monotonic()
    assert procs.stop(proc) == -9  # SIGTERM ignored: SIGKILL after the timeout
    assert time.monotonic() - started < 5
    assert (procs.stdout(proc), procs.stderr(proc)) == ("out\n", "err\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0-stubborn.err", "0-stubborn.out"]


def test_start_redis_tries_another_port_when_one_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        taken_port = taken.getsockname()[1]
        ports = iter([taken_port, free_port()])
        monkeypatch.setattr(testkit_redis, "free_port", lambda: next(ports))
        server = start_redis(tmp_path / "redis")
    try:
        assert server.port is not None and server.port != taken_port
        with redis.Redis(port=server.port) as client:
            assert client.ping()
    finally:
        server.stop()


def test_start_redis_gives_up_after_its_attempts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        monkeypatch.setattr(testkit_redis, "free_port", lambda: taken.getsockname()[1])
        with pytest.raises(RedisServerError):
            start_redis(tmp_path / "redis", attempts=2)

"""Notifications against real parts: an aiosmtpd SMTP sink and a loopback webhook server."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from unicron_core.records import CommandOutput, HttpOutput, RunResult
from unicron_core.settings import Settings
from unicron_testkit.ports import free_port
from unicron_testkit.sinks import HttpSink, Reply, Request, SmtpSink
from unicron_worker.notify import Notifier, render_body

PASSWORD = "pw-s3cret-value"
START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "key": "k" * 32,
        "tz": "UTC",
        "email_from": "cron@unicron.test",
        "smtp_host": "127.0.0.1",
        "smtp_port": free_port(),
        "notify_timeout_s": 5.0,
        "egress_allow": "127.0.0.0/8",  # the webhook targets here are loopback servers
    }
    return Settings(**(values | overrides))


def command_run(success: bool = True) -> RunResult:
    output = CommandOutput(
        job_id="job1", stdout="backed up 3 files\n", stderr="warn: slow disk\n", exit_code=0
    )
    return RunResult(
        success=success,
        start=START,
        end=START + 1.5,
        output=output,
        run_id="run-1",
        scheduled=START,
        error=None,
    )


def http_run() -> RunResult:
    output = HttpOutput(job_id=None, status_code=None, text="")
    return RunResult(
        success=False,
        start=START,
        end=START + 5,
        output=output,
        run_id="run-2",
        scheduled=None,
        error="timed out after 5 s",
    )


def authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"mailer", PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink(authenticator=authenticate) as sink:
        yield sink


def test_email_arrives_with_subject_and_body(smtp: SmtpSink) -> None:
    notifier = Notifier(make_settings(smtp_port=smtp.port))
    try:
        result = notifier.email(to="a@x.test, b@y.test", job_name="nightly backup", run=command_run())
    finally:
        notifier.close()
    assert result == "sent"
    (envelope,) = smtp.envelopes
    assert envelope.mail_from == "cron@unicron.test"
    assert envelope.rcpt_tos == ["a@x.test", "b@y.test"]
    (message,) = smtp.messages
    assert message["Subject"] == "[unicron] nightly backup: success"
    assert message["To"] == "a@x.test, b@y.test"
    body = message.get_content()
    for line in (
        "Status: success",
        "Start: 2026-01-01T00:00:00.000+00:00",
        "End: 2026-01-01T00:00:01.500+00:00",
    ):
        assert line in body
    assert "Exit code: 0" in body
    assert "backed up 3 files" in body
    assert "warn: slow disk" in body


def test_failed_http_run_email(smtp: SmtpSink) -> None:
    notifier = Notifier(make_settings(smtp_port=smtp.port))
    try:
        result = notifier.email(to="ops@x.test", job_name="ping\r\nBcc: evil@x.test", run=http_run())
    finally:
        notifier.close()
    assert result == "sent"
    (envelope,) = smtp.envelopes
    assert envelope.rcpt_tos == ["ops@x.test"]  # the name's line break injected no header
    (message,) = smtp.messages
    assert message["Subject"] == "[unicron] ping Bcc: evil@x.test: failure"
    body = message.get_content()
    assert "HTTP status: None" in body
    assert "Error: timed out after 5 s" in body


def test_login_when_a_user_is_set(smtp: SmtpSink) -> None:
    good = Notifier(make_settings(smtp_port=smtp.port, smtp_user="mailer", smtp_password=PASSWORD))
    bad = Notifier(make_settings(smtp_port=smtp.port, smtp_user="mailer", smtp_password=PASSWORD + "-wrong"))
    try:
        assert good.email(to="a@x.test", job_name="j", run=command_run()) == "sent"
        failed = bad.email(to="a@x.test", job_name="j", run=command_run())
    finally:
        good.close()
        bad.close()
    assert failed.startswith("failed: SMTP 535")
    assert PASSWORD not in failed
    assert len(smtp.envelopes) == 1


def test_dead_smtp_port_fails_without_raising() -> None:
    notifier = Notifier(make_settings(smtp_password=PASSWORD))
    started = time.monotonic()
    try:
        result = notifier.email(to="a@x.test", job_name="j", run=command_run(success=False))
    finally:
        notifier.close()
    assert time.monotonic() - started < 2
    assert result.startswith("failed: ")
    assert "refused" in result.lower()
    assert PASSWORD not in result


def test_body_times_in_the_cluster_zone() -> None:
    body = render_body(job_name="j", run=command_run(), zone=ZoneInfo("Europe/Berlin"))
    assert "Start: 2026-01-01T01:00:00.000+01:00" in body
    assert "Scheduled: 2026-01-01T01:00:00.000+01:00" in body
    truncated = command_run()
    truncated.output.truncated = True
    assert "(output truncated)" in render_body(job_name="j", run=truncated, zone=ZoneInfo("UTC"))


class Hooks(HttpSink):
    """Webhook targets by path: /slow holds the call until the sink closes, /fail answers 500,
    /empty 204, any other 200."""

    def answer(self, request: Request) -> Reply:
        if request.path == "/slow":
            self.closing.wait(10)
        return Reply(500 if request.path == "/fail" else 204 if request.path == "/empty" else 200)


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    sink = Hooks()  # not ``with Hooks() as sink``: HttpSink.__enter__ is typed as a plain sink
    with sink:
        yield sink


@pytest.fixture
def notifier() -> Iterator[Notifier]:
    n = Notifier(make_settings(notify_timeout_s=0.3))
    try:
        yield n
    finally:
        n.close()


def test_hook_posts_json_with_headers(hooks: Hooks, notifier: Notifier) -> None:
    payload = {"job_id": "job1", "result": command_run().model_dump()}
    headers = {"Authorization": "Bearer hook-secret", "content-type": "text/plain"}
    assert notifier.hook(url=hooks.url + "/in", headers=headers, payload=payload) == "sent"
    assert notifier.hook(url=hooks.url + "/empty", headers={}, payload={}) == "sent"
    hit = hooks.requests[0]
    assert hit.path == "/in"
    assert json.loads(hit.body) == payload
    assert hit.headers["authorization"] == "Bearer hook-secret"
    assert hit.headers["content-type"] == "application/json"  # ours: the body is JSON
    assert hit.headers["user-agent"].startswith("unicron/")


def test_hook_error_status(hooks: Hooks, notifier: Notifier) -> None:
    assert notifier.hook(url=hooks.url + "/fail", headers={}, payload={"a": 1}) == "failed: HTTP 500"


def test_hook_refused(notifier: Notifier) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    result = notifier.hook(url=url, headers={"X-Token": "hook-secret"}, payload={})
    assert result.startswith("failed: connection failed: ")
    assert "hook-secret" not in result


def test_hook_timeout(hooks: Hooks, notifier: Notifier) -> None:
    started = time.monotonic()
    assert notifier.hook(url=hooks.url + "/slow", headers={}, payload={}) == "failed: timed out after 0.3 s"
    assert time.monotonic() - started < 2


def test_hook_payload_that_is_not_json(hooks: Hooks, notifier: Notifier) -> None:
    result = notifier.hook(url=hooks.url + "/in", headers={}, payload={"when": object()})
    assert result == "failed: invalid request: the data cannot be encoded"
    assert hooks.requests == []


def test_hook_is_signed_when_a_secret_is_set(hooks: Hooks) -> None:
    signed = Notifier(make_settings(hook_secret="shared-hook-secret"))
    try:
        assert signed.hook(url=hooks.url + "/in", headers={}, payload={"job_id": "j"}) == "sent"
    finally:
        signed.close()
    hit = hooks.requests[0]
    expected = hmac.new(b"shared-hook-secret", hit.body, hashlib.sha256).hexdigest()
    assert hit.headers["x-unicron-signature"] == f"sha256={expected}"
    assert "shared-hook-secret" not in hit.body.decode()


def test_hook_is_unsigned_without_a_secret(hooks: Hooks, notifier: Notifier) -> None:
    assert notifier.hook(url=hooks.url + "/in", headers={}, payload={}) == "sent"
    assert "x-unicron-signature" not in hooks.requests[0].headers

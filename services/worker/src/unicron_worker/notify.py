"""Tells people about a run: a plain-text email over SMTP and a JSON POST to a webhook.

A notification never fails the run (docs/architecture.md, "Workers"): each method returns ``"sent"`` or
``"failed: <reason>"`` and does not raise for a delivery problem. Reasons never carry the SMTP
password nor header values. Only delivery errors are caught: an exception the caller raises
into this thread (RQ's job timeout) still goes through.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import socket
import ssl
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from unicron_core.cron import get_zone
from unicron_core.records import CommandOutput, RunResult
from unicron_core.settings import Settings
from unicron_worker.http_runner import describe_error, no_cookies, pinned, user_agent
from unicron_worker.outcome import format_seconds

SENT = "sent"
_REASON_MAX_CHARS = 200
_HOOK_DRAIN_BYTES = 65_536  # a short answer is read so its connection can be reused


class Notifier:
    """Sends run notifications with the cluster's SMTP settings and one shared HTTP client."""

    def __init__(self, settings: Settings) -> None:
        """Keeps the SMTP settings and builds the webhook client; connects to nothing yet.

        Args:
            settings: ``EMAIL_FROM``, ``SMTP_*``, ``TZ`` (times in emails) and the notify timeout.
        """
        self._settings = settings
        self._timeout_s = settings.notify_timeout_s
        self._zone = get_zone(settings.tz)
        self._guard = settings.egress_guard()
        self._hook_secret = settings.hook_secret.get_secret_value().encode()
        self._client = httpx.Client(
            timeout=settings.notify_timeout_s,
            follow_redirects=False,
            headers={"User-Agent": user_agent()},
            cookies=no_cookies(),
        )

    def email(self, *, to: str, job_name: str, run: RunResult, event: str | None = None) -> str:
        """Emails the run's status and output to ``to`` (comma-separated addresses).

        Returns:
            ``"sent"`` or ``"failed: <reason>"``.
        """
        recipients = [address.strip() for address in to.split(",") if address.strip()]
        if not recipients:
            return "failed: no recipient"
        try:
            message = self._message(recipients, job_name=job_name, run=run, event=event)
            self._send(message, recipients)
        except (OSError, ValueError) as exc:  # smtplib's and ssl's errors are OSErrors
            return f"failed: {self._smtp_reason(exc)}"
        return SENT

    def hook(self, *, url: str, headers: Mapping[str, str], payload: dict[str, Any]) -> str:
        """POSTs ``payload`` as JSON to ``url`` with ``headers``.

        Returns:
            ``"sent"`` for a 2xx answer, else ``"failed: HTTP <status>"`` or ``"failed: <reason>"``.
        """
        try:
            target = self._guard.check(url)
            request_headers = httpx.Headers(headers)
            request_headers["Content-Type"] = "application/json"  # the body is JSON, whatever was set
            body = json.dumps(payload, separators=(",", ":")).encode()
            if self._hook_secret:
                # Receivers verify the body with the shared secret (GitHub's webhook convention).
                digest = hmac.new(self._hook_secret, body, hashlib.sha256).hexdigest()
                request_headers["X-Unicron-Signature"] = f"sha256={digest}"
            request = pinned(httpx.URL(url), target, request_headers)
            with self._client.stream("POST", content=body, **request) as response:
                _drain(response)
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, TypeError) as exc:
            return f"failed: {describe_error(exc, self._timeout_s)}"
        return SENT if response.is_success else f"failed: HTTP {response.status_code}"

    def close(self) -> None:
        """Closes the webhook client's connections."""
        self._client.close()

    def _message(
        self, recipients: list[str], *, job_name: str, run: RunResult, event: str | None
    ) -> EmailMessage:
        sender = self._settings.email_from
        message = EmailMessage()
        # A name is free text: a line break in a header would end it (header injection).
        subject_name = " ".join(job_name.split())
        message["Subject"] = f"[unicron] {subject_name}: {event or run.status}"
        message["From"] = sender
        message["To"] = ", ".join(recipients)
        message["Date"] = formatdate(usegmt=True)
        # make_msgid() without a domain asks DNS for our FQDN, which can hang.
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
        message.set_content(render_body(job_name=job_name, run=run, zone=self._zone))
        return message

    def _send(self, message: EmailMessage, recipients: list[str]) -> None:
        settings = self._settings
        # local_hostname: smtplib would otherwise resolve our FQDN for EHLO (a DNS wait).
        smtp = smtplib.SMTP(
            settings.smtp_host,
            settings.smtp_port,
            local_hostname=socket.gethostname(),
            timeout=self._timeout_s,
        )
        with smtp:
            if settings.smtp_tls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            smtp.send_message(message, from_addr=settings.email_from, to_addrs=recipients)

    def _smtp_reason(self, exc: BaseException) -> str:
        """A short reason for a failed email, with any echo of the password masked."""
        if isinstance(exc, smtplib.SMTPResponseException):
            text = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            reason = f"SMTP {exc.smtp_code} {text}"
        elif isinstance(exc, smtplib.SMTPRecipientsRefused):
            reason = "every recipient was refused"
        elif isinstance(exc, TimeoutError):
            reason = f"timed out after {format_seconds(self._timeout_s)} s"
        else:
            reason = str(exc) or type(exc).__name__
        return _mask(reason, self._settings)[:_REASON_MAX_CHARS]


def render_body(*, job_name: str, run: RunResult, zone: ZoneInfo) -> str:
    """The plain-text email body: when, how it went, and the output."""
    end = run.start if run.end is None else run.end  # an attempt's end: notified once it has one
    lines = [
        f"Job: {job_name}",
        f"Status: {run.status}",
        f"Start: {_iso(run.start, zone)}",
        f"End: {_iso(end, zone)}",
        f"Duration: {end - run.start:.3f} s",
    ]
    if run.scheduled is not None:
        lines.append(f"Scheduled: {_iso(run.scheduled, zone)}")
    lines.append(f"Run: {run.run_id}")
    if run.attempt > 1:
        lines.append(f"Attempt: {run.attempt}")
    if run.error:
        lines.append(f"Error: {run.error}")
    elif run.reason:
        lines.append(f"Reason: {run.reason}")
    output = run.output
    if isinstance(output, CommandOutput):
        lines += [f"Exit code: {output.exit_code}", "", "--- stdout ---", output.stdout]
        lines += ["--- stderr ---", output.stderr]
    else:
        lines += [f"HTTP status: {output.status_code}", "", "--- answer ---", output.text]
    if output.truncated:
        lines.append("--- (output truncated) ---")
    return "\n".join(lines) + "\n"


def _iso(epoch_s: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(epoch_s, tz=zone).isoformat(timespec="milliseconds")


def _mask(text: str, settings: Settings) -> str:
    """Masks the SMTP password and the base64 forms AUTH LOGIN/PLAIN send, should a server echo them."""
    password = settings.smtp_password.get_secret_value()
    if not password:
        return text
    plain = f"\0{settings.smtp_user}\0{password}".encode()
    for secret in (password, base64.b64encode(password.encode()).decode(), base64.b64encode(plain).decode()):
        text = text.replace(secret, "***")
    return text


def _drain(response: httpx.Response) -> None:
    """Reads a short answer to its end so the connection goes back to the pool; stops on a long one."""
    read_bytes = 0
    for chunk in response.iter_raw():
        read_bytes += len(chunk)
        if read_bytes > _HOOK_DRAIN_BYTES:
            return

"""Unicron's exception tree; the API maps it to HTTP in one handler.

UnicronError
├── ConfigError          a setting is missing or invalid
├── CryptoError
│   ├── KeyMismatch      the cluster key does not decrypt the canary
│   └── UnreadableRecord a stored record fails authentication or names an unknown key
├── InvalidSpec          a job or task definition is invalid
│   ├── InvalidSchedule  a cron expression cannot be parsed or never fires
│   ├── InvalidTimezone  a time zone name is not a known IANA zone
│   └── EgressRefused    a URL's scheme or host is not one jobs may call
├── NotFound             no job, task or key with that id
├── Conflict             the name is taken
├── RateLimited          too many requests for one key; retry later
├── Unauthorized         no API token, or an unknown one
└── Forbidden            the request is valid but not allowed by the cluster's settings
"""

from __future__ import annotations


class UnicronError(Exception):
    """Base of every error Unicron raises on purpose."""


class ConfigError(UnicronError):
    """A setting is missing or invalid."""


class CryptoError(UnicronError):
    """Encryption or decryption failed."""


class KeyMismatch(CryptoError):
    """The cluster key does not decrypt the canary written by the cluster's first node."""


class UnreadableRecord(CryptoError):
    """A stored record fails authentication, or was written with a key this node does not have."""


class InvalidSpec(UnicronError, ValueError):
    """A job or task definition is invalid; ``field`` names the field to blame, when there is one."""

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        """The message is ``"<field>: <reason>"`` when ``field`` is given, else ``reason``."""
        super().__init__(f"{field}: {reason}" if field else reason)
        self.reason = reason
        self.field = field


class InvalidSchedule(InvalidSpec):
    """A cron expression cannot be parsed, or never fires."""


class InvalidTimezone(InvalidSpec):
    """A time zone name is not a known IANA zone."""


class EgressRefused(InvalidSpec):
    """A URL's scheme or host (one of its addresses) is not one jobs and webhooks may call."""


class NotFound(UnicronError):
    """No job, task or API key with that id."""


class Conflict(UnicronError):
    """The thing to create exists already (an API key name)."""


class RateLimited(UnicronError):
    """The key made too many requests; ``retry_after_s`` says when to try again."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Forbidden(UnicronError):
    """The request is valid but the cluster's settings do not allow it."""


class Unauthorized(UnicronError):
    """The request carries no API token, or one the cluster does not know."""

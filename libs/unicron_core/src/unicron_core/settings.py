"""Cluster settings, read from the environment once, in each process's entry point.

The original Unicron's variable names are honoured (``UNICRON_KEY``, ``TZ``, ``REDIS_HOST``, ...);
``REDIS_URL`` wins over the ``REDIS_*`` parts when set; everything new is ``UNICRON_*``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from unicron_core.egress import EgressGuard
from unicron_core.errors import ConfigError

MIN_KEY_CHARS = 16


class Settings(BaseSettings):
    """Every setting of a Unicron node; field aliases are the environment variable names."""

    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", populate_by_name=True, frozen=True
    )

    key: SecretStr = Field(validation_alias="UNICRON_KEY")
    old_keys: SecretStr = Field(SecretStr(""), validation_alias="UNICRON_OLD_KEYS")
    tz: str = Field("UTC", validation_alias="TZ")
    debug: bool = Field(False, validation_alias="DEBUG")

    redis_url: SecretStr | None = Field(None, validation_alias="REDIS_URL")
    redis_host: str = Field("localhost", validation_alias="REDIS_HOST")
    redis_port: int = Field(6379, validation_alias="REDIS_PORT", ge=1, le=65535)
    redis_db: int = Field(0, validation_alias="REDIS_DB", ge=0)
    redis_password: SecretStr | None = Field(None, validation_alias="REDIS_PASSWORD")
    # Sentinel ("host:port,host:port"): the master's address comes from Sentinel, not from REDIS_URL.
    redis_sentinels: str = Field("", validation_alias="REDIS_SENTINELS")
    redis_sentinel_master: str = Field("mymaster", validation_alias="REDIS_SENTINEL_MASTER", min_length=1)
    redis_sentinel_password: SecretStr | None = Field(None, validation_alias="REDIS_SENTINEL_PASSWORD")

    email_from: str = Field("unicron@localhost", validation_alias="EMAIL_FROM")
    smtp_host: str = Field("localhost", validation_alias="SMTP_HOST")
    smtp_port: int = Field(25, validation_alias="SMTP_PORT", ge=1, le=65535)
    smtp_tls: bool = Field(False, validation_alias="SMTP_TLS")
    smtp_user: str = Field("", validation_alias="SMTP_USER")
    smtp_password: SecretStr = Field(SecretStr(""), validation_alias="SMTP_PASSWORD")
    # When set, every webhook carries X-Unicron-Signature: sha256=<HMAC-SHA256 of the body>.
    hook_secret: SecretStr = Field(SecretStr(""), validation_alias="UNICRON_HOOK_SECRET")

    api_tokens: SecretStr = Field(SecretStr(""), validation_alias="UNICRON_API_TOKENS")
    # A bootstrap key with every scope (e.g. from a Kubernetes Secret); more come from `unicron token`.
    admin_token: SecretStr = Field(SecretStr(""), validation_alias="UNICRON_ADMIN_TOKEN")
    rate_limit_per_minute: int = Field(6000, validation_alias="UNICRON_RATE_LIMIT", ge=0)
    min_interval_s: int = Field(1, validation_alias="UNICRON_MIN_INTERVAL", ge=1)
    max_jobs: int = Field(100_000, validation_alias="UNICRON_MAX_JOBS", ge=1)
    allow_commands: bool = Field(False, validation_alias="UNICRON_ALLOW_COMMANDS")
    # The command sandbox: the user a root worker runs commands as, their limits, and the worker
    # environment variables they may see (besides TZ and the UNICRON_* run variables).
    command_user: str = Field("nobody", validation_alias="UNICRON_COMMAND_USER")
    command_cpu_s: int = Field(600, validation_alias="UNICRON_COMMAND_CPU_S", ge=1)
    command_memory_mb: int = Field(2048, validation_alias="UNICRON_COMMAND_MEMORY_MB", ge=16)
    command_processes: int = Field(256, validation_alias="UNICRON_COMMAND_PROCESSES", ge=1)
    command_file_mb: int = Field(1024, validation_alias="UNICRON_COMMAND_FILE_MB", ge=1)
    command_env: str = Field("PATH,LANG,LC_ALL,LC_CTYPE", validation_alias="UNICRON_COMMAND_ENV")
    # Comma-separated CIDRs and host names that jobs may call although the egress guard would refuse
    # them (loopback, link-local, ...), and CIDRs refused although allowed by default (private ranges).
    egress_allow: str = Field("", validation_alias="UNICRON_EGRESS_ALLOW")
    egress_deny: str = Field("", validation_alias="UNICRON_EGRESS_DENY")
    queue: str = Field("unicron", validation_alias="UNICRON_QUEUE", pattern=r"^[A-Za-z0-9_.-]{1,64}$")

    # Runs in flight in one worker process: all at once, commands among them, and how long a
    # SIGTERM lets them finish before the rest are aborted.
    worker_concurrency: int = Field(100, validation_alias="UNICRON_WORKER_CONCURRENCY", ge=1, le=10_000)
    command_concurrency: int = Field(
        default_factory=lambda: os.cpu_count() or 1, validation_alias="UNICRON_COMMAND_CONCURRENCY", ge=1
    )
    worker_grace_s: float = Field(30.0, validation_alias="UNICRON_WORKER_GRACE_S", ge=0)

    result_retention_s: int = Field(86_400, validation_alias="UNICRON_RESULT_RETENTION", ge=60)
    max_runs_per_job: int = Field(100, validation_alias="UNICRON_MAX_RUNS", ge=1, le=10_000)
    output_limit_bytes: int = Field(65_536, validation_alias="UNICRON_OUTPUT_LIMIT", ge=1024)
    http_timeout_s: float = Field(30.0, validation_alias="UNICRON_HTTP_TIMEOUT", gt=0)
    command_timeout_s: float = Field(300.0, validation_alias="UNICRON_COMMAND_TIMEOUT", gt=0)
    notify_timeout_s: float = Field(10.0, validation_alias="UNICRON_NOTIFY_TIMEOUT", gt=0)

    lease_ttl_ms: int = Field(2_000, validation_alias="UNICRON_LEASE_TTL_MS", ge=500)
    fire_log_max: int = Field(10_000, validation_alias="UNICRON_FIRE_LOG", ge=0)
    misfire_grace_s: int = Field(60, validation_alias="UNICRON_MISFIRE_GRACE", ge=0)
    # Prometheus /metrics of the scheduler, the API and each worker process (0: off); `up` binds loopback.
    metrics_port: int = Field(0, validation_alias="UNICRON_METRICS_PORT", ge=0, le=65535)
    metrics_addr: str = Field("0.0.0.0", validation_alias="UNICRON_METRICS_ADDR", min_length=1)  # noqa: S104
    # The audit log keeps this many entries at most, none older than this many days.
    audit_max: int = Field(100_000, validation_alias="UNICRON_AUDIT_MAX", ge=100)
    audit_days: int = Field(90, validation_alias="UNICRON_AUDIT_DAYS", ge=1)
    # The dashboard's sessions end after this long without a request, and this long after sign-in.
    ui_idle_s: int = Field(1800, validation_alias="UNICRON_UI_IDLE", ge=60)
    ui_max_s: int = Field(43_200, validation_alias="UNICRON_UI_MAX_AGE", ge=60)

    @field_validator("key")
    @classmethod
    def _key_long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < MIN_KEY_CHARS:
            raise ValueError(f"must be at least {MIN_KEY_CHARS} characters (make one with `unicron keygen`)")
        return value

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from unicron_core.cron import get_zone  # noqa: PLC0415 - cron imports nothing from here

        get_zone(value)
        return value

    @property
    def redis_dsn(self) -> str:
        """The Redis URL: ``REDIS_URL`` when set, else built from the ``REDIS_*`` parts."""
        if self.redis_url is not None:
            return self.redis_url.get_secret_value()
        auth = ""
        if self.redis_password is not None:
            auth = ":" + quote(self.redis_password.get_secret_value(), safe="") + "@"
        return f"redis://{auth}{self.redis_host}:{self.redis_port}/{self.redis_db}"

    @field_validator("redis_sentinels")
    @classmethod
    def _sentinels_parse(cls, value: str) -> str:
        parse_host_ports(value)
        return value

    @property
    def sentinel_addresses(self) -> list[tuple[str, int]]:
        """The Sentinels of ``REDIS_SENTINELS``; empty when Redis is reached directly."""
        return parse_host_ports(self.redis_sentinels)

    @model_validator(mode="after")
    def _valid_egress_lists(self) -> Settings:
        self.egress_guard()  # a bad CIDR stops the process at start, naming the setting
        return self

    def egress_guard(self) -> EgressGuard:
        """The egress guard of ``UNICRON_EGRESS_ALLOW`` and ``UNICRON_EGRESS_DENY``."""
        return EgressGuard(allow=self.egress_allow.split(","), deny=self.egress_deny.split(","))

    @property
    def old_key_list(self) -> list[str]:
        """The retired cluster keys still accepted for reading."""
        return [k.strip() for k in self.old_keys.get_secret_value().split(",") if k.strip()]

    @property
    def api_token_list(self) -> list[str]:
        """The bearer tokens the API accepts."""
        return [t.strip() for t in self.api_tokens.get_secret_value().split(",") if t.strip()]


def parse_host_ports(text: str) -> list[tuple[str, int]]:
    """``"a:26379, [::1]:26379"`` as ``[("a", 26379), ("::1", 26379)]``.

    Raises:
        ValueError: an entry without a host or a port from 1 to 65535.
    """
    addresses = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        host, _, port = entry.rpartition(":")
        host = host.removeprefix("[").removesuffix("]")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError("must be a comma-separated list of host:port (port 1 to 65535)")
        addresses.append((host, int(port)))
    return addresses


def get_settings(defaults: Mapping[str, str] | None = None) -> Settings:
    """Reads the settings from the environment.

    Args:
        defaults: values of variables (by name) that the environment leaves unset, found by the
            caller elsewhere (the admin commands: in ``unicron up``'s data dir). They would win over
            the environment: the caller gives only those it does not set.

    Raises:
        ConfigError: one line naming each missing or invalid variable (never its value).
    """
    values: dict[str, Any] = dict(defaults or {})
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem, naming the environment variable and never echoing its value."""
    parts = []
    for err in exc.errors():
        name = ".".join(str(loc) for loc in err["loc"]) or "settings"
        message = "is not set" if err["type"] == "missing" else err["msg"]
        parts.append(f"{name.upper()} {message}")
    return "invalid configuration: " + "; ".join(parts)

"""The environment of a Unicron process under test: the caller's, minus what would point it at a
cluster, a Redis or a mail server of the developer's (their ``REDIS_URL``, say), plus the test's."""

from __future__ import annotations

import os

# Prefixes of those variables (unicron_core.settings); TZ, DEBUG and EMAIL_FROM are the caller's to set.
UNICRON_PREFIXES = ("UNICRON_", "REDIS_", "SMTP_")


def service_env(**settings: str) -> dict[str, str]:
    """This process's environment without a ``UNICRON_``, ``REDIS_`` or ``SMTP_`` variable, plus
    ``settings`` (variable name -> value)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(UNICRON_PREFIXES)}
    return base | settings

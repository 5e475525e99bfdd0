"""A store and scheduler on the session's real Redis, with a clock the test controls."""

from __future__ import annotations

import pytest

from unicron_core.settings import Settings
from unicron_core.store import Store


@pytest.fixture
def settings(redis_url: str, redis_client: object) -> Settings:
    return Settings(
        key="scheduler-test-key-0123456789",
        redis_url=redis_url,
        tz="UTC",
        lease_ttl_ms=600,
        allow_commands=True,
    )


@pytest.fixture
def store(settings: Settings) -> Store:
    return Store.from_settings(settings)

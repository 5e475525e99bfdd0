"""An in-process API on the session's real Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from unicron_api.app import create_app
from unicron_core.settings import Settings
from unicron_core.store import Store

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def settings(redis_url: str, redis_client: object) -> Settings:
    return Settings(
        key="unit-test-cluster-key-0123456789",
        redis_url=redis_url,
        api_tokens=TOKEN,
        allow_commands=True,
        tz="UTC",
    )


@pytest.fixture
def store(settings: Settings) -> Store:
    return Store.from_settings(settings)


@pytest.fixture
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(settings), headers=AUTH) as client:
        yield client

"""A live ``unicron api`` for the fuzzer: a real subprocess on the session's Redis, no scheduler and no
worker (so nothing a fuzzed job or task says is ever run), shared by the package's tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from unicron_testkit.cluster import lone_api


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[httpx.Client]:
    """A client on the live API, with the valid key; the API is stopped after the package."""
    with lone_api(tmp_path_factory.mktemp("fuzz-procs"), redis_url) as client:
        yield client

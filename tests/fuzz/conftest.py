"""A live ``unicron api`` for the fuzzer: a real subprocess on the session's Redis, no scheduler and no
worker (so nothing a fuzzed job or task says is ever run), shared by the package's tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis

from unicron_testkit.cluster import Cluster, cluster_env
from unicron_testkit.procs import Procs


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[httpx.Client]:
    """A client on the live API, with the valid key; the API is stopped after the package."""
    redis.Redis.from_url(redis_url).flushall()  # the session's own server; no test of ours uses it now
    procs = Procs(tmp_path_factory.mktemp("fuzz-procs"))
    cluster = Cluster(procs=procs, env=cluster_env(redis_url))
    try:
        yield cluster.start_api()
    finally:
        cluster.close()
        procs.stop_all()

"""A real cluster for integration tests: ``unicron api``, ``scheduler`` and ``worker`` subprocesses
(``unicron_testkit.cluster``) on the session's Redis, emptied first."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from unicron_testkit.cluster import Cluster, cluster_env
from unicron_testkit.procs import Procs


@pytest.fixture
def cluster(procs: Procs, redis_url: str, redis_client: object) -> Iterator[Cluster]:
    cluster = Cluster(procs=procs, env=cluster_env(redis_url))
    try:
        yield cluster
    finally:
        cluster.close()

"""One real cluster (``unicron api``, ``scheduler`` and ``worker`` subprocesses on the session's Redis)
shared by a test module, and clients on it: the generated one, and the ``unicron`` CLI's view."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis
from unicron_client import AuthenticatedClient

from unicron_testkit.cluster import TOKEN, Cluster, cluster_env
from unicron_testkit.procs import Procs


@dataclass(frozen=True)
class Live:
    """The cluster under test and where its API is."""

    cluster: Cluster
    url: str
    token: str = TOKEN


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Live]:
    """The module's cluster (not "package": tests/ has no __init__.py, so that would mean the whole
    session, and its scheduler and worker would outlive these tests and meddle with later ones)."""
    redis.Redis.from_url(redis_url).flushall()  # the session's own server, between modules
    procs = Procs(tmp_path_factory.mktemp("client-procs"))
    cluster = Cluster(procs=procs, env=cluster_env(redis_url))
    try:
        api = cluster.start_api()
        cluster.service("scheduler")
        cluster.service("worker")
        yield Live(cluster=cluster, url=str(api.base_url).rstrip("/"))
    finally:
        cluster.close()
        procs.stop_all()


@pytest.fixture
def client(live: Live) -> Iterator[AuthenticatedClient]:
    """The generated client with the cluster's token; it raises on a status the contract omits."""
    with AuthenticatedClient(base_url=live.url, token=live.token, raise_on_unexpected_status=True) as client:
        yield client

"""Fixtures shared by every test. Keep the Redis and process fixtures first; add yours below them.

- ``redis_server`` (session): a real ``redis-server`` on a free port (never 6379) with its own data
  dir, no persistence; always stopped by pid at the end.
- ``redis_url`` (session): its URL. ``redis_client``: a client on it, after FLUSHALL (our server).
- ``procs``: starts processes under test, stops them by pid afterwards, prints their output.
- Before any test, the workspace's packages are compiled to bytecode once (``pytest_configure``).

The harness behind them is ``unicron_testkit`` (libs/unicron_testkit), shared with bench/ and deploy/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from unicron.redis_server import RedisServer
from unicron_testkit.bytecode import compile_workspace
from unicron_testkit.procs import Procs
from unicron_testkit.redis import start_redis


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """The session's own Redis server."""
    server = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    """The URL of the session's Redis server."""
    return redis_server.url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client on the session's Redis, emptied first so every test starts clean."""
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Procs]:
    """Starts processes under test; they are always stopped (SIGTERM, then SIGKILL) at the end."""
    procs = Procs(tmp_path / "procs")
    try:
        yield procs
    finally:
        procs.stop_all()


def pytest_configure(config: pytest.Config) -> None:
    """Before any test (in xdist's controller, before its workers start): the workspace's bytecode, so
    that the hundreds of ``unicron`` processes the suite starts do not each compile it again."""
    if not hasattr(config, "workerinput"):
        compile_workspace()

"""Fixtures shared by every test. Keep the Redis and process fixtures first; add yours below them.

- ``redis_server`` (session): a real ``redis-server`` on a free port (never 6379) with its own data
  dir, no persistence; always stopped by pid at the end.
- ``redis_url`` (session): its URL. ``redis_client``: a client on it, after FLUSHALL (our server).
- ``procs``: starts processes under test, stops them by pid afterwards, prints their output.
- Before any test, the workspace's packages are compiled to bytecode once (``pytest_configure``);
  the longest modules (by the last run's seconds, in pytest's cache; else ``KNOWN_LONG``) are
  handed out first.

The harness behind them is ``unicron_testkit`` (libs/unicron_testkit), shared with bench/ and deploy/.
"""

from __future__ import annotations

import logging
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


# -- the order of the modules ------------------------------------------------------------------------

# Each module's seconds (setup, call and teardown of its tests) in the last run that ran it.
MODULE_SECONDS = "unicron/module-seconds"
# The longest modules, in seconds on a clean clone of two CPUs (most of it waiting on real processes):
# handed out first when pytest's cache has no figures (a fresh clone, CI), so that none starts last.
KNOWN_LONG = {
    "tests/integration/test_redis_outage.py": 55.0,
    "tests/fuzz/test_fuzz.py": 48.0,
    "tests/bench/test_bench_smoke.py": 40.0,
    "tests/worker/test_worker_death.py": 34.0,
    "tests/client/test_cli_lifecycle.py": 30.0,
    "tests/integration/test_end_to_end.py": 30.0,
    "tests/integration/test_retries.py": 25.0,
    "tests/worker/test_bad_cases.py": 23.0,
    "tests/ui/test_dashboard.py": 19.0,
    "tests/integration/test_up.py": 15.0,
}


@pytest.fixture(autouse=True)
def _no_stray_log_handler() -> Iterator[None]:
    """A command run in process (``unicron.cli.main``) points the root logger at the stderr pytest
    captures; that handler is taken off after the test, so that a log line from a thread left
    running (aiosmtpd's, a sink's) never goes to a stream pytest has closed."""
    root = logging.getLogger()
    before, level = set(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in before and type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    root.setLevel(level)


def pytest_configure(config: pytest.Config) -> None:
    """Before any test (in xdist's controller, before its workers start): the workspace's bytecode, so
    that the hundreds of ``unicron`` processes the suite starts do not each compile it again.

    ``--dist loadfile`` then hands the modules out in the order ``pytest_collection_modifyitems``
    gives them, not by their number of tests, most first (xdist's default): that put the modules of
    one or two long tests (the bench smoke, the fuzzer: ~30 s each) last, one worker waiting for
    the other.
    """
    if hasattr(config, "workerinput"):
        return
    compile_workspace()
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    if (cache := _cache(config)) is not None:
        config.pluginmanager.register(_ModuleSeconds(cache), "unicron-module-seconds")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest modules first, as long as the last run that ran them took (the others after them,
    in the order collected), so that the workers end at about the same time. A module's tests
    keep their order, and every worker sorts alike, from the same cache; without a figure of its
    own (a fresh clone, as CI runs), a module is as long as ``KNOWN_LONG`` says."""
    cache = _cache(config)
    seconds: dict[str, float] = KNOWN_LONG | (cache.get(MODULE_SECONDS, {}) if cache is not None else {})
    items.sort(key=lambda item: -seconds.get(_module(item.nodeid), 0.0))


class _ModuleSeconds:
    """Adds up each module's seconds as its reports come (in xdist's controller: every worker's), and
    keeps them in pytest's cache at the end, beside those of the modules this run did not run."""

    def __init__(self, cache: pytest.Cache) -> None:
        self.cache = cache
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        module = _module(report.nodeid)
        self.seconds[module] = self.seconds.get(module, 0.0) + report.duration

    def pytest_sessionfinish(self) -> None:
        if self.seconds:
            known: dict[str, float] = self.cache.get(MODULE_SECONDS, {})
            self.cache.set(MODULE_SECONDS, known | {m: round(s, 2) for m, s in self.seconds.items()})


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _cache(config: pytest.Config) -> pytest.Cache | None:
    """pytest's cache; none with ``-p no:cacheprovider`` (not even the attribute)."""
    cache: pytest.Cache | None = getattr(config, "cache", None)
    return cache

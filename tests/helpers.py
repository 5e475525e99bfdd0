"""Test data shared by tests of different folders. The harness (waiting, processes, sinks, Redis, a
cluster) is ``unicron_testkit``, in libs/unicron_testkit.

Importable as ``helpers`` from any test: pytest puts ``tests/`` on ``sys.path`` for its conftest.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from unicron_core.models import RunSpec
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_testkit.cluster import KEY
from unicron_testkit.sinks import HttpSink, Reply, Request
from unicron_worker import tasks
from unicron_worker.engine import Engine
from unicron_worker.http_runner import HttpRunner
from unicron_worker.outcome import Outcome
from unicron_worker.runtime import Runtime

T = TypeVar("T")


class BlockingHttp:
    """The worker's asyncio HTTP runner, called from a synchronous test: one event loop for the
    runner's whole life (its client's connections belong to the loop that opened them)."""

    def __init__(self, **runner: Any) -> None:
        self._loop = asyncio.Runner()
        self.runner = HttpRunner(**runner)

    def call(self, spec: RunSpec, **how: Any) -> Outcome:
        return self._loop.run(self.runner.call(spec, **how))

    def close(self) -> None:
        self._loop.run(self.runner.aclose())
        self._loop.close()


class LocalWorker:
    """A worker process's runtime, driven from a synchronous test on one event loop."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.loop = asyncio.Runner()
        self.rt = Runtime.build(settings, store)
        tasks.configure(self.rt)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run(coro)

    def engine(self, *, concurrency: int = 100, grace_s: float = 30, burst: bool = False) -> Engine:
        return Engine(self.rt, concurrency=concurrency, grace_s=grace_s, burst=burst)

    def close(self) -> None:
        self.loop.run(self.rt.aclose())
        self.loop.close()


def worker_settings(redis_url: str, **fields: Any) -> Settings:
    """A worker's settings for these tests: commands allowed, run as the test's own user, loopback
    targets allowed."""
    base: dict[str, Any] = {
        "key": KEY,  # the cluster's: a module may run real services on the same Redis
        "redis_url": redis_url,
        "command_user": "",
        "allow_commands": True,
        "egress_allow": "127.0.0.0/8",
    }
    return Settings(**(base | fields))


class Held(HttpSink):
    """Holds each call ``hold_s`` (or until closing), counting how many it holds at once."""

    def __init__(self, hold_s: float) -> None:
        super().__init__()
        self.hold_s = hold_s
        self.at_once = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def answer(self, request: Request) -> Reply:
        with self._lock:
            self.at_once += 1
            self.most_at_once = max(self.most_at_once, self.at_once)
        self.closing.wait(self.hold_s)
        with self._lock:
            self.at_once -= 1
        return Reply(200)


class HoldingFirst(HttpSink):
    """Holds the first call until ``release`` (or closing), answers the others at once."""

    def answer(self, request: Request) -> Reply:
        if len(self.requests) == 1:
            self.closing.wait(60)
        return Reply(200)

    def release(self) -> None:
        self.closing.set()


def raw(reply: object) -> bytes:
    """A Redis reply as the tests' clients give it: bytes, none of them decoding answers (redis-py
    types replies ``bytes | str``, for either kind of client)."""
    assert isinstance(reply, bytes), reply
    return reply


def sleeping(*seconds: str) -> list[int]:
    """The pids of the ``sleep`` processes with one of these arguments (a test's own, by a value no
    other test uses; a zombie's command line is empty: it is gone)."""
    wanted = {("sleep", s) for s in seconds}
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if tuple(argv[:2]) in wanted:
            found.append(int(proc.name))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# Hostile job URLs (SSRF tricks) the egress guard must refuse; `.test` names resolve only in tests
# that give the guard their own resolver.
HOSTILE = [
    "http://127.0.0.1/",
    "http://127.1/",
    "http://127.0.0.1:6380/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://localhost/",
    "http://LOCALHOST./",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::127.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:a9fe:a9fe::1]/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://169.254.0.1/",
    "http://[fe80::1]/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://198.18.0.1/",
    "http://evil@127.0.0.1/",
    "http://user:pass@127.0.0.1:80/",
    "http://loopback.test/",
    "http://mixed.test/",
    "http://metadata.test/",
    "http://v6loop.test/",
    "http://mapped.test/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "ftp://example.test/",
    "dict://127.0.0.1:6379/",
    "//127.0.0.1/",
    "http:///nohost",
    "http://unknown-name.test/",
]

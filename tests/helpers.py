"""Helpers for tests that drive real processes: poll with a deadline (never ``sleep(n)``), stop by pid.

Importable as ``helpers`` from any test: pytest puts ``tests/`` on ``sys.path`` for its conftest.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from redis import Redis

from unicron_core import keys

T = TypeVar("T")
STOP_TIMEOUT_S = 10.0
OUTPUT_TAIL_CHARS = 4000  # enough of a log to see why a process failed, not a wall of text


def wait_for(
    predicate: Callable[[], T], timeout_s: float, interval_s: float = 0.05, message: str = "the condition"
) -> T:
    """Polls ``predicate`` until it returns something truthy, and returns that.

    Raises:
        AssertionError: still falsy after ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {message}")
        time.sleep(interval_s)


def fire_log(redis: Redis, after: str = "-", count: int = 10_000) -> list[tuple[int, str, int, int]]:
    """The fire log's entries after stream id ``after``, oldest first: (enqueue ms by Redis's clock,
    job id, scheduled ms, epoch)."""
    rows = redis.xrange(keys.FIRE_LOG, min=after, count=count)
    return [
        (int(entry_id.decode().split("-")[0]), f[b"job"].decode(), int(f[b"ms"]), int(f[b"epoch"]))
        for entry_id, f in rows
    ]


class Procs:
    """Processes under test, each in its own session, its stdout and stderr in files of ``log_dir``."""

    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(
        self, args: Sequence[str], *, env: Mapping[str, str] | None = None, name: str | None = None
    ) -> subprocess.Popen[bytes]:
        """Starts ``args``; ``env`` replaces the environment (default: this process's)."""
        name = f"{len(self._procs)}-{name or Path(args[0]).name}"
        self._log_dir.mkdir(parents=True, exist_ok=True)
        with self._path(name, "out").open("wb") as out, self._path(name, "err").open("wb") as err:
            proc = subprocess.Popen(
                list(args),
                env={**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,  # signals to the test's own group never reach it, and back
            )
        self._procs.append((name, proc))
        return proc

    def stdout(self, proc: subprocess.Popen[bytes]) -> str:
        """What ``proc`` has written to stdout so far."""
        return self._path(self._name(proc), "out").read_text(errors="replace")

    def stderr(self, proc: subprocess.Popen[bytes]) -> str:
        """What ``proc`` has written to stderr so far."""
        return self._path(self._name(proc), "err").read_text(errors="replace")

    def stop(self, proc: subprocess.Popen[bytes], timeout_s: float = STOP_TIMEOUT_S) -> int:
        """SIGTERM to its process group, wait up to ``timeout_s``, then SIGKILL; returns the exit code."""
        _signal_group(proc, signal.SIGTERM)
        try:
            return proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            return proc.wait()

    def stop_all(self) -> None:
        """Stops every process, newest first, and prints each one's output (pytest shows it on failure)."""
        for name, proc in reversed(self._procs):
            code = self.stop(proc)
            print(f"--- {name} pid {proc.pid} {proc.args!r} exit {code}")
            for stream in ("out", "err"):
                text = self._path(name, stream).read_text(errors="replace")
                print(f"--- std{stream}:\n{text[-OUTPUT_TAIL_CHARS:]}")

    def _name(self, proc: subprocess.Popen[bytes]) -> str:
        return next(name for name, known in self._procs if known is proc)

    def _path(self, name: str, stream: str) -> Path:
        return self._log_dir / f"{name}.{stream}"


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signum)


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

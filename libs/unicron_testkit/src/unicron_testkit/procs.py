"""Processes under test or measurement: real subprocesses, each in its own session, their stdout and
stderr in files, always stopped by pid (SIGTERM to the group, then SIGKILL)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from unicron.redis_server import die_with_this_process

STOP_TIMEOUT_S = 10.0
OUTPUT_TAIL_CHARS = 4000  # enough of a log to see why a process failed, not a wall of text


class Procs:
    """Starts processes, keeps their output in files of ``log_dir``, stops them by pid.

    Each runs in its own session (a signal to the caller's group never reaches it, nor back) and is
    sent SIGTERM by Linux when the thread that started it dies, even by SIGKILL: start long-lived
    ones from a thread that lives as long as they should.
    """

    def __init__(self, log_dir: Path, *, stop_timeout_s: float = STOP_TIMEOUT_S) -> None:
        self.log_dir = log_dir
        self.stop_timeout_s = stop_timeout_s
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(
        self, args: Sequence[str], *, env: Mapping[str, str] | None = None, name: str | None = None
    ) -> subprocess.Popen[bytes]:
        """Starts ``args``; ``env`` replaces the environment (default: this process's)."""
        name = f"{len(self._procs)}-{name or Path(args[0]).name}"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self._path(name, "out").open("wb") as out, self._path(name, "err").open("wb") as err:
            proc = subprocess.Popen(
                list(args),
                env={**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                preexec_fn=die_with_this_process(),  # noqa: PLW1509 - two system calls, as RedisServer's
            )
        self._procs.append((name, proc))
        return proc

    def stdout(self, proc: subprocess.Popen[bytes]) -> str:
        """What ``proc`` has written to stdout so far."""
        return self._path(self._name(proc), "out").read_text(errors="replace")

    def stderr(self, proc: subprocess.Popen[bytes]) -> str:
        """What ``proc`` has written to stderr so far."""
        return self._path(self._name(proc), "err").read_text(errors="replace")

    def signal(self, proc: subprocess.Popen[bytes], signum: int) -> None:
        """Sends ``signum`` to the process's whole group (a worker's children too) while it runs."""
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signum)

    def stop(self, proc: subprocess.Popen[bytes], timeout_s: float | None = None) -> int:
        """SIGTERM to its group, wait up to ``timeout_s`` (default: the constructor's), then SIGKILL;
        always reaped. Returns the exit code."""
        self.signal(proc, signal.SIGTERM)
        try:
            return proc.wait(timeout=self.stop_timeout_s if timeout_s is None else timeout_s)
        except subprocess.TimeoutExpired:
            self.signal(proc, signal.SIGKILL)
            return proc.wait()

    def stop_all(self, *, report: bool = True) -> None:
        """Stops every process: SIGTERM to all at once, so they stop side by side, then each waited
        for (SIGKILL past the stop timeout); with ``report``, prints the tail of each one's output
        (pytest shows it when a test fails)."""
        for _, proc in self._procs:
            self.signal(proc, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout_s
        for name, proc in reversed(self._procs):
            code = self.stop(proc, timeout_s=max(0.0, deadline - time.monotonic()))
            if not report:
                continue
            print(f"--- {name} pid {proc.pid} {proc.args!r} exit {code}")
            for stream in ("out", "err"):
                text = self._path(name, stream).read_text(errors="replace")
                print(f"--- std{stream}:\n{text[-OUTPUT_TAIL_CHARS:]}")

    def _name(self, proc: subprocess.Popen[bytes]) -> str:
        return next(name for name, known in self._procs if known is proc)

    def _path(self, name: str, stream: str) -> Path:
        return self.log_dir / f"{name}.{stream}"

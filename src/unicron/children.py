"""The service processes ``unicron up`` keeps running: each a child in its own session, restarted
when it dies (at most once a second), until a stop signal (docs/decisions/0002-unicron-up.md)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType

from unicron.conventions import EXIT_USAGE
from unicron.redis_server import die_with_this_process

log = logging.getLogger(__name__)

TICK_S = 0.05  # how often up looks at its children and at the stop flag
RESTART_MIN_INTERVAL_S = 1.0  # a crash loop restarts a child at most once a second
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass
class Child:
    """One service process, in its own process group so it can be signalled with what it started."""

    name: str
    args: list[str]
    env: Mapping[str, str]
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = field(default=float("-inf"))  # time.monotonic() of the latest start

    def start(self) -> None:
        """Starts (or restarts) the process."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "unicron", *self.args],
            env=dict(self.env),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_this_process(),  # noqa: PLW1509 - two system calls, safe even with threads
        )
        self.started_at = time.monotonic()
        log.debug("started %s (pid %s)", self.name, self.proc.pid)

    def returncode(self) -> int | None:
        """The exit code once it has exited (negative: killed by that signal), else None."""
        return None if self.proc is None else self.proc.poll()

    def running(self) -> bool:
        """Started and not exited yet."""
        return self.proc is not None and self.proc.poll() is None

    def signal_group(self, signum: int) -> None:
        """Sends ``signum`` to the child's whole process group (worker processes, their commands)."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signum)


class StopFlag:
    """Set by SIGINT, SIGTERM or SIGHUP; the loops look at it every tick.

    The handler only records the signal: logging or stopping processes from inside a signal handler
    could deadlock on a lock the interrupted code holds.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._noted = False

    def requested(self) -> bool:
        """Whether a stop signal arrived; the first time it says so, it logs which."""
        if self.signum is not None and not self._noted:
            self._noted = True
            log.info("%s received: stopping", signal.Signals(self.signum).name)
        return self.signum is not None

    def install(self) -> None:
        """Makes the stop signals set this flag instead of killing ``up`` half-way."""
        for signum in STOP_SIGNALS:
            # An ignored signal stays ignored: `nohup unicron up` must survive its terminal closing.
            if signal.getsignal(signum) is not signal.SIG_IGN:
                signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum  # later signals are ignored: the shutdown is bounded anyway


def supervise(children: Sequence[Child], stop: StopFlag) -> int:
    """Keeps the children running until a stop signal (then 0) or a failure a restart cannot fix."""
    while not stop.requested():
        code = tend(children)
        if code is not None:
            return code
        time.sleep(TICK_S)
    return 0


def tend(children: Sequence[Child]) -> int | None:
    """Restarts children that died; returns an exit code when a restart cannot help."""
    for child in children:
        code = child.returncode()
        if code is None or time.monotonic() - child.started_at < RESTART_MIN_INTERVAL_S:
            continue
        if code == EXIT_USAGE:  # our CLI's exit code for bad arguments or configuration
            log.error("%s stopped on a configuration error (see above): stopping everything", child.name)
            return EXIT_USAGE
        log.warning("%s (pid %s) %s; restarting it", child.name, child.proc and child.proc.pid, _how(code))
        # Its group may still hold processes it started (worker processes): they are orphans now.
        child.signal_group(signal.SIGKILL)
        child.start()
    return None


def _how(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"

"""No command outlives its worker, however the worker ends (docs/architecture.md, "Workers").

Each command leads a process group of its own. A worker process starts one reaper, a small process
in a session of its own that reads, on a pipe, the groups the worker's commands start (``+<pgid>``)
and end (``-<pgid>``). When the pipe closes, because the worker exited or was killed with SIGKILL,
the reaper kills every group still listed and exits. A process that left its group (``setsid``)
is not reached, as a run's own end does not reach it either.

Run as ``python -m unicron_worker.reaper``; the worker's side is ``Reaper``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading

log = logging.getLogger(__name__)


class Reaper:
    """The worker's side: starts the reaper process and tells it the groups (from any thread)."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "unicron_worker.reaper"],
            stdin=subprocess.PIPE,
            start_new_session=True,  # a signal to the worker's group (Ctrl-C) leaves it to its work
        )
        self._lock = threading.Lock()
        self._warned = False

    def started(self, pgid: int) -> None:
        """A command's group now runs."""
        self._tell(f"+{pgid}\n")

    def ended(self, pgid: int) -> None:
        """A command's group is gone (killed and reaped by its run)."""
        self._tell(f"-{pgid}\n")

    def close(self) -> None:
        """The worker's orderly end: the reaper kills what is left (nothing, normally) and exits."""
        with self._lock, contextlib.suppress(OSError):
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(5)

    def _tell(self, line: str) -> None:
        stdin = self._proc.stdin
        try:
            with self._lock:
                if stdin is not None:
                    stdin.write(line.encode())
                    stdin.flush()
        except (OSError, ValueError) as exc:  # the reaper died: runs go on, unguarded
            if not self._warned:
                log.error("the command reaper is gone (%s): commands may outlive this worker", exc)
                self._warned = True


def main() -> None:
    """Reads the groups until the worker's end of the pipe closes, then kills those left."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)  # only the pipe's end ends it
    groups: set[int] = set()
    for line in sys.stdin.buffer:
        sign, pgid = line[:1], line[1:].strip()
        if pgid.isdigit():
            (groups.add if sign == b"+" else groups.discard)(int(pgid))
    for pgid in groups - {0, 1}:
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)


if __name__ == "__main__":
    main()

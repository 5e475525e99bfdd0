"""``--wait``: poll the API until a task or a run has finished, with a deadline, showing progress on
stderr (a line that updates in place on a terminal, a line per change of status elsewhere)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, TypeVar

from unicron.calls import warn

T = TypeVar("T")
POLL_FIRST_S = 0.1
POLL_MAX_S = 1.0
SPINNER = "|/-\\"


def until_done(
    fetch: Callable[[], T],
    status: Callable[[T], str | None],
    *,
    finished: Callable[[str], bool],
    label: str,
    timeout_s: float,
) -> T | None:
    """What ``fetch`` answers once ``finished`` says so of its status; ``None`` (after a line on
    stderr) when ``timeout_s`` runs out first. ``status`` is ``None`` while there is nothing to see
    yet (a run not recorded yet)."""
    started = time.monotonic()
    deadline = started + timeout_s
    interval = POLL_FIRST_S
    with progress(label, sys.stderr) as show:
        while True:
            seen = fetch()
            now = status(seen)
            if now is not None and finished(now):
                return seen
            show(now or "queued", time.monotonic() - started)
            if time.monotonic() + interval > deadline:
                warn(f"{label} is still {now or 'not recorded'} after {timeout_s:g} s")
                return None
            time.sleep(interval)  # polling the API, with a deadline
            interval = min(interval * 1.5, POLL_MAX_S)


@contextmanager
def progress(label: str, stream: IO[str]) -> Iterator[Callable[[str, float], None]]:
    """A status line of ``label`` (``task 1f2e...``) that updates in place on a terminal; elsewhere a
    line per change of status."""
    tty = stream.isatty()
    seen: list[str] = []

    def show(status: str, elapsed_s: float) -> None:
        if tty:
            spin = SPINNER[int(elapsed_s * 4) % len(SPINNER)]
            # \033[K clears what a longer line before left.
            stream.write(f"\r{spin} {label}: {status}, {elapsed_s:.1f} s\033[K")
            stream.flush()
        elif not seen or seen[-1] != status:
            stream.write(f"{label}: {status} after {elapsed_s:.1f} s\n")
            stream.flush()
        seen.append(status)

    try:
        yield show
    finally:
        if tty and seen:
            stream.write("\r\033[K")  # clear the status line
            stream.flush()

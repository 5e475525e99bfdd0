"""Waiting for something to happen: poll a condition until a deadline, never ``sleep(n)`` and hope."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
POLL_INTERVAL_S = 0.05


class WaitTimeout(TimeoutError):
    """A condition was still false at its deadline."""


def wait_for(
    predicate: Callable[[], T | None],
    timeout_s: float,
    message: str = "the condition",
    *,
    interval_s: float = POLL_INTERVAL_S,
) -> T:
    """Polls ``predicate`` every ``interval_s`` until it returns something truthy, and returns that.

    Args:
        predicate: the condition; an exception it raises ends the wait at once.
        timeout_s: how long to keep polling.
        message: what is awaited, for the error ("the API's /readyz").
        interval_s: the pause between two polls.

    Raises:
        WaitTimeout: still falsy after ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise WaitTimeout(f"timed out after {timeout_s:g} s waiting for {message}")
        time.sleep(interval_s)

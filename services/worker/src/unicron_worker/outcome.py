"""What an executor (HTTP or shell) reports about one run, before it becomes a ``RunResult``."""

from __future__ import annotations

from dataclasses import dataclass

from unicron_core.records import CommandOutput, HttpOutput


@dataclass(frozen=True)
class Outcome:
    """The output of one run and whether it succeeded.

    Attributes:
        output: what the call answered or the command printed.
        success: 2xx for HTTP, exit code 0 for a command.
        error: why the run failed without an answer ("timed out after 5 s", "connection
            failed: ..."); None when there was an answer, even a failing one. Never holds a
            header value or any other secret.
    """

    output: HttpOutput | CommandOutput
    success: bool
    error: str | None = None


def format_seconds(seconds: float) -> str:
    """``5.0`` -> ``"5"``, ``0.25`` -> ``"0.25"``: timeouts as users wrote them."""
    return f"{seconds:g}"

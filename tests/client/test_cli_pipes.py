"""`unicron ... | head`: a command whose stdout is closed early exits quietly, with the shell's code
for a command stopped by a closed pipe, and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from unicron_testkit.cluster import TOKEN

if TYPE_CHECKING:
    from client.conftest import Live  # this folder's conftest, as mypy names it; only a type here

EXIT_SIGPIPE = 141  # 128 + SIGPIPE, as the shell reports `yes | head`
TIMEOUT_S = 30
# Reads one byte and exits: `head -c 1`, without relying on head being installed.
READ_ONE_BYTE = [sys.executable, "-c", "import os; os.read(0, 1)"]


def into_a_pipe(
    args: list[str], *, reader: list[str] | None, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Runs ``unicron <args>`` with its stdout a pipe to ``reader`` (None: a pipe nobody reads, closed
    before the command starts); returns its exit code and stderr."""
    read_end, write_end = os.pipe()
    reading = None
    if reader is not None:
        reading = subprocess.Popen(reader, stdin=read_end)
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "unicron", *args],
            stdout=write_end, stderr=subprocess.PIPE, text=True, env=env, timeout=TIMEOUT_S, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
        if reading is not None:
            reading.wait(TIMEOUT_S)
    return done.returncode, done.stderr


# What `cron next` says on stderr before its times: the schedule in words, and nothing else.
IN_WORDS = "every second, UTC\n"


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        (["keygen"], ""),  # one line: written at once, or when stdout is flushed at the end
        (["cron", "next", "* * * * * *", "--count", "50000", "--tz", "UTC"], IN_WORDS),  # line after line
    ],
    ids=["keygen", "cron next"],
)
def test_a_pipe_closed_before_the_command_writes(args: list[str], stderr: str) -> None:
    assert into_a_pipe(args, reader=None) == (EXIT_SIGPIPE, stderr)


def test_a_reader_that_stops_while_the_command_writes() -> None:
    # 50,000 lines: over a megabyte, which no pipe holds.
    args = ["cron", "next", "* * * * * *", "--count", "50000", "--tz", "UTC"]
    assert into_a_pipe(args, reader=READ_ONE_BYTE) == (EXIT_SIGPIPE, IN_WORDS)


def test_task_status_json_into_head(live: Live) -> None:
    # Both streams at the output cap: the JSON is larger than a pipe holds, so it cannot all fit
    # before the reader goes away.
    command = "head -c 70000 /dev/zero | tr '\\0' o; head -c 70000 /dev/zero | tr '\\0' e >&2"
    task_id = live.cluster.post("/api/async/", {"name": "loud", "command": command})
    live.cluster.wait_task(task_id)
    env = {**os.environ, "UNICRON_API_URL": live.url, "UNICRON_API_TOKEN": TOKEN}
    args = ["task", "status", task_id, "--json"]
    assert into_a_pipe(args, reader=READ_ONE_BYTE, env=env) == (EXIT_SIGPIPE, "")
    assert into_a_pipe(args, reader=None, env=env) == (EXIT_SIGPIPE, "")

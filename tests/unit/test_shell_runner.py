"""The shell executor against real processes: /bin/sh, pipes, process groups, /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from unicron_core.records import CommandOutput
from unicron_testkit.waiting import wait_for
from unicron_worker import shell_runner
from unicron_worker.outcome import Outcome
from unicron_worker.shell_runner import run_command

ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "UNICRON_JOB_ID": "job123",
    "UNICRON_RUN_ID": "run-1",
    "UNICRON_FIRE_TIME": "2026-01-01T00:00:00+00:00",
    "TZ": "UTC",
}
SHELL_ADDED = {"PWD", "OLDPWD", "SHLVL", "_"}  # what sh itself may export


def run(command: str, *, timeout_s: float = 10.0, limit_bytes: int = 65_536) -> tuple[Outcome, CommandOutput]:
    outcome = run_command(command, timeout_s=timeout_s, env=ENV, limit_bytes=limit_bytes, job_id="job123")
    assert isinstance(outcome.output, CommandOutput)
    return outcome, outcome.output


def is_alive(pid: int) -> bool:
    """A pid counts as alive unless /proc has no entry or the process is a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def wait_all_gone(pids: list[int], timeout_s: float = 5.0) -> list[int]:
    """Polls /proc until every pid is gone; returns those still alive at the deadline."""
    deadline = time.monotonic() + timeout_s
    while (alive := [pid for pid in pids if is_alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.01)
    return alive


def pids_in(text: str) -> list[int]:
    return [int(line) for line in text.split()]


def test_exit_code_stdout_and_stderr() -> None:
    outcome, output = run("echo out; echo err >&2; exit 3")
    assert (outcome.success, outcome.error) == (False, None)
    assert (output.stdout, output.stderr, output.exit_code, output.truncated) == ("out\n", "err\n", 3, False)
    assert output.job_id == "job123"


def test_exit_zero_is_success() -> None:
    outcome, output = run("true")
    assert outcome.success
    assert output.exit_code == 0
    assert outcome.error is None


def test_stdin_is_empty() -> None:
    _, output = run("cat; echo done")
    assert output.stdout == "done\n"


def test_environment_is_exactly_the_given_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNICRON_TEST_LEAK", "must not reach the command")
    _, output = run("env")
    seen = dict(line.split("=", 1) for line in output.stdout.splitlines())
    assert {name: seen[name] for name in ENV} == ENV
    assert set(seen) - set(ENV) <= SHELL_ADDED


def test_output_capped_per_stream_while_draining_the_rest() -> None:
    mib = 1024 * 1024
    command = f"head -c {mib} /dev/zero | tr '\\0' a; head -c {mib} /dev/zero | tr '\\0' b >&2; echo end >&2"
    started = time.monotonic()
    outcome, output = run(command, limit_bytes=1000)
    assert time.monotonic() - started < 5
    assert outcome.success  # the child was never blocked on a full pipe
    assert (output.stdout, output.stderr) == ("a" * 1000, "b" * 1000)
    assert output.truncated


def test_output_exactly_at_the_cap_is_not_truncated() -> None:
    _, output = run("printf abc", limit_bytes=3)
    assert (output.stdout, output.truncated) == ("abc", False)


def test_unicode_output() -> None:
    _, output = run(r"printf 'h\303\251llo \342\234\223\n'; printf '\377ok' >&2")
    assert output.stdout == "héllo ✓\n"
    assert output.stderr == "\ufffdok"  # invalid UTF-8 is replaced, not fatal


def test_cap_inside_a_multibyte_character_drops_it_whole() -> None:
    _, output = run(r"printf '\342\202\254\342\202\254'", limit_bytes=4)  # "€€", 3 bytes each
    assert (output.stdout, output.truncated) == ("€", True)


def test_timeout_kills_the_whole_group_with_grandchildren() -> None:
    # The inner shell leaves a background sleep holding the pipes; both must die.
    command = "echo $$; sh -c 'sleep 100 & echo $!; echo $$; sleep 100'"
    started = time.monotonic()
    outcome, output = run(command, timeout_s=0.5)
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 0.5 + shell_runner.KILL_GRACE_S
    assert (outcome.success, outcome.error) == (False, "timed out after 0.5 s")
    assert output.exit_code == -signal.SIGTERM
    pids = pids_in(output.stdout)
    assert len(pids) == 3
    assert wait_all_gone(pids) == []


def test_group_ignoring_sigterm_gets_sigkill(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shell_runner, "KILL_GRACE_S", 0.2)
    # Ignored dispositions survive exec: the background sleep ignores SIGTERM too.
    outcome, output = run("trap '' TERM; sleep 100 & echo $!; sleep 100", timeout_s=0.3)
    assert outcome.error == "timed out after 0.3 s"
    assert output.exit_code == -signal.SIGKILL
    assert wait_all_gone(pids_in(output.stdout)) == []


def test_background_leftovers_die_with_the_run() -> None:
    started = time.monotonic()
    outcome, output = run("sleep 100 & echo $!", timeout_s=10)
    assert time.monotonic() - started < 2  # no waiting for the background job's pipes
    assert outcome.success
    assert wait_all_gone(pids_in(output.stdout)) == []


class _InterruptedError(Exception):
    """Stands for RQ's JobTimeoutException, raised into the main thread by a signal handler."""


@pytest.fixture
def interrupt_soon() -> Iterator[None]:
    """Raises _InterruptedError in the main thread 0.3 s from now (SIGUSR1: pytest-timeout owns SIGALRM)."""

    def handler(signum: int, frame: object) -> None:
        raise _InterruptedError

    previous = signal.signal(signal.SIGUSR1, handler)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGUSR1))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR1, previous)


@pytest.mark.usefixtures("interrupt_soon")
def test_exception_in_the_calling_thread_kills_the_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "pids"
    with pytest.raises(_InterruptedError):
        run(f"echo $$ > {pid_file}; sleep 100 & echo $! >> {pid_file}; sleep 100", timeout_s=30)
    pids = pids_in(pid_file.read_text())
    assert len(pids) == 2
    assert wait_all_gone(pids) == []


def test_a_command_that_cannot_start_is_reported() -> None:
    outcome, output = run("echo \0")
    assert not outcome.success
    assert outcome.error is not None
    assert outcome.error.startswith("could not start the command: ")
    assert output.exit_code is None


def test_exit_is_seen_without_reaping() -> None:
    proc = subprocess.Popen(["sleep", "100"])
    try:
        assert not shell_runner._exited(proc.pid)
        proc.terminate()
        wait_for(lambda: shell_runner._exited(proc.pid), 5)
        assert proc.poll() == -signal.SIGTERM  # still there to reap: WNOWAIT left it
    finally:
        proc.kill()
        proc.wait()


def test_everything_works_without_a_pidfd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "pidfd_open")
    outcome, output = run("echo out; echo err >&2; exit 3")
    assert (output.stdout, output.stderr, output.exit_code) == ("out\n", "err\n", 3)
    started = time.monotonic()
    outcome, _ = run("sleep 30", timeout_s=0.3)
    assert outcome.error == "timed out after 0.3 s"
    assert time.monotonic() - started < 0.3 + shell_runner.KILL_GRACE_S

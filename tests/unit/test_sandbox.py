"""The command sandbox: a non-root user, a private working directory, and limits that hold."""

from __future__ import annotations

import os
import pwd
from dataclasses import replace
from pathlib import Path

import pytest

from unicron_core.records import CommandOutput
from unicron_testkit.waiting import wait_for
from unicron_worker import shell_runner
from unicron_worker.outcome import Outcome
from unicron_worker.shell_runner import Sandbox, run_command

ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
# RLIMIT_NPROC counts every process of a uid, machine-wide: these tests (a fork bomb among them) run
# their commands as a user nothing else runs as, so that they and the commands other tests run at
# the same time as nobody (the default) never share one count.
ALONE = "games"
ALONE_UID = pwd.getpwnam(ALONE).pw_uid
TIGHT = Sandbox(user=ALONE, cpu_s=1, memory_bytes=256 << 20, processes=64, file_bytes=1 << 20)


def run(command: str, sandbox: Sandbox = TIGHT, timeout_s: float = 10) -> Outcome:
    return run_command(command, timeout_s=timeout_s, env=ENV, limit_bytes=4096, job_id=None, sandbox=sandbox)


def _output(outcome: Outcome) -> CommandOutput:
    """What the command wrote (a command's outcome always holds a CommandOutput)."""
    assert isinstance(outcome.output, CommandOutput)
    return outcome.output


@pytest.fixture(autouse=True, params=["dash", "prlimit", "set up in the child"])
def spawn_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs each way a sandbox is set up: dash's ulimit, util-linux's prlimit (setpriv
    switches the user in both), or Python in the child when neither is there."""
    if request.param == "dash" and not shell_runner.SHELL_IS_DASH:
        pytest.skip("/bin/sh is not dash here")
    if request.param != "dash":
        monkeypatch.setattr(shell_runner, "SHELL_IS_DASH", False)
    if request.param == "set up in the child":
        monkeypatch.setattr(shell_runner, "PRLIMIT", None)
        monkeypatch.setattr(shell_runner, "SETPRIV", None)


def _processes_of(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid and (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def test_runs_as_nobody_in_a_private_directory_when_the_worker_is_root() -> None:
    outcome = run('id -u; pwd; echo "$HOME"; touch mine && echo wrote', replace(TIGHT, user="nobody"))
    uid, cwd, home, wrote = _output(outcome).stdout.split()
    expected = 65534 if os.geteuid() == 0 else os.geteuid()
    assert int(uid) == expected
    assert cwd == home and cwd.startswith("/tmp/unicron-run-")
    assert wrote == "wrote"
    assert not Path(cwd).exists()  # removed after the run


def test_the_limits_cannot_be_raised_again() -> None:
    outcome = run("ulimit -H -v; ulimit -H -v unlimited && echo raised")
    assert _output(outcome).stdout.split() == [str(256 << 10)]


def test_the_worker_environment_does_not_leak() -> None:
    outcome = run("env")
    names = {line.split("=", 1)[0] for line in _output(outcome).stdout.splitlines()}
    assert names <= {"PATH", "HOME", "PWD", "SHLVL", "_", "OLDPWD"}


def test_a_memory_hog_is_refused_and_reported() -> None:
    outcome = run('/usr/bin/python3 -c "bytearray(1024 * 2**20)"')
    assert not outcome.success
    assert "MemoryError" in _output(outcome).stderr


def test_a_cpu_hog_is_stopped_and_the_reason_given() -> None:
    outcome = run("while :; do :; done")
    assert not outcome.success
    assert outcome.error is not None and "CPU time" in outcome.error


def test_a_big_file_is_cut_at_the_limit() -> None:
    outcome = run("head -c 5000000 /dev/zero > big; ls -l big | awk '{print $5}'")
    assert int(_output(outcome).stdout) <= 1 << 20
    assert "File size limit exceeded" in _output(outcome).stderr


def test_a_fork_bomb_is_contained_and_killed_with_the_run() -> None:
    outcome = run("bomb(){ bomb | bomb & }; bomb; sleep 2; echo survived", timeout_s=6)
    assert "Cannot fork" in _output(outcome).stderr or "fork" in _output(outcome).stderr.lower()
    if os.geteuid() == 0:
        wait_for(lambda: _processes_of(ALONE_UID) == [], 5, message="the bomb's processes to be gone")


def test_timeout_kills_the_whole_group_under_the_sandbox() -> None:
    outcome = run("sleep 100 & sleep 100", timeout_s=1)
    assert outcome.error == "timed out after 1 s"
    if os.geteuid() == 0:
        wait_for(lambda: _processes_of(ALONE_UID) == [], 5, message="the group to be gone")

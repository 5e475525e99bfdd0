"""Runs a shell command in its own process group, with capped output and a group-wide timeout.

Why a process group: ``sh -c 'a & b'`` leaves grandchildren that hold the output pipes open;
killing only the shell would leave them running and our readers waiting for an EOF. The run owns
its group: when the shell exits, times out, or the calling thread is interrupted (RQ raises its
job timeout from SIGALRM), whatever is left of the group is SIGKILLed, so a long-running worker
never piles up stray processes. A command that must outlive its run has to leave the group
(``setsid``); such a process is not ours to kill.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import pwd
import resource
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, cast

from unicron_core.records import CommandOutput
from unicron_worker.outcome import Outcome, format_seconds

SHELL = "/bin/sh"
# How a sandbox is set up without Python code in the child (``Sandbox.argv``): a preexec_fn or a
# user switch in Popen makes Python fork() the whole worker (~8 ms for a 200 MB process) instead of
# vfork() (~1 ms). util-linux's tools each exec the next; dash sets limits itself, with no exec.
SHELL_IS_DASH = os.path.basename(os.path.realpath(SHELL)) == "dash"  # Debian's, and the images'
PRLIMIT = shutil.which("prlimit")
SETPRIV = shutil.which("setpriv")
KILL_GRACE_S = 2.0  # between SIGTERM and SIGKILL of a timed-out group
_CHUNK_BYTES = 65_536
_POLL_MAX_S = 0.05  # longest nap of the exit poll without a pidfd


class _Capture:
    """One pipe's first ``limit_bytes``; the rest is read and dropped, so the child never blocks on
    a full pipe."""

    def __init__(self, stream: IO[bytes], limit_bytes: int) -> None:
        self.stream = stream
        self.fd = stream.fileno()
        self._limit = limit_bytes
        self._data = bytearray()
        self._dropped = False
        self.open = True

    def read(self) -> None:
        """Reads what the pipe holds (it is readable); at EOF it is closed."""
        chunk = os.read(self.fd, _CHUNK_BYTES)
        if not chunk:
            self.close()
            return
        room = self._limit - len(self._data)
        self._data += chunk[:room]
        self._dropped = self._dropped or len(chunk) > room

    def close(self) -> None:
        self.stream.close()
        self.open = False

    def text(self) -> tuple[str, bool]:
        """The text, and whether anything is missing from it: over the cap, or the pipe still open
        (held by a process that left the group): the text is what arrived so far."""
        cut = self._dropped or self.open
        # An incremental decoder holds back an incomplete trailing sequence instead of turning
        # it into U+FFFD: a cap that falls inside a multi-byte character drops it cleanly.
        return codecs.getincrementaldecoder("utf-8")(errors="replace").decode(self._data, final=not cut), cut


class _Watch:
    """Waits for a child's exit and its pipes' EOF in the calling thread, reading the pipes as data
    arrives: one ``poll`` over both pipes and the child's pidfd (or a short nap and ``waitid``
    where there is no pidfd). No thread per pipe: starting two threads cost more than the command."""

    def __init__(self, pid: int, captures: list[_Capture]) -> None:
        self._pid = pid
        self._captures = {capture.fd: capture for capture in captures}
        self._poller = select.poll()
        for fd in self._captures:
            self._poller.register(fd, select.POLLIN)
        try:
            self._pidfd: int | None = os.pidfd_open(pid)  # readable once the process exits
            self._poller.register(self._pidfd, select.POLLIN)
        except (AttributeError, OSError):  # not Linux >= 5.3, or a sandbox without pidfd
            self._pidfd = None
        self.exited = False

    def until(self, timeout_s: float, *, exit_only: bool) -> bool:
        """Reads until the process exited (``exit_only``) or both pipes are at EOF; False after
        ``timeout_s``. The process is never reaped here."""
        deadline = time.monotonic() + timeout_s
        nap_s = 0.001
        while not (self.exited if exit_only else not self._captures):
            remaining_s = deadline - time.monotonic()
            if remaining_s <= 0:
                return False
            wait_s = remaining_s if self._pidfd is not None or self.exited else min(nap_s, remaining_s)
            for fd, _events in self._poller.poll(wait_s * 1000):
                if fd == self._pidfd:
                    self._poller.unregister(fd)
                    self.exited = True
                else:
                    self._captures[fd].read()
                    if not self._captures[fd].open:
                        self._poller.unregister(fd)
                        del self._captures[fd]
            if not self.exited and self._pidfd is None:
                self.exited = _exited(self._pid)
                nap_s = min(nap_s * 2, _POLL_MAX_S)
        return True

    def __enter__(self) -> _Watch:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
        for capture in self._captures.values():
            capture.close()


@dataclass(frozen=True)
class Sandbox:
    """Who a command runs as and what it may use. ``user`` is switched to only when the worker is
    root; the limits always apply, as hard limits set before the user switch, so the command cannot
    raise them again."""

    user: str | None = "nobody"
    cpu_s: int = 600
    memory_bytes: int = 2 << 30
    processes: int = 256
    file_bytes: int = 1 << 30

    def limits(self) -> list[tuple[int, tuple[int, int]]]:
        """``(resource, (soft, hard))``: the command cannot raise them again. CPU time gets one
        second between its SIGXCPU (reported) and the kernel's SIGKILL."""
        return [
            (resource.RLIMIT_CPU, (self.cpu_s, self.cpu_s + 1)),
            (resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes)),
            (resource.RLIMIT_NPROC, (self.processes, self.processes)),
            (resource.RLIMIT_FSIZE, (self.file_bytes, self.file_bytes)),
        ]

    def argv(self, command: str) -> list[str] | None:
        """The command line that runs ``command`` under the limits and, for a root worker, as the user,
        with no Python code in the child, so that Popen can vfork: dash sets the limits itself before
        it runs the command (``eval``: no extra exec; ``$0`` is the command line), another ``/bin/sh``
        gets them from prlimit; setpriv switches the user. None when the tools are missing."""
        identity = self.identity()
        switch: list[str] = []
        if identity is not None:
            if SETPRIV is None:
                return None
            switch = [SETPRIV, f"--reuid={identity[0]}", f"--regid={identity[1]}", "--clear-groups", "--"]
        if SHELL_IS_DASH:
            ulimits = [
                f"ulimit -{which} -{flag} {value // unit}"
                for kind, (soft, hard) in self.limits()
                for flag, unit in [_DASH_ULIMIT[kind]]
                for which, value in (("S", soft), ("H", hard))  # soft first: it may not exceed the hard
            ]
            return [*switch, SHELL, "-c", " && ".join([*ulimits, 'eval "$0"']), command]
        if PRLIMIT is None:
            return None
        limits = [f"--{_PRLIMIT_OPTIONS[kind]}={soft}:{hard}" for kind, (soft, hard) in self.limits()]
        return [PRLIMIT, *limits, "--", *switch, SHELL, "-c", command]

    def identity(self) -> tuple[int, int] | None:
        """``(uid, gid)`` to switch to, or None when the worker is not root (or no user is set)."""
        if os.geteuid() != 0 or not self.user:
            return None
        entry = pwd.getpwnam(self.user)
        return entry.pw_uid, entry.pw_gid


_DASH_ULIMIT = {  # dash's ulimit option and unit (bytes) for each limit
    resource.RLIMIT_CPU: ("t", 1),
    resource.RLIMIT_AS: ("v", 1024),
    resource.RLIMIT_NPROC: ("p", 1),
    resource.RLIMIT_FSIZE: ("f", 512),
}
_PRLIMIT_OPTIONS = {
    resource.RLIMIT_CPU: "cpu",
    resource.RLIMIT_AS: "as",
    resource.RLIMIT_NPROC: "nproc",
    resource.RLIMIT_FSIZE: "fsize",
}

# Why a command died of a signal it would only get from its limits.
_LIMIT_SIGNALS = {
    -signal.SIGXCPU: "it ran out of CPU time (UNICRON_COMMAND_CPU_S)",
    -signal.SIGXFSZ: "it wrote a file over the size limit (UNICRON_COMMAND_FILE_MB)",
}


def run_command(
    command: str,
    *,
    timeout_s: float,
    env: Mapping[str, str],
    limit_bytes: int,
    job_id: str | None,
    sandbox: Sandbox | None = None,
    on_start: Callable[[int], None] | None = None,
) -> Outcome:
    """Runs ``command`` with ``/bin/sh -c`` and reports its exit code and capped output.

    Args:
        command: the shell command line.
        timeout_s: after this, the whole process group gets SIGTERM, then SIGKILL after
            ``KILL_GRACE_S``.
        env: the complete environment of the command (nothing is inherited).
        limit_bytes: cap for stdout and for stderr, each; the rest is read and dropped.
        job_id: recorded in the output.
        on_start: called with the command's process group id once it runs (whoever holds it may
            end the run early by signalling the group).

    Returns:
        success only for exit code 0 within the timeout; ``error`` says why when the command
        timed out or could not start.
    """
    with _workdir(sandbox) as cwd:
        try:
            proc = _spawn(command, {**env, "HOME": cwd} if cwd else env, sandbox, cwd)
        except (OSError, ValueError, KeyError) as exc:  # no /bin/sh or user, E2BIG, a NUL in the command
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            output = CommandOutput(job_id=job_id, stdout="", stderr="", exit_code=None)
            return Outcome(output=output, success=False, error=f"could not start the command: {reason}")
        if on_start is not None:
            on_start(proc.pid)  # the shell leads its own group: its pid is the group's id
        return _collect(proc, timeout_s=timeout_s, limit_bytes=limit_bytes, job_id=job_id)


def _collect(
    proc: subprocess.Popen[bytes], *, timeout_s: float, limit_bytes: int, job_id: str | None
) -> Outcome:
    """Reads the command's output until it exits or times out, then kills what is left of it."""
    # Popen with PIPE always sets both streams.
    out = _Capture(cast(IO[bytes], proc.stdout), limit_bytes)
    err = _Capture(cast(IO[bytes], proc.stderr), limit_bytes)
    timed_out = True
    with _Watch(proc.pid, [out, err]) as watch:
        try:
            timed_out = not watch.until(timeout_s, exit_only=True)
            if timed_out:  # SIGTERM, then KILL_GRACE_S to exit and close its pipes (grandchildren too)
                deadline = time.monotonic() + KILL_GRACE_S
                _signal_group(proc.pid, signal.SIGTERM)
                watch.until(KILL_GRACE_S, exit_only=True)
                watch.until(deadline - time.monotonic(), exit_only=False)
        finally:
            # The shell is not reaped yet, so its pid still names our group and cannot have been
            # reused: the SIGKILL reaches only what is left of this run.
            _signal_group(proc.pid, signal.SIGKILL)
            exit_code = proc.wait()
        watch.until(KILL_GRACE_S, exit_only=False)  # what the group wrote before it died
    (stdout, out_cut), (stderr, err_cut) = out.text(), err.text()
    output = CommandOutput(
        job_id=job_id, stdout=stdout, stderr=stderr, exit_code=exit_code, truncated=out_cut or err_cut
    )
    if timed_out:
        return Outcome(output=output, success=False, error=f"timed out after {format_seconds(timeout_s)} s")
    return Outcome(output=output, success=exit_code == 0, error=_LIMIT_SIGNALS.get(exit_code))


@contextlib.contextmanager
def _workdir(sandbox: Sandbox | None) -> Iterator[str | None]:
    """A fresh working directory (and HOME) per sandboxed run, owned by its user, removed after."""
    if sandbox is None:
        yield None
        return
    path = tempfile.mkdtemp(prefix="unicron-run-")
    try:
        identity = sandbox.identity()
        if identity is not None:
            os.chown(path, *identity)
        yield path
    finally:
        try:
            os.rmdir(path)  # the usual case: the command left nothing
        except OSError:
            shutil.rmtree(path, ignore_errors=True)


def _spawn(
    command: str, env: Mapping[str, str], sandbox: Sandbox | None, cwd: str | None
) -> subprocess.Popen[bytes]:
    argv = [SHELL, "-c", command]
    identity: tuple[int, int] | None = None
    limits: list[tuple[int, tuple[int, int]]] = []
    if sandbox is not None:
        wrapped = sandbox.argv(command)
        if wrapped is not None:
            argv = wrapped
        else:
            identity, limits = sandbox.identity(), sandbox.limits()

    def apply_limits() -> None:  # in the child, after the user switch: only setrlimit calls
        for kind, soft_hard in limits:
            resource.setrlimit(kind, soft_hard)

    return subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env),
        cwd=cwd,
        start_new_session=True,  # the shell leads a new group: one killpg reaches all of it
        bufsize=0,  # raw pipes: read() returns what is there instead of filling a buffer
        user=identity[0] if identity else None,
        group=identity[1] if identity else None,
        extra_groups=[] if identity else None,
        preexec_fn=apply_limits if limits else None,  # noqa: PLW1509 - setrlimit only: fork-safe
    )


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is already empty
        os.killpg(pgid, signum)


def _exited(pid: int) -> bool:
    """Whether a child has exited, without reaping it (``waitid`` with ``WNOWAIT``)."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

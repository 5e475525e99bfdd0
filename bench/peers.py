"""The peers' processes, started by the scenarios: ``python bench/peers.py <peer> --url URL ...``.

- ``rq-scheduler``: rq-scheduler's own ``Scheduler.run``, exactly what ``rqscheduler -u URL -i 1``
  runs, plus a kill switch for the failover scenario: once the harness creates ``--kill-flag``, the
  next instance that takes ``rq:scheduler_lock`` writes the time to ``--killed`` and SIGKILLs itself
  while it holds the lock (the moment that decides rq-scheduler's takeover time).
- ``rq-builtin``: RQ's own scheduler, ``rq.scheduler.RQScheduler``, as ``rq worker --with-scheduler``
  forks it (same class, same default 1 s interval), alone, so no job execution competes with it.

``noop``, ``get``, ``command`` and ``call`` are the functions the peers' RQ jobs name; ``rq worker
--path bench`` runs them.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from redis import Redis


def noop() -> None:
    """A job that does nothing."""


def get(url: str) -> None:
    """A job that calls a loopback HTTP target, as a Unicron HTTP job does."""
    httpx.get(url, timeout=5)


_client = httpx.Client(timeout=5)


def command(line: str) -> str:
    """A job that runs a shell command and returns its output, as a Unicron command task does."""
    done = subprocess.run(["/bin/sh", "-c", line], capture_output=True, timeout=60, check=False)
    return done.stdout.decode()


def call(url: str) -> tuple[int, str]:
    """A job that calls a loopback HTTP target with a keep-alive client, as Unicron's worker does."""
    response = _client.get(url)
    return response.status_code, response.text


def _rq_scheduler(url: str, queue: str, interval: float, kill_flag: Path | None, killed: Path | None) -> None:
    from rq_scheduler import Scheduler  # noqa: PLC0415 - only this peer needs it

    class KillableScheduler(Scheduler):  # type: ignore[misc]
        def acquire_lock(self) -> bool:
            acquired = bool(super().acquire_lock())
            if acquired and kill_flag is not None and killed is not None:
                try:
                    os.rename(kill_flag, killed)  # one instance wins the flag
                except FileNotFoundError:
                    return acquired
                killed.write_text(str(time.time()))
                os.kill(os.getpid(), signal.SIGKILL)
            return acquired

    logging.basicConfig(level=logging.WARNING)
    scheduler = KillableScheduler(queue_name=queue, connection=Redis.from_url(url), interval=interval)
    scheduler.run()


def _rq_builtin(url: str, queue: str) -> None:
    from rq.scheduler import RQScheduler, run  # noqa: PLC0415

    scheduler = RQScheduler([queue], connection=Redis.from_url(url), logging_level="WARNING")
    while not scheduler.acquire_locks():  # as the worker does; a second instance would wait here
        time.sleep(1)
    run(scheduler)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("peer", choices=["rq-scheduler", "rq-builtin"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--queue", default="bench")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--kill-flag", type=Path)
    parser.add_argument("--killed", type=Path)
    args = parser.parse_args()
    if args.peer == "rq-scheduler":
        _rq_scheduler(args.url, args.queue, args.interval, args.kill_flag, args.killed)
    else:
        _rq_builtin(args.url, args.queue)
    return 0


if __name__ == "__main__":
    sys.exit(main())

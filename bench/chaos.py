"""``make chaos``: the scheduler under failure, proven by an audit of every fire.

A real Redis (AOF, ``appendfsync always``), three ``unicron scheduler`` processes, two workers, a
loopback HTTP sink that records every ``Idempotency-Key``, and 100 jobs firing every 2 seconds,
while the harness SIGKILLs the leader every 10-30 s, SIGSTOPs it for 10 s five times, and SIGKILLs
and restarts Redis three times (one outage longer than the short-grace jobs' misfire grace).

Pass: every due ``(job, time)`` was enqueued exactly once (the fire log, written by the same
atomic script that enqueues, says so) or, when it fell in a Redis outage longer than its job's grace,
was counted as missed and handled by ``catchup: latest``; every enqueued fire reached the sink, or
its worker could start it only past its start deadline and it is a missed run with its reason; no
enqueue came from a stale epoch; the worst lateness outside Redis outages is <= 3 s. Prints a table;
exits 1 on any breach. Bounded: it stops itself (default 5 minutes of chaos, under 10 in all).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
from redis.exceptions import RedisError

from unicron.redis_server import RedisServer
from unicron_core.apikeys import OPERATOR
from unicron_core.models import JobSpec
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_testkit.env import service_env
from unicron_testkit.firelog import fire_log
from unicron_testkit.ports import free_port
from unicron_testkit.procs import Procs
from unicron_testkit.redis import start_redis
from unicron_testkit.sinks import HttpSink

KEY = "chaos-cluster-key-0123456789abcdef"
PERIOD_MS = 2000
SHORT_GRACE_S = 5
LATENESS_LIMIT_MS = 3000
RECOVERY_MS = 3000  # after Redis is back, reconnecting is part of the outage
TAIL_S = 8  # calm seconds after the chaos, so the last fires settle
DRAIN_S = 150  # a job stranded by a Redis kill is queued again after about a minute


@dataclass
class Fleet:
    """The processes under test (``procs``: each in its own session), always killed at the end."""

    env: dict[str, str]
    procs: Procs
    schedulers: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)  # metrics port -> proc
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    stopped: set[int] = field(default_factory=set)

    def _start(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "unicron", *args]
        return self.procs.start(command, env={**self.env, **(env or {})}, name=name)

    def scheduler(self, port: int) -> None:
        self.schedulers[port] = self._start(
            f"scheduler-{port}", "scheduler", env={"UNICRON_METRICS_PORT": str(port)}
        )

    def worker(self, n: int) -> None:
        self.workers.append(self._start(f"worker-{n}", "worker"))

    def leader(self, timeout_s: float = 5) -> int | None:
        """The metrics port of the scheduler that says it leads."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for port, proc in self.schedulers.items():
                if proc.poll() is None and port not in self.stopped and _is_leader(port):
                    return port
            time.sleep(0.05)
        return None

    def revive(self) -> None:
        """Restarts every scheduler that died (a SIGKILLed leader comes back as a standby)."""
        for port, proc in list(self.schedulers.items()):
            if proc.poll() is not None:
                self.scheduler(port)

    def kill_all(self) -> None:
        """SIGKILL to every process, paused ones too (SIGCONT first, or they linger stopped)."""
        for proc in [*self.schedulers.values(), *self.workers]:
            self.procs.signal(proc, signal.SIGCONT)
            self.procs.signal(proc, signal.SIGKILL)
            proc.wait()


def _is_leader(port: int) -> bool:
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=0.3).text
    except httpx.HTTPError:
        return False
    return "unicron_scheduler_is_leader 1.0" in text


@dataclass
class Chaos:
    """The harness's own record of what it did and when (epoch ms)."""

    outages: list[tuple[int, int]] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def run_chaos(fleet: Fleet, redis: RedisServer, chaos: Chaos, seconds: float, rng: random.Random) -> None:
    """The failure schedule: Redis kills at fixed points, five SIGSTOPs, leader kills in between."""
    start = time.monotonic()
    redis_kills = {seconds * f: down for f, down in ((0.25, 1.0), (0.55, SHORT_GRACE_S + 4.0), (0.85, 1.0))}
    pauses = [seconds * f for f in (0.1, 0.35, 0.45, 0.7, 0.95)]
    next_kill = rng.uniform(10, 30)
    while (elapsed := time.monotonic() - start) < seconds:
        fleet.revive()
        if redis_kills and elapsed >= min(redis_kills):
            at = min(redis_kills)
            _kill_redis(redis, chaos, redis_kills.pop(at))
        elif pauses and elapsed >= pauses[0]:
            pauses.pop(0)
            _pause_leader(fleet, chaos)
        elif elapsed >= next_kill:
            _kill_leader(fleet, chaos)
            next_kill = elapsed + rng.uniform(10, 30)
        time.sleep(0.1)


def _kill_redis(redis: RedisServer, chaos: Chaos, down_s: float) -> None:
    down = _now_ms()
    assert redis.pid is not None
    os.kill(redis.pid, signal.SIGKILL)
    redis.stop()
    time.sleep(down_s)  # the outage itself is what is being tested
    redis.start(timeout_s=30)
    chaos.outages.append((down, _now_ms()))
    chaos.events["redis SIGKILL + restart"] += 1


def _pause_leader(fleet: Fleet, chaos: Chaos) -> None:
    port = fleet.leader()
    if port is None:
        return
    proc = fleet.schedulers[port]
    fleet.procs.signal(proc, signal.SIGSTOP)
    fleet.stopped.add(port)
    time.sleep(10)  # a paused leader, past its lease: the point of the exercise
    fleet.procs.signal(proc, signal.SIGCONT)
    fleet.stopped.discard(port)
    chaos.events["leader SIGSTOP 10 s"] += 1


def _kill_leader(fleet: Fleet, chaos: Chaos) -> None:
    port = fleet.leader()
    if port is None:
        return
    fleet.procs.signal(fleet.schedulers[port], signal.SIGKILL)
    fleet.schedulers[port].wait()
    chaos.events["leader SIGKILL"] += 1


@dataclass
class Verdict:
    rows: list[tuple[str, str, bool]] = field(default_factory=list)

    def check(self, name: str, value: object, ok: bool) -> None:
        self.rows.append((name, str(value), ok))

    @property
    def passed(self) -> bool:
        return all(ok for _, _, ok in self.rows)

    def print(self) -> None:
        width = max(len(name) for name, _, _ in self.rows)
        for name, value, ok in self.rows:
            print(f"  {name:<{width}}  {value:>14}  {'ok' if ok else 'BREACH'}")


def analyse(
    store: Store, sink: HttpSink, chaos: Chaos, jobs: dict[str, int], *, first_ms: int, last_ms: int
) -> Verdict:
    """Checks the fire log against what was due, what the sink saw, and what the jobs counted."""
    log = fire_log(store.redis)
    counts = Counter((job, ms) for _, job, ms, _ in log)
    enqueued_at = {(job, ms): at for at, job, ms, _ in log}
    due = {(job, ms) for job in jobs for ms in range(first_ms, last_ms + 1, PERIOD_MS)}
    in_outage = [(down, up + RECOVERY_MS) for down, up in chaos.outages]

    def outage(ms: int) -> bool:
        return any(lo <= ms <= hi for lo, hi in in_outage)

    missing = {fire for fire in due if fire not in counts}
    late = {fire: at - fire[1] for fire, at in enqueued_at.items() if fire in due}
    v = Verdict()
    v.check("fires due", len(due), True)
    v.check("fires enqueued (fire log)", len(counts), True)
    v.check(
        "enqueued more than once",
        sum(1 for c in counts.values() if c > 1),
        all(c == 1 for c in counts.values()),
    )
    v.check(
        "due, not enqueued, outside outages",
        sum(1 for f in missing if not outage(f[1])),
        all(outage(f[1]) for f in missing),
    )
    mismatched = _missed_mismatches(store, jobs, missing, late)
    v.check("jobs whose missed_count != lost + coalesced", mismatched, mismatched == 0)
    executed = {r.headers.get("idempotency-key") for r in sink.requests}
    unexecuted = [f for f in counts if f"{f[0]}-{f[1]}" not in executed]
    # A fire its worker could start only past the job's start deadline (its misfire grace: after a
    # Redis outage) is a missed run, with its reason, not run.
    missed_runs = [f for f in unexecuted if _missed_run(store, *f)]
    v.check("enqueued, started too late: missed runs", len(missed_runs), True)
    v.check(
        "enqueued, neither executed nor a missed run",
        len(unexecuted) - len(missed_runs),
        len(unexecuted) == len(missed_runs),
    )
    epochs = [epoch for *_, epoch in log]
    stale = sum(1 for a, b in pairwise(epochs) if b < a)
    v.check("enqueues from a stale epoch", stale, stale == 0)
    calm = [ms for (_, due_ms), ms in late.items() if not outage(due_ms)]
    worst = max(calm, default=0)
    v.check("worst lateness outside outages (ms)", worst, worst <= LATENESS_LIMIT_MS)
    v.check("lateness p99 outside outages (ms)", sorted(calm)[int(len(calm) * 0.99)] if calm else 0, True)
    v.check("leader epochs seen", len(set(epochs)), True)
    for name, count in sorted(chaos.events.items()):
        v.check(name, count, True)
    return v


def _missed_run(store: Store, job_id: str, ms: int) -> bool:
    run = store.run(store.runs.find(job_id=job_id, run_id=f"{job_id}-{ms}"))
    return run is not None and run.status == "missed" and bool(run.reason)


def _missed_mismatches(
    store: Store, jobs: dict[str, int], missing: set[tuple[str, int]], late: dict[Any, int]
) -> int:
    """Jobs whose missed_count differs from the fires it lost plus the late ones it coalesced."""
    bad = 0
    for job_id, grace_s in jobs.items():
        lost = sum(1 for job, _ in missing if job == job_id)
        coalesced = sum(1 for (job, _), ms in late.items() if job == job_id and ms > grace_s * 1000)
        if store.run(store.jobs.get(job_id=job_id)).missed_count != lost + coalesced:
            bad += 1
    return bad


@contextmanager
def _tempdir() -> Iterator[Path]:
    """Redis data and process logs; kept (and named) when the run fails."""
    path = Path(tempfile.mkdtemp(prefix="unicron-chaos-"))
    ok = False
    try:
        yield path
        ok = True
    finally:
        if ok:
            shutil.rmtree(path, ignore_errors=True)


def main() -> int:
    return harness(
        __doc__,
        _run,
        seconds=300,
        jobs=100,
        banner=lambda a: f"chaos: {a.jobs} jobs every {PERIOD_MS // 1000} s, {a.seconds:.0f} s of failures",
    )


def harness(
    doc: str | None,
    run: Callable[[argparse.Namespace, random.Random, Path], int],
    *,
    seconds: float,
    jobs: int,
    banner: Callable[[argparse.Namespace], str],
) -> int:
    """A chaos run's command line (length, jobs, seed), its banner, and its logs kept on a breach."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=seconds, help=f"length of the chaos (default {seconds:g})"
    )
    parser.add_argument("--jobs", type=int, default=jobs)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(f"{banner(args)}, seed {seed}")
    with _tempdir() as tmp:
        code = run(args, random.Random(seed), tmp)
        if code:
            print(f"logs kept in {tmp}")
            sys.exit(code)
    return 0


def _run(args: argparse.Namespace, rng: random.Random, tmp: Path) -> int:
    redis = start_redis(tmp / "redis", appendonly=True, extra_args=["--appendfsync", "always"])
    sink = HttpSink(status=204)
    sink.start()
    env = service_env(
        REDIS_URL=redis.url,
        UNICRON_KEY=KEY,
        UNICRON_FIRE_LOG="1000000",
        TZ="UTC",
        UNICRON_EGRESS_ALLOW="127.0.0.0/8",
    )
    fleet = Fleet(env=env, procs=Procs(tmp / "logs"))
    try:
        settings = Settings(key=KEY, redis_url=redis.url, tz="UTC")
        store = Store.from_settings(settings)
        store.run(store.cluster.verify())
        jobs = _create_jobs(store, sink.url, args.jobs)
        created_ms = _now_ms()
        for port in (free_port(), free_port(), free_port()):
            fleet.scheduler(port)
        fleet.worker(1)
        fleet.worker(2)
        chaos = Chaos()
        run_chaos(fleet, redis, chaos, args.seconds, rng)
        time.sleep(TAIL_S)  # calm: the last fires of the window settle
        last_ms = (_now_ms() - 3000) // PERIOD_MS * PERIOD_MS
        for proc in fleet.schedulers.values():
            proc.send_signal(signal.SIGTERM)
        first_ms = (created_ms // PERIOD_MS + 2) * PERIOD_MS
        _drain(store)
        verdict = analyse(store, sink, chaos, jobs, first_ms=first_ms, last_ms=last_ms)
    finally:
        fleet.kill_all()
        fleet.procs.stop_all(report=False)  # reaps what kill_all left; the logs stay when the run fails
        sink.close()
        redis.stop()
    print(f"window {first_ms}..{last_ms} ms, outages {[(b - a) for a, b in chaos.outages]} ms")
    verdict.print()
    print("chaos: PASS" if verdict.passed else "chaos: FAIL")
    return 0 if verdict.passed else 1


def _create_jobs(store: Store, url: str, n: int) -> dict[str, int]:
    """n jobs every 2 s; a fifth of them with a short misfire grace, so a long outage makes them miss."""
    jobs = {}
    for i in range(n):
        grace = SHORT_GRACE_S if i % 5 == 0 else 60
        spec = JobSpec(
            name=f"chaos-{i}",
            schedule="*/2 * * * * *",
            http_url=f"{url}/{i}",
            timeout=5,
            timezone="UTC",
            misfire_grace=grace,
        )
        jobs[store.run(store.jobs.create(spec=spec, actor=OPERATOR))] = grace
    return jobs


def _drain(store: Store) -> None:
    """Waits until the workers have emptied the queue, stranded jobs included."""
    deadline = time.monotonic() + DRAIN_S
    while time.monotonic() < deadline:
        with suppress(RedisError):
            if store.queue.count == 0 and not store.queue.intermediate_queue.get_job_ids():
                return
        time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())

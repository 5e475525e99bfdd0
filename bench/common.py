"""What every bench scenario shares: rows, statistics, pinned processes, Redis servers, observers.

A scenario is a function ``run(ctx) -> list[Row]``; ``bench/run.py`` keeps the registry of them.
Each measured process is pinned to ``MEASURED_CPU`` and Redis, the harness and its observers to
``SIDE_CPU`` (when the machine has two CPUs), so a load generator never steals the measured core.
"""

from __future__ import annotations

import math
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from redis import Redis
from rq import Queue

from unicron.redis_server import RedisServer, find_redis_server
from unicron_core import keys
from unicron_core.apikeys import OPERATOR
from unicron_core.models import JobSpec
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_testkit import procs as testkit_procs
from unicron_testkit.env import service_env
from unicron_testkit.redis import start_redis
from unicron_testkit.waiting import wait_for

T = TypeVar("T")
BENCH_DIR = Path(__file__).resolve().parent
KEY = "bench-cluster-key-0123456789abcdef"
MEASURED_CPU = 0
SIDE_CPU = 1
STOP_TIMEOUT_S = 5.0


# -- rows --------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table: a figure for Unicron, against one peer in the same run.

    ``ratio`` is always Unicron / peer (so below 1 is better for times, above 1 for rates).
    The values are medians over the repetitions; every repetition is kept in ``*_reps``.
    """

    scenario: str
    figure: str
    unit: str
    peer: str
    peer_value: float | None
    unicron_value: float | None
    ratio: float | None
    goal: str
    passed: bool | None  # None: no goal for this line (context only)
    peer_reps: list[float] = field(default_factory=list)
    unicron_reps: list[float] = field(default_factory=list)
    note: str = ""


def row(
    *,
    scenario: str,
    figure: str,
    unit: str,
    unicron: Sequence[float],
    peer: str = "",
    peer_reps: Sequence[float] = (),
    goal: str = "",
    check: Callable[[float, float | None], bool] | None = None,
    note: str = "",
) -> Row:
    """A row from per-repetition values; ``check(unicron, ratio)`` decides pass or fail."""
    mine = statistics.median(unicron) if unicron else None
    theirs = statistics.median(peer_reps) if peer_reps else None
    finite = mine is not None and theirs is not None and math.isfinite(mine) and math.isfinite(theirs)
    ratio = mine / theirs if finite and theirs else None
    passed = None if check is None or mine is None else check(mine, ratio)
    if peer and theirs is None:
        note = "; ".join(filter(None, [note, "peer not measured in this run"]))
    return Row(
        scenario=scenario,
        figure=figure,
        unit=unit,
        peer=peer,
        peer_value=theirs,
        unicron_value=mine,
        ratio=ratio,
        goal=goal,
        passed=passed,
        peer_reps=list(peer_reps),
        unicron_reps=list(unicron),
        note=note,
    )


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with ``pct`` % of the values at or below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * pct / 100) - 1)]


# -- the run's context ---------------------------------------------------------------------------


@dataclass
class Context:
    """What a scenario gets: the size preset, repetitions, a scratch directory, a log function."""

    smoke: bool
    reps: int
    tmp: Path
    seed: int
    has_peers: bool = True  # the bench group (rq-scheduler, Celery and RedBeat) is installed
    log: Callable[[str], None] = print
    details: dict[str, Any] = field(default_factory=dict)  # per scenario, written to the results file

    def each(self, calls: Sequence[Callable[[], T]]) -> list[T]:
        """Runs independent measurements one after the other, never overlapping; with ``--smoke``
        (a check of the harness, not a measurement) all at once, to keep it to seconds."""
        if not self.smoke:
            return [self._timed(i, call) for i, call in enumerate(calls)]
        with ThreadPoolExecutor(max(1, len(calls))) as pool:
            return list(pool.map(lambda call: call(), calls))

    def side_by_side(self, calls: Sequence[Callable[[], T]]) -> list[T]:
        """Runs measurements at the same time. Only for figures that CPU contention cannot move: a
        takeover decided by a lease or lock TTL of seconds while each side uses a few % of a CPU.
        Everything else goes through ``each``."""
        with ThreadPoolExecutor(max(1, len(calls))) as pool:
            return list(pool.map(lambda ic: self._timed(*ic), enumerate(calls)))

    def _timed(self, i: int, call: Callable[[], T]) -> T:
        started = time.monotonic()
        try:
            return call()
        finally:
            self.log(f"  measurement {i + 1}: {time.monotonic() - started:.1f} s")

    def dir(self, name: str) -> Path:
        path = self.tmp / name
        path.mkdir(parents=True, exist_ok=True)
        return path


# -- CPUs ----------------------------------------------------------------------------------------


# Read once, before the harness pins itself: afterwards its own affinity is the side CPU only.
ALL_CPUS = frozenset(os.sched_getaffinity(0))


def can_pin() -> bool:
    return {MEASURED_CPU, SIDE_CPU} <= ALL_CPUS


def pin(pid: int, cpu: int) -> None:
    """Pins a process, every thread it has and will have, to one CPU (when there are two)."""
    if not can_pin():
        return
    with suppress(FileNotFoundError):
        for task in os.listdir(f"/proc/{pid}/task") if pid else [0]:
            with suppress(ProcessLookupError):
                os.sched_setaffinity(int(task), {cpu})


@contextmanager
def pinned(cpu: int) -> Iterator[None]:
    """Runs the harness itself on ``cpu`` for a moment (an in-process measurement)."""
    before = os.sched_getaffinity(0)
    pin(0, cpu)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


# -- processes -----------------------------------------------------------------------------------


class Procs(testkit_procs.Procs):
    """The testkit's processes (own session, output in files, stopped by pid), each pinned to one
    CPU: the measured one unless told otherwise."""

    def start(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        name: str | None = None,
        cpu: int = MEASURED_CPU,
    ) -> subprocess.Popen[bytes]:
        proc = super().start(args, env=env, name=name)
        pin(proc.pid, cpu)
        return proc


@contextmanager
def procs(ctx: Context, name: str) -> Iterator[Procs]:
    p = Procs(ctx.dir(name) / "logs", stop_timeout_s=STOP_TIMEOUT_S)
    try:
        yield p
    finally:
        p.stop_all(report=False)  # the logs stay in the scenario's directory


# -- Redis ---------------------------------------------------------------------------------------


@contextmanager
def redis_server(ctx: Context, name: str) -> Iterator[RedisServer]:
    """A fresh Redis (no persistence, for every system alike) on a free port, pinned to SIDE_CPU."""
    server = start_redis(ctx.dir(name) / "redis")
    assert server.pid is not None
    pin(server.pid, SIDE_CPU)
    try:
        yield server
    finally:
        server.stop()


def redis_version() -> str:
    out = subprocess.run([str(find_redis_server()), "--version"], capture_output=True, text=True, check=False)
    return out.stdout.split(" v=")[-1].split()[0] if " v=" in out.stdout else "unknown"


class Monitor:
    """``redis-cli MONITOR`` into a file, filtered by ``grep`` (both C, both on SIDE_CPU): every
    matching command with Redis's own clock, at no cost to the measured process's core."""

    def __init__(self, server: RedisServer, path: Path, commands: Sequence[str]) -> None:
        self.path = path
        cli = find_redis_server().with_name("redis-cli")
        self._cli = subprocess.Popen(
            [str(cli), "-h", "127.0.0.1", "-p", str(server.port), "monitor"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        pattern = [arg for command in commands for arg in ("-e", f'"{command}"')]
        with path.open("wb") as out:
            self._grep = subprocess.Popen(
                ["grep", "-F", "-a", *pattern], stdin=self._cli.stdout, stdout=out, start_new_session=True
            )
        assert self._cli.stdout is not None
        self._cli.stdout.close()  # grep owns the pipe now
        for proc in (self._cli, self._grep):
            pin(proc.pid, SIDE_CPU)
        # MONITOR answers +OK before it streams; wait until redis-cli is connected and subscribed.
        with Redis(port=server.port) as probe:
            wait_for(
                lambda: any(c.get("cmd") == "monitor" for c in probe.client_list()),
                5,
                "redis-cli to be monitoring",
                interval_s=0.01,
            )

    def stop(self) -> list[tuple[float, list[str]]]:
        """Stops the observer; returns (Redis time in s, [command, args...]) per recorded line."""
        with suppress(ProcessLookupError):
            os.kill(self._cli.pid, signal.SIGTERM)
        self._cli.wait(timeout=STOP_TIMEOUT_S)
        self._grep.wait(timeout=STOP_TIMEOUT_S)
        lines = []
        with self.path.open("rb") as f:
            for raw in f:
                line = raw.decode(errors="replace")
                stamp = line.split(" ", 1)[0]
                # 1732657000.123456 [0 127.0.0.1:54321] "RPUSH" "rq:queue:q" "id"
                lines.append((float(stamp), line.split('"')[1::2]))
        return lines


# -- time ----------------------------------------------------------------------------------------


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def sleep_until_ms(at_ms: float) -> None:
    delay = (at_ms - now_ms()) / 1000
    if delay > 0:
        time.sleep(delay)


def drain(
    fetch: Callable[[], list[T]],
    expected: int,
    timeout_s: float,
    interval_s: float = 0.1,
    quiet_s: float = 5.0,
) -> list[T]:
    """Polls ``fetch`` until it returns ``expected`` items, nothing new arrived for ``quiet_s`` after
    something did (a peer that will never enqueue the rest: every system here enqueues at least once
    a second), or ``timeout_s`` passes; returns the last answer (the caller counts what is missing)."""
    deadline = time.monotonic() + timeout_s
    count, changed = 0, time.monotonic()
    while True:
        got = fetch()
        now = time.monotonic()
        if len(got) != count:
            count, changed = len(got), now
        if len(got) >= expected or now > deadline or (count and now - changed > quiet_s):
            return got
        time.sleep(interval_s)


# -- Unicron -------------------------------------------------------------------------------------


def unicron_env(redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a Unicron process on ``redis_url`` (``service_env``: nothing of ours leaks in)."""
    return service_env(REDIS_URL=redis_url, UNICRON_KEY=KEY, UNICRON_FIRE_LOG="5000000", TZ="UTC", **extra)


def unicron_store(redis_url: str) -> Store:
    """The harness's own Store. The scale scenario registers more jobs than a cluster's default
    maximum (UNICRON_MAX_JOBS, 100,000), which ``create_job`` enforces."""
    settings = Settings(
        key=KEY,
        redis_url=redis_url,
        tz="UTC",
        fire_log_max=5_000_000,
        max_jobs=1_000_000,
        allow_commands=True,
    )
    store = Store.from_settings(settings)
    store.run(store.cluster.verify())
    return store


def start_scheduler(
    procs: Procs, redis_url: str, name: str = "scheduler", metrics_port: int = 0
) -> subprocess.Popen[bytes]:
    env = unicron_env(redis_url, UNICRON_METRICS_PORT=str(metrics_port))
    return procs.start([sys.executable, "-m", "unicron", "scheduler"], env=env, name=name)


def start_worker(procs: Procs, redis_url: str, name: str = "worker") -> subprocess.Popen[bytes]:
    return procs.start([sys.executable, "-m", "unicron", "worker"], env=unicron_env(redis_url), name=name)


def wait_for_leader(store: Store, timeout_s: float = 20) -> None:
    wait_for(lambda: store.redis.exists(keys.LEASE), timeout_s, "a scheduler to lead")


def create_jobs(store: Store, *, schedules: Sequence[str], url: str) -> list[str]:
    """One HTTP job per schedule (a header too, as real jobs have); returns their ids. Registered
    in bulk (``Store.create_jobs``: each job the same as ``create_job`` makes it, in fewer round trips)."""
    specs = [
        JobSpec(
            name=f"bench-{i}",
            schedule=schedule,
            http_url=f"{url}/{i}",
            http_headers={"X-Token": "bench-secret"},
            timeout=5,
            timezone="UTC",
        )
        for i, schedule in enumerate(schedules)
    ]
    return store.run(store.jobs.create_many(specs=specs, actor=OPERATOR))


# -- the peers -----------------------------------------------------------------------------------

QUEUE = "bench"  # the peers' RQ queue


def venv_bin(name: str) -> str:
    """A console script of this venv (``rq``, ``rqscheduler``)."""
    return str(Path(sys.executable).parent / name)


def peer_command(peer: str, url: str, *extra: str) -> list[str]:
    """The command line of a peer process of ``bench/peers.py``."""
    return [sys.executable, str(BENCH_DIR / "peers.py"), peer, "--url", url, "--queue", QUEUE, *extra]


def rq_enqueue_at(
    conn: Redis, fires: Sequence[tuple[str, int]], *, func: str, args: tuple[str, ...] = ()
) -> int:
    """RQ's ``enqueue_at`` for each (job id, due ms), pipelined 1,000 at a time; returns how many."""
    queue = Queue(QUEUE, connection=conn)
    for start in range(0, len(fires), 1000):
        with conn.pipeline() as pipe:
            for job_id, due_ms in fires[start : start + 1000]:
                at = datetime.fromtimestamp(due_ms / 1000, UTC)
                queue.enqueue_at(at, func, *args, job_id=job_id, pipeline=pipe, result_ttl=3600)
            pipe.execute()
    return len(fires)


def rq_utc_ms(stamp: bytes) -> float:
    """One of RQ's timestamps (``%Y-%m-%dT%H:%M:%S.%fZ``, UTC) in epoch ms."""
    return datetime.fromisoformat(stamp.decode().rstrip("Z")).replace(tzinfo=UTC).timestamp() * 1000

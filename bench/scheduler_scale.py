"""Scale: with N registered jobs (none due), what an idle wake-up costs, lag, and Redis memory per job.

- Registration: N HTTP jobs (with a header, as real ones have) through ``Store.create_job`` (the
  API's own path), daily at times at least two hours away, from two processes.
- Memory per job: ``INFO memory`` ``used_memory`` after minus before, over N; also ``MEMORY USAGE``
  of one job's hash. Peer: the same for N rq-scheduler periodic jobs.
- Idle wake-up: the scheduler's ``step()`` in-process, on the measured CPU, with its wait made a
  no-op: become or stay leader, read what is due (nothing), read the next due time. Timed with no
  job and with N jobs: a tick costs O(due fires), not O(registered jobs).
- Lag with N registered: a ``unicron scheduler`` process and ``lag_jobs`` every-second jobs on top
  of the N; due-to-enqueue lag from the fire log, as in the precision scenario. No worker runs,
  so a repetition's fires stay queued: they are deleted after it (``_drop_fires``), and every
  repetition starts from the N jobs alone.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from common import (
    ALL_CPUS,
    MEASURED_CPU,
    QUEUE,
    Context,
    Row,
    create_jobs,
    drain,
    now_ms,
    percentile,
    pinned,
    procs,
    redis_server,
    row,
    sleep_until_ms,
    start_scheduler,
    unicron_store,
    wait_for_leader,
)
from redis import Redis
from rq.job import Job

from unicron_core import keys
from unicron_core.apikeys import OPERATOR
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_core.store.rqhash import fire_id
from unicron_scheduler.scheduler import Scheduler
from unicron_testkit.firelog import fire_log

NAME = "scheduler-scale"
WAKE_GOAL_MS = 1.0
MEMORY_GOAL_B = 1536
LAG_GOAL_MS = 50


@dataclass(frozen=True)
class Params:
    jobs: int
    idle_steps: int
    lag_jobs: int
    lag_seconds: int
    processes: int  # that register the jobs


FULL = Params(jobs=100_000, idle_steps=3000, lag_jobs=1000, lag_seconds=8, processes=2)
SMOKE = Params(jobs=100, idle_steps=100, lag_jobs=10, lag_seconds=1, processes=1)


def run(ctx: Context) -> list[Row]:
    p = SMOKE if ctx.smoke else FULL
    detail: dict[str, object] = {"params": p.__dict__}
    ctx.details[NAME] = detail
    with redis_server(ctx, "scale-unicron") as redis:
        store = unicron_store(redis.url)
        empty = [_idle_step_ms(redis.url, p.idle_steps) for _ in range(ctx.reps)]
        before = _used_memory(store.redis)
        started = time.monotonic()
        ids = _register(redis.url, p.jobs, p.processes)
        ctx.log(f"  registered {p.jobs:,} jobs in {time.monotonic() - started:.0f} s")
        per_job = (_used_memory(store.redis) - before) / p.jobs
        one_job = int(store.redis.memory_usage(keys.job(ids[0])) or 0)
        full = [_idle_step_ms(redis.url, p.idle_steps) for _ in range(ctx.reps)]
        lags = [_lag_p99(ctx, redis.url, p, rep) for rep in range(ctx.reps)]
        store.redis.close()
    peer = _rq_scheduler_memory(ctx, p.jobs) if ctx.has_peers else None
    detail.update(
        idle_step_ms={"no jobs": empty, f"{p.jobs} jobs": full},
        memory={"per_job_B": per_job, "job_hash_B": one_job, "rq_scheduler_per_job_B": peer},
        lag_p99_ms=lags,
    )
    return [
        row(
            scenario=NAME,
            figure="idle wake-up (scheduler step, nothing due), no job registered, median",
            unit="ms",
            unicron=[s["p50"] for s in empty],
        ),
        row(
            scenario=NAME,
            figure=f"idle wake-up, {p.jobs:,} jobs registered, median",
            unit="ms",
            unicron=[s["p50"] for s in full],
            goal=f"<= {WAKE_GOAL_MS:g} ms",
            check=lambda v, _r: v <= WAKE_GOAL_MS,
        ),
        row(
            scenario=NAME,
            figure=f"idle wake-up, {p.jobs:,} jobs registered, p99",
            unit="ms",
            unicron=[s["p99"] for s in full],
            goal=f"<= {WAKE_GOAL_MS:g} ms",
            check=lambda v, _r: v <= WAKE_GOAL_MS,
        ),
        row(
            scenario=NAME,
            figure=f"due-to-enqueue lag p99, {p.lag_jobs} every-second jobs among {p.jobs:,}",
            unit="ms",
            unicron=lags,
            goal=f"<= {LAG_GOAL_MS} ms (unchanged)",
            check=lambda v, _r: v <= LAG_GOAL_MS,
        ),
        row(
            scenario=NAME,
            figure=f"Redis memory per registered job (used_memory / {p.jobs:,}; one job's hash: {one_job} B)",
            unit="B",
            unicron=[per_job],
            peer="rq-scheduler" if peer is not None else "",
            peer_reps=[peer] if peer is not None else [],
            goal=f"<= {MEMORY_GOAL_B:,} B",
            check=lambda v, _r: v <= MEMORY_GOAL_B,
        ),
    ]


def _used_memory(conn: Redis) -> int:
    return int(conn.info("memory")["used_memory"])


def _schedules(n: int, offset: int) -> list[str]:
    """Daily times at least two hours from now: registered, never due during the bench."""
    hour = datetime.now(UTC).hour
    return [f"{(offset + i) % 60} {(hour + 2 + (offset + i) % 20) % 24} * * *" for i in range(n)]


def _register_part(args: tuple[str, int, int]) -> list[str]:
    url, n, offset = args
    store = unicron_store(url)
    try:
        return create_jobs(store, schedules=_schedules(n, offset), url="http://127.0.0.1:9/target")
    finally:
        store.redis.close()


def _register(url: str, n: int, processes: int) -> list[str]:
    """``Store.create_job`` N times, from several processes (it is CPU-bound in Python)."""
    parts = [(url, n // processes + (i < n % processes), i * n) for i in range(processes)]
    if processes == 1:
        return _register_part(parts[0])
    with multiprocessing.get_context("spawn").Pool(processes, initializer=_unpin) as pool:
        return [job_id for part in pool.map(_register_part, parts) for job_id in part]


def _unpin() -> None:
    """Registration is set-up, not measured: its processes may use every CPU."""
    os.sched_setaffinity(0, ALL_CPUS)


def _idle_step_ms(url: str, steps: int) -> dict[str, float]:
    """Times ``Scheduler.step()`` when nothing is due, in this process on the measured CPU."""
    store = unicron_store(url)
    settings = Settings(key="unused-but-long-enough-key", redis_url=url, tz="UTC")
    scheduler = Scheduler(store=store, settings=settings)
    scheduler._wait = lambda timeout_s: None  # type: ignore[method-assign]  # the step, not the sleep
    times = []
    with pinned(MEASURED_CPU):
        scheduler.step()  # takes the lease
        for _ in range(steps):
            t = time.perf_counter_ns()
            scheduler.step()
            times.append((time.perf_counter_ns() - t) / 1e6)
    if scheduler.lease.epoch is None:
        raise RuntimeError("the in-process scheduler did not lead")
    scheduler.lease.release()
    store.redis.close()
    return {"p50": statistics.median(times), "p99": percentile(times, 99), "mean": statistics.fmean(times)}


def _lag_p99(ctx: Context, url: str, p: Params, rep: int) -> float:
    with procs(ctx, f"scale-lag-{rep}") as ps:
        store = unicron_store(url)
        start_scheduler(ps, url)
        wait_for_leader(store)
        ids = set(create_jobs(store, schedules=["* * * * * *"] * p.lag_jobs, url="http://127.0.0.1:9"))
        first = math.ceil((now_ms() + 1000) / 1000) * 1000
        last = first + (p.lag_seconds - 1) * 1000
        expected = p.lag_jobs * p.lag_seconds
        sleep_until_ms(last + 500)

        def window() -> list[float]:
            return [
                float(at - due)
                for at, job, due, _ in fire_log(store.redis)
                if job in ids and first <= due <= last
            ]

        lags = drain(window, expected, 15, interval_s=0.5)
        for job_id in ids:  # the next repetition starts with the N jobs only
            store.run(store.jobs.delete(job_id=job_id, actor=OPERATOR))
        _drop_fires(store, ids)
        store.redis.close()
    missing = expected - len(lags)
    return percentile(lags, 99) if lags and not missing else math.inf


def _drop_fires(store: Store, ids: set[str]) -> None:
    """Deletes what the fires of ``ids`` left: their RQ jobs (no worker ran them), their markers and
    the queue. Left, they added 18,000 keys a repetition, and the keyspace crossed 131,072 keys in
    the second one: Redis rehashed its main dictionary while it fired, which added 10-25 ms to the
    lag of the seconds that took, in that repetition only."""
    fires = [(job_id, ms) for _, job_id, ms, _ in fire_log(store.redis) if job_id in ids]
    with store.redis.pipeline(transaction=False) as pipe:
        for job_id, ms in fires:
            pipe.delete(keys.fired(job_id, ms), Job.key_for(fire_id(job_id, ms)))
        pipe.delete(store.queue.key)
        pipe.execute()


def _rq_scheduler_memory(ctx: Context, n: int) -> float:
    """Memory per periodic rq-scheduler job, scheduled through its API (pipelined, to be quick)."""
    from rq_scheduler import Scheduler as RqScheduler  # noqa: PLC0415 - the bench group's peer

    with redis_server(ctx, "scale-rqs") as redis:
        conn = Redis.from_url(redis.url)
        before = _used_memory(conn)
        far = datetime(2100, 1, 1, tzinfo=UTC)
        for start in range(0, n, 1000):
            with conn.pipeline(transaction=False) as pipe:
                scheduler = RqScheduler(queue_name=QUEUE, connection=pipe, interval=1)
                for _ in range(min(1000, n - start)):
                    scheduler.schedule(far, "peers.noop", interval=86400)
                pipe.execute()
        per_job = (_used_memory(conn) - before) / n
        if conn.zcard(RqScheduler.scheduled_jobs_key) != n:
            raise RuntimeError("the rq-scheduler jobs were not all scheduled")
        conn.close()
    return per_job

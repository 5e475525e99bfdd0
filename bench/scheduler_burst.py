"""Burst: N jobs due in the same second, and a few due one second later, in the middle of it.

- Unicron: N daily jobs whose fire time is second T, and ``during`` jobs at T + 1 s, on a running
  ``unicron scheduler``; the fire log gives every enqueue by Redis's clock.
- rq-scheduler ``-i 1``: the same jobs through its periodic API (``schedule(T, interval=86400)``,
  so that, like Unicron, it re-schedules each job as it fires it); each job's ``enqueued_at``.
- RQ's built-in scheduler: ``enqueue_at(T)`` one-shot jobs (it has no periodic jobs); each job's
  ``enqueued_at``.

Burst rate = N / (last enqueue - T): the time from the due second to the last of the burst
enqueued, so the scheduler's wake-up is part of it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from common import (
    QUEUE,
    Context,
    Row,
    create_jobs,
    now_ms,
    peer_command,
    procs,
    redis_server,
    row,
    rq_enqueue_at,
    rq_utc_ms,
    sleep_until_ms,
    start_scheduler,
    unicron_store,
    venv_bin,
    wait_for_leader,
)
from redis import Redis

from unicron_core import keys
from unicron_testkit.firelog import fire_log
from unicron_testkit.waiting import wait_for

NAME = "scheduler-burst"
WINDOW_GOAL_MS = 2000
RATE_GOAL = 5000
RATIO_GOAL = 4
DURING_GOAL_MS = 1000
LEAD_MS = 1500  # margin between the end of registration and the due second
DRAIN_TIMEOUT_S = 60


@dataclass(frozen=True)
class Params:
    jobs: int
    during: int
    builtin: bool  # also measure RQ's built-in scheduler


FULL = Params(jobs=10_000, during=10, builtin=False)  # RQ's own: ~40 s more, no goal (see docs)
SMOKE = Params(jobs=100, during=2, builtin=True)


@dataclass
class Burst:
    """One repetition: when the burst's last fire was enqueued, and the worst ``during`` lag."""

    jobs: int
    last_ms: float  # last enqueue of the burst, after the due second
    during_ms: float  # worst lag of a job due one second into the burst
    missing: int

    @property
    def rate(self) -> float:
        return self.jobs / max(self.last_ms, 1) * 1000

    def summary(self) -> dict[str, float]:
        return {
            "last_ms": self.last_ms,
            "rate": self.rate,
            "during_ms": self.during_ms,
            "missing": self.missing,
        }


def run(ctx: Context) -> list[Row]:
    p = SMOKE if ctx.smoke else FULL
    runs: dict[str, list[Burst]] = {"unicron": [], "rq-scheduler": [], "rq-builtin": []}
    for rep in range(ctx.reps):
        ctx.log(f"  rep {rep + 1}")
        calls: dict[str, Callable[[], Burst]] = {"unicron": lambda r=rep: _unicron(ctx, p, r)}
        if ctx.has_peers:
            calls["rq-scheduler"] = lambda r=rep: _rq_scheduler(ctx, p, r)
        if p.builtin:
            calls["rq-builtin"] = lambda r=rep: _rq_builtin(ctx, p, r)
        for key, burst in zip(calls, ctx.each(list(calls.values())), strict=True):
            runs[key].append(burst)
    ctx.details[NAME] = {"params": p.__dict__, "runs": {k: [b.summary() for b in v] for k, v in runs.items()}}
    mine = runs["unicron"]
    complete = all(b.missing == 0 for b in mine)
    rows = [
        row(
            scenario=NAME,
            figure=f"burst: {p.jobs:,} fires due in one second, all enqueued after",
            unit="ms",
            unicron=[b.last_ms for b in mine],
            peer="rq-scheduler -i 1",
            peer_reps=[b.last_ms for b in runs["rq-scheduler"]],
            goal=f"<= {WINDOW_GOAL_MS} ms, none missed",
            check=lambda v, _r: v <= WINDOW_GOAL_MS and complete,
        ),
        row(
            scenario=NAME,
            figure="burst rate",
            unit="fires/s",
            unicron=[b.rate for b in mine],
            peer="rq-scheduler -i 1",
            peer_reps=[b.rate for b in runs["rq-scheduler"]],
            goal=f">= {RATE_GOAL:,}/s and >= {RATIO_GOAL}x rq-scheduler",
            check=lambda v, r: v >= RATE_GOAL and r is not None and r >= RATIO_GOAL,
        ),
    ]
    if p.builtin:
        rows.append(
            row(
                scenario=NAME,
                figure="burst rate",
                unit="fires/s",
                unicron=[b.rate for b in mine],
                peer="RQ built-in scheduler",
                peer_reps=[b.rate for b in runs["rq-builtin"]],
            )
        )
    rows.append(
        row(
            scenario=NAME,
            figure="lag of a job due 1 s into the burst",
            unit="ms",
            unicron=[b.during_ms for b in mine],
            peer="rq-scheduler -i 1",
            peer_reps=[b.during_ms for b in runs["rq-scheduler"]],
            goal=f"<= {DURING_GOAL_MS} ms",
            check=lambda v, _r: v <= DURING_GOAL_MS,
        )
    )
    return rows


def due_second(lead_ms: float) -> int:
    return math.ceil((now_ms() + lead_ms) / 1000) * 1000


def at_second(due_ms: int) -> str:
    """A 6-field (seconds first) daily schedule that fires at ``due_ms``'s time of day, UTC."""
    t = datetime.fromtimestamp(due_ms / 1000, UTC)
    return f"{t.second} {t.minute} {t.hour} * * *"


def _per_job_ms(register: Callable[[int], None], sample: int = 50) -> float:
    """Times a few registrations (the real path, on throw-away jobs) to size the lead time."""
    started = now_ms()
    register(sample)
    return (now_ms() - started) / sample


def _unicron(ctx: Context, p: Params, rep: int) -> Burst:
    name = f"burst-unicron-{rep}"
    with redis_server(ctx, name) as redis, procs(ctx, name) as ps:
        store = unicron_store(redis.url)
        start_scheduler(ps, redis.url)
        wait_for_leader(store)
        url = "http://127.0.0.1:9"
        per_job = _per_job_ms(lambda n: create_jobs(store, schedules=["0 0 1 1 *"] * n, url=url))
        due = due_second(LEAD_MS + 1.5 * per_job * (p.jobs + p.during))
        burst = set(create_jobs(store, schedules=[at_second(due)] * p.jobs, url=url))
        during = set(create_jobs(store, schedules=[at_second(due + 1000)] * p.during, url=url))
        if now_ms() >= due:
            raise RuntimeError("registering the burst took longer than its lead time")
        sleep_until_ms(due + 1000)
        wanted = p.jobs + p.during
        # XLEN is O(1): the log is read once, when complete, so reading it never slows the burst.
        with suppress(TimeoutError):
            wait_for(
                lambda: store.redis.xlen(keys.FIRE_LOG) >= wanted,
                DRAIN_TIMEOUT_S,
                "the burst",
                interval_s=0.25,
            )
        log = [e for e in fire_log(store.redis) if e[1] in burst or e[1] in during]
        store.redis.close()
    last = max((at - due for at, job, _, _ in log if job in burst), default=math.inf)
    late = max((at - ms for at, job, ms, _ in log if job in during), default=math.inf)
    return Burst(jobs=p.jobs, last_ms=last, during_ms=late, missing=wanted - len(log))


def _rq_scheduler(ctx: Context, p: Params, rep: int) -> Burst:
    name = f"burst-rqs-{rep}"
    with redis_server(ctx, name) as redis, procs(ctx, name) as ps:
        conn = Redis.from_url(redis.url)
        ps.start([venv_bin("rqscheduler"), "-u", redis.url, "-i", "1"], name="rqscheduler")
        far = datetime(2100, 1, 1, tzinfo=UTC)
        per_job = _per_job_ms(lambda n: _rq_schedule(conn, [(f"c{i}", far) for i in range(n)]))
        due = due_second(LEAD_MS + 1.5 * per_job * (p.jobs + p.during))
        at = datetime.fromtimestamp(due / 1000, UTC)
        later = datetime.fromtimestamp(due / 1000 + 1, UTC)
        ids = [f"p{i}" for i in range(p.jobs)]
        during = [f"d{i}" for i in range(p.during)]
        _rq_schedule(conn, [(i, at) for i in ids] + [(i, later) for i in during])
        if now_ms() >= due:
            raise RuntimeError("registering the rq-scheduler burst took longer than its lead time")
        burst = _drained(conn, ids, during, due)
        conn.close()
    return burst


def _rq_schedule(conn: Redis, jobs: list[tuple[str, datetime]]) -> None:
    """rq-scheduler's own ``schedule(at, func, interval=86400, id=...)``, its calls pipelined."""
    from rq_scheduler import Scheduler  # noqa: PLC0415 - the bench group's peer

    for start in range(0, len(jobs), 1000):
        with conn.pipeline(transaction=False) as pipe:
            scheduler = Scheduler(queue_name=QUEUE, connection=pipe, interval=1)
            for job_id, at in jobs[start : start + 1000]:
                scheduler.schedule(at, "peers.noop", interval=86400, id=job_id)
            pipe.execute()


def _rq_builtin(ctx: Context, p: Params, rep: int) -> Burst:
    name = f"burst-rqb-{rep}"
    with redis_server(ctx, name) as redis, procs(ctx, name) as ps:
        conn = Redis.from_url(redis.url)
        ps.start(peer_command("rq-builtin", redis.url), name="rq-builtin")
        due = due_second(LEAD_MS + 0.2 * (p.jobs + p.during))  # pipelined: ~0.1 ms a job
        ids = [f"b{i}" for i in range(p.jobs)]
        during = [f"d{i}" for i in range(p.during)]
        rq_enqueue_at(conn, [(i, due) for i in ids] + [(i, due + 1000) for i in during], func="peers.noop")
        if now_ms() >= due:
            raise RuntimeError("registering the RQ burst took longer than its lead time")
        burst = _drained(conn, ids, during, due)
        conn.close()
    return burst


def _drained(conn: Redis, ids: list[str], during: list[str], due: int) -> Burst:
    """Waits until the peer has enqueued every job, then reads their ``enqueued_at``."""
    wanted = len(ids) + len(during)
    sleep_until_ms(due + 1000)
    with suppress(TimeoutError):  # what was not enqueued by then counts as missing
        wait_for(
            lambda: conn.llen(f"rq:queue:{QUEUE}") >= wanted,
            DRAIN_TIMEOUT_S,
            "the peer's burst",
            interval_s=0.1,
        )
    with conn.pipeline(transaction=False) as pipe:
        for job_id in [*ids, *during]:
            pipe.hget(f"rq:job:{job_id}", "enqueued_at")
        stamps = pipe.execute()
    queued = {job_id.decode() for job_id in conn.lrange(f"rq:queue:{QUEUE}", 0, -1)}
    enqueued = {i: rq_utc_ms(s) for i, s in zip([*ids, *during], stamps, strict=True) if i in queued}
    burst = [enqueued[i] - due for i in ids if i in enqueued]
    late = [enqueued[i] - due - 1000 for i in during if i in enqueued]
    return Burst(
        jobs=len(ids),
        last_ms=max(burst, default=math.inf),
        during_ms=max(late, default=math.inf),
        missing=wanted - len(burst) - len(late),
    )

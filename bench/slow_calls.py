"""Slow calls: HTTP runs against a loopback target that answers after 1 s (``slow_target.py``), the
load of a cron cluster whose jobs call endpoints and wait.

- ``slow-calls``: N HTTP tasks queued at once for ONE worker process; the time from the last one
  queued to the last one finished, and the rate (N / first queued to last finished). Unicron's
  worker runs with ``UNICRON_WORKER_CONCURRENCY=1000``. Peers on the same target, the same way:
  RQ's SimpleWorker (one process: a run at a time), Celery's prefork pool (``-c 2``) and Celery's
  gevent pool (``-c 1000``, one process). Peers that run one call at a time are measured with fewer
  tasks (their rate is set by the 1 s answer). The worker's RSS is sampled while its N runs are in
  flight. "Finished" is each system's own record: Unicron's run end, RQ's ``ended_at``, Celery's
  ``date_done``.
- ``slow-calls`` also measures 1,000 jobs due in one second on a running scheduler and the same
  worker: the time from the due second to each call reaching the target (the target's clock); and
  a worker SIGKILLed with 500 runs in flight: the time until none of them is STARTED (each recorded
  failed by another worker's maintenance).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from common import (
    BENCH_DIR,
    MEASURED_CPU,
    QUEUE,
    SIDE_CPU,
    Context,
    Procs,
    Row,
    create_jobs,
    now_ms,
    percentile,
    pinned,
    procs,
    redis_server,
    row,
    rq_utc_ms,
    sleep_until_ms,
    unicron_store,
    venv_bin,
    wait_for_leader,
)
from redis import Redis
from rq import Queue
from scheduler_burst import at_second, due_second
from task_throughput import rq_statuses, rss_kib, start_rq_workers, unicron_env_for_tasks, unicron_statuses

from unicron_core.apikeys import OPERATOR
from unicron_core.egress import EgressGuard
from unicron_core.models import TaskSpec
from unicron_testkit.ports import free_port
from unicron_testkit.waiting import wait_for
from unicron_worker.http_runner import HttpRunner

try:  # the bench group; without it the peers are not measured (ctx.has_peers)
    from celery import Celery
except ImportError:  # pragma: no cover
    Celery = None

NAME = "slow-calls"
HOLD_S = 1.0  # the target's answer time
CONCURRENCY = 1000  # the Unicron worker's UNICRON_WORKER_CONCURRENCY in this scenario
GEVENT_C = 1000
PREFORK_C = 2
KILLED_IN_FLIGHT = 500
DONE_TIMEOUT_S = 120
POLL_S = 0.02
LEAD_MS = 2500  # from the end of the jobs' registration to their due second


@dataclass(frozen=True)
class Batch:
    """One batch of N tasks queued at once."""

    tasks: int
    after_last_s: float  # last queued -> last finished
    rate: float  # N / (first queued -> last finished)
    rss_mib: float | None = None  # the worker's most, while the batch ran (Unicron)
    most_at_once: int | None = None  # calls the target held at once


def run(ctx: Context) -> list[Row]:
    n = 40 if ctx.smoke else 1000
    killed_n = 20 if ctx.smoke else KILLED_IN_FLIGHT
    one_at_a_time = 3 if ctx.smoke else 10  # a run at a time: 1 s each
    (mine,) = ctx.each([lambda: _unicron(ctx, n)])
    (lags,) = ctx.each([lambda: _due(ctx, n)])
    (floor,) = ctx.each([lambda: _floor(ctx, n)])
    (stuck_s,) = ctx.each([lambda: _killed(ctx, killed_n)])
    (rq,) = ctx.each([lambda: _rq(ctx, one_at_a_time)])  # RQ is Unicron's own dependency
    prefork: list[Batch] = []
    gevent: list[Batch] = []
    if ctx.has_peers:
        prefork, gevent = ctx.each(
            [
                lambda: _celery(ctx, "prefork", PREFORK_C, one_at_a_time * PREFORK_C),
                lambda: _celery(ctx, "gevent", GEVENT_C, n),
            ]
        )
    ctx.details[NAME] = {
        "hold_s": HOLD_S,
        "unicron_concurrency": CONCURRENCY,
        "unicron": [b.__dict__ for b in mine],
        "rq": [b.__dict__ for b in rq],
        "celery_prefork": [b.__dict__ for b in prefork],
        "celery_gevent": [b.__dict__ for b in gevent],
        "due_to_call_p99_ms": lags,
        "http_runner_alone_p99_ms": floor,
        "killed_until_none_started_s": stuck_s,
    }
    target = f"a target answering in {HOLD_S:g} s"
    note = f"Unicron: UNICRON_WORKER_CONCURRENCY={CONCURRENCY}"
    gevent_peer = f"Celery gevent -c {GEVENT_C}"
    return [
        row(
            scenario=NAME,
            figure=f"{n:,} HTTP tasks to {target}, one worker process: all done, after the last queued",

            unit="s", unicron=[b.after_last_s for b in mine], peer=gevent_peer,
            peer_reps=[b.after_last_s for b in gevent], goal="<= 3 s", check=lambda s, _r: s <= 3, note=note,
        ),
        row(
            scenario=NAME, figure=f"tasks/s to {target}, one worker process", unit="/s",
            unicron=[b.rate for b in mine], peer=gevent_peer, peer_reps=[b.rate for b in gevent],
            goal=">= 1.0x Celery gevent", check=lambda _s, ratio: ratio is not None and ratio >= 1.0,
            note=f"{note}; at most {max((b.most_at_once or 0) for b in mine):,} calls at once",
        ),
        row(
            scenario=NAME, figure=f"tasks/s to {target}, Celery's prefork pool", unit="/s",
            unicron=[b.rate for b in mine], peer=f"Celery prefork -c {PREFORK_C}",
            peer_reps=[b.rate for b in prefork],
            note=f"the peer: {one_at_a_time * PREFORK_C} tasks a repetition",
        ),
        row(
            scenario=NAME, figure=f"tasks/s to {target}, RQ", unit="/s", unicron=[b.rate for b in mine],
            peer="RQ SimpleWorker x1", peer_reps=[b.rate for b in rq],
            note=f"the peer: {one_at_a_time} tasks a repetition",
        ),
        row(
            scenario=NAME, figure=f"worker memory (RSS) with {n:,} runs in flight", unit="MiB",
            unicron=[b.rss_mib or math.inf for b in mine], goal="<= 250 MB",
            check=lambda mib, _r: mib * 1.048576 <= 250,
            note="one worker process, sampled every 50 ms while its batch ran",
        ),
        row(
            scenario=NAME, figure=f"{n:,} jobs due in one second, each calling {target}: due to call, p99",
            unit="ms", unicron=lags, goal="<= 250 ms", check=lambda ms, _r: ms <= 250,
            note=f"a scheduler and one worker process ({note})",
        ),
        row(
            scenario=NAME, figure=f"{n:,} first calls at once, the worker's HTTP runner alone: arrival, p99",
            unit="ms", unicron=floor,
            note="no store, no scheduler: httpx's own cost on one CPU, the floor of the figure above",
        ),
        row(
            scenario=NAME, figure=f"worker SIGKILLed with {killed_n:,} runs in flight: until none is STARTED",
            unit="s", unicron=[stuck_s], goal="<= 60 s", check=lambda s, _r: s <= 60,
            note="each recorded failed with the reason by another worker's maintenance; measured once",
        ),
    ]  # fmt: skip


# -- the target --------------------------------------------------------------------------------


@contextmanager
def slow_target(ps: Procs, hold_s: float = HOLD_S) -> Iterator[Target]:
    port = free_port()
    ps.start([sys.executable, str(BENCH_DIR / "slow_target.py"), str(port), str(hold_s)],
             name=f"target-{port}", cpu=SIDE_CPU)  # fmt: skip
    target = Target(f"http://127.0.0.1:{port}")
    try:
        wait_for(target.answers, 10, "the slow target")
        yield target
    finally:
        target.client.close()


class Target:
    def __init__(self, url: str) -> None:
        self.url = url
        self.client = httpx.Client(base_url=url, timeout=10)

    def answers(self) -> bool:
        try:
            return self.client.get("/__stats").status_code == 200
        except httpx.HTTPError:
            return False

    def stats(self) -> dict[str, object]:
        return json.loads(self.client.get("/__stats").content)

    def reset(self) -> None:
        self.client.get("/__reset")


# -- Unicron -----------------------------------------------------------------------------------


def _unicron_env(url: str) -> dict[str, str]:
    return unicron_env_for_tasks(url) | {"UNICRON_WORKER_CONCURRENCY": str(CONCURRENCY)}


def _start_worker(ps: Procs, url: str, name: str = "worker") -> subprocess.Popen[bytes]:
    return ps.start([sys.executable, "-m", "unicron", "worker"], env=_unicron_env(url), name=name)


def _unicron(ctx: Context, n: int) -> list[Batch]:
    name = "slow-unicron"
    with redis_server(ctx, name) as server, procs(ctx, name) as ps, slow_target(ps) as target:
        store = unicron_store(server.url)
        worker = _start_worker(ps, server.url).pid
        wait_for(lambda: store.redis.scard("rq:workers") >= 1, 30, "the worker")
        spec = TaskSpec(name="slow", http_url=f"{target.url}/t", timeout=30)
        batches = []
        for rep in range(ctx.reps + 1):  # the first, small, warms up: not counted
            target.reset()
            with _sampling(worker) as rss:
                t0 = time.time()
                ids = [
                    store.run(store.tasks.create(spec=spec, actor=OPERATOR)) for _ in range(n if rep else 20)
                ]
                t1 = time.time()
                _wait(lambda some: unicron_statuses(store.redis, some), ids, b"SUCCESS")
            results = [store.run(store.tasks.get(task_id=task_id)).result for task_id in ids]
            last = max(r.end for r in results if r)
            stats = target.stats()
            batches.append(Batch(len(ids), last - t1, len(ids) / (last - t0), max(rss) / 1024,
                                 int(stats["most_at_once"])))  # type: ignore[call-overload]  # fmt: skip
        store.redis.close()
        return batches[1:]


def _due(ctx: Context, n: int) -> list[float]:
    """``ctx.reps`` times: N jobs due in the same second; p99 of due -> call at the target."""
    name = "slow-due"
    with redis_server(ctx, name) as server, procs(ctx, name) as ps, slow_target(ps) as target:
        store = unicron_store(server.url)
        _start_worker(ps, server.url)
        ps.start([sys.executable, "-m", "unicron", "scheduler"], env=_unicron_env(server.url),
                 name="scheduler", cpu=SIDE_CPU)  # fmt: skip
        wait_for_leader(store)
        wait_for(lambda: store.redis.scard("rq:workers") >= 1, 30, "the worker")
        lags = []
        for _ in range(ctx.reps):
            wait_for(lambda: target.stats()["at_once"] == 0, 30, "the last calls to end")
            target.reset()
            due = due_second(LEAD_MS)
            create_jobs(store, schedules=[at_second(due)] * n, url=target.url)
            if now_ms() >= due:
                raise RuntimeError("registering the jobs took longer than their lead time")
            sleep_until_ms(due)
            wait_for(lambda: len(target.stats()["arrivals"]) >= n, 30, "every call")  # type: ignore[arg-type]
            arrivals = target.stats()["arrivals"]
            lags.append(percentile([at - due for at, _path in arrivals], 99))  # type: ignore[union-attr]
        store.redis.close()
        return lags


def _floor(ctx: Context, n: int) -> list[float]:
    """``ctx.reps`` times: N calls at once through a new ``HttpRunner`` (each opens its connection),
    in the harness's process pinned to the measured CPU; p99 of their arrivals at the target."""
    name = "slow-floor"
    with procs(ctx, name) as ps, slow_target(ps) as target:
        guard = EgressGuard(allow=["127.0.0.0/8"])

        async def calls() -> float:
            runner = HttpRunner(limit_bytes=65_536, guard=guard)
            started = now_ms()
            spec = TaskSpec(name="floor", http_url=f"{target.url}/t")
            try:
                await asyncio.gather(
                    *(runner.call(spec, timeout_s=30, idempotency_key=None, job_id=None) for _ in range(n))
                )
            finally:
                await runner.aclose()
            return percentile([at - started for at, _path in target.stats()["arrivals"]], 99)  # type: ignore[union-attr]

        p99s = []
        for _ in range(ctx.reps):
            target.reset()
            with pinned(MEASURED_CPU):
                p99s.append(asyncio.run(calls()))
        return p99s


def _killed(ctx: Context, n: int) -> float:
    """A worker SIGKILLed with N calls in flight (the target holds them 60 s) while another worker
    runs: the seconds from the kill until none of the N is STARTED. A smoke run does not wait out
    the heartbeats' deadline: it moves the runs' registry entries back and starts the other worker
    after the kill (its maintenance runs once its heartbeats have settled, 10 s after its start)."""
    name = "slow-killed"
    with redis_server(ctx, name) as server, procs(ctx, name) as ps, slow_target(ps, 60) as target:
        store = unicron_store(server.url)
        first = _start_worker(ps, server.url, name="first")
        wait_for(lambda: store.redis.scard("rq:workers") >= 1, 30, "the worker")
        spec = TaskSpec(name="held", http_url=f"{target.url}/t", timeout=120)
        ids = [store.run(store.tasks.create(spec=spec, actor=OPERATOR)) for _ in range(n)]
        wait_for(lambda: target.stats()["at_once"] == n, 30, "every call in flight")
        if not ctx.smoke:
            _start_worker(ps, server.url, name="second")
            wait_for(lambda: store.redis.scard("rq:workers") >= 2, 30, "the second worker")
        killed = time.time()
        ps.signal(first, signal.SIGKILL)
        first.wait()
        if ctx.smoke:
            started = store.queue.started_job_registry
            store.redis.zadd(
                started.key, {":".join(e): 1 for e in started.get_job_and_execution_ids(cleanup=False)}
            )
            _start_worker(ps, server.url, name="second")
        _wait(lambda some: unicron_statuses(store.redis, some), ids, b"FAILURE", timeout_s=120)
        took = time.time() - killed
        store.redis.close()
        return took


@contextmanager
def _sampling(pid: int) -> Iterator[list[int]]:
    """Samples ``pid``'s RSS (KiB) every 50 ms into the list it yields, until the block ends."""
    samples = [rss_kib(pid)]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            samples.append(rss_kib(pid))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        done.set()
        thread.join()


# -- the peers ---------------------------------------------------------------------------------


def _rq(ctx: Context, n: int) -> list[Batch]:
    name = "slow-rq"
    with redis_server(ctx, name) as server, procs(ctx, name) as ps, slow_target(ps) as target:
        conn = Redis.from_url(server.url)
        start_rq_workers(ps, server.url, 1)
        wait_for(lambda: conn.scard("rq:workers") >= 1, 30, "the RQ worker")
        queue = Queue(QUEUE, connection=conn)
        batches = []
        for rep in range(ctx.reps + 1):
            t0 = time.time()
            ids = [queue.enqueue("peers.call", f"{target.url}/t").id for _ in range(n if rep else 1)]
            t1 = time.time()
            _wait(lambda some: rq_statuses(conn, some), ids, b"finished")
            last = max(rq_utc_ms(conn.hget(f"rq:job:{i}", "ended_at")) for i in ids) / 1000  # type: ignore[arg-type]
            batches.append(Batch(len(ids), last - t1, len(ids) / (last - t0)))
        conn.close()
        return batches[1:]


def _celery(ctx: Context, pool: str, concurrency: int, n: int) -> list[Batch]:
    name = f"slow-celery-{pool}"
    with redis_server(ctx, name) as server, procs(ctx, name) as ps, slow_target(ps) as target:
        env = {**os.environ, "REDIS_URL": server.url, "PYTHONPATH": str(BENCH_DIR)}
        ps.start([venv_bin("celery"), "-A", "celery_peer", "worker", "-P", pool, "-c", str(concurrency),
                  "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
                 env=env, name="celery")  # fmt: skip
        app = Celery(broker=server.url, backend=server.url)
        conn = Redis.from_url(server.url)
        batches = []
        try:
            for rep in range(ctx.reps + 1):  # the first, one task, waits for the worker to start
                t0 = time.time()
                ids = [app.send_task("call", args=[f"{target.url}/t"]).id for _ in range(n if rep else 1)]
                t1 = time.time()
                _wait(lambda some: [m["status"].encode() if m else None for m in _celery_metas(conn, some)],
                      ids, b"SUCCESS")  # fmt: skip
                last = max(_epoch(m["date_done"]) for m in _celery_metas(conn, ids) if m)
                batches.append(Batch(len(ids), last - t1, len(ids) / (last - t0)))
        finally:
            conn.close()
            app.close()
        return batches[1:]


def _celery_metas(conn: Redis, ids: list[str]) -> list[dict[str, str] | None]:
    """Each task's entry in Celery's result backend (status, date_done), or None."""
    with conn.pipeline(transaction=False) as pipe:
        for task_id in ids:
            pipe.get(f"celery-task-meta-{task_id}")
        return [json.loads(raw) if raw else None for raw in pipe.execute()]


# -- shared ------------------------------------------------------------------------------------


def _wait(
    statuses: Callable[[list[str]], list[bytes | None]],
    ids: list[str],
    done: bytes,
    timeout_s: float = DONE_TIMEOUT_S,
) -> None:
    """Polls until every one of ``ids`` has status ``done`` (the last first: one command a poll)."""
    deadline = time.monotonic() + timeout_s
    while not (statuses(ids[-1:]) == [done] and all(s == done for s in statuses(ids))):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(ids)} tasks not all {done.decode()} after {timeout_s:g} s")
        time.sleep(POLL_S)


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC).timestamp()

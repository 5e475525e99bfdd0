"""Async tasks end to end: Unicron's API and workers against raw RQ SimpleWorkers on the same Redis.

Unicron: a task is submitted with ``POST /api/async/`` to a ``unicron api``, run by ``unicron
worker`` processes (its spec read and decrypted, the command or call, the result encrypted and
stored) and counted done when its status is ``SUCCESS``. RQ: the same work as an RQ job,
``Queue.enqueue`` of ``peers.command`` (``/bin/sh -c``, output captured) or ``peers.call`` (a GET
with a keep-alive client), run by ``rq worker -w SimpleWorker`` and counted done when ``finished``.

The workers start first and wait, idle; the clock runs from the first submission to the last task
done, so the figure is the whole path's throughput. With one worker it is pinned to the measured
CPU, with two one is on each CPU; the API, Redis, the HTTP target and the harness share the side CPU.

``task-costs`` (``run_costs``): Redis commands per task (``INFO commandstats``, the harness's own
commands taken out) over 5,000 tasks, API included for Unicron, and one worker's memory (RSS) after
5,000 and after 50,000 tasks.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from common import (
    BENCH_DIR,
    MEASURED_CPU,
    QUEUE,
    SIDE_CPU,
    Context,
    Procs,
    Row,
    procs,
    redis_server,
    row,
    sink,
    unicron_env,
    venv_bin,
    wait_for,
)
from redis import Redis
from rq import Queue

from unicron.redis_server import free_port
from unicron_core import keys

NAME = "task-throughput"
COSTS_NAME = "task-costs"
TOKEN = "bench-api-token-0123456789abcdef0123456789"  # noqa: S105 - the bench cluster's own
DONE_TIMEOUT_S = 120
POLL_S = 0.01


@dataclass(frozen=True)
class Kind:
    """What a task does: Unicron's task body and the RQ peer's function and argument."""

    label: str
    body: Callable[[str], dict[str, Any]]  # target URL -> POST /api/async/ body
    peer_func: str
    peer_arg: Callable[[str], str]


NOOP = Kind(
    "no-op command (`true`)",
    lambda _url: {"name": "noop", "command": "true"},
    "peers.command",
    lambda _url: "true",
)
HTTP = Kind(
    "HTTP GET to loopback",
    lambda url: {"name": "get", "http_url": f"{url}/t"},
    "peers.call",
    lambda url: f"{url}/t",
)


def run(ctx: Context) -> list[Row]:
    n = 20 if ctx.smoke else 1500
    cases = [(kind, processes) for kind in (NOOP, HTTP) for processes in (1, 2)]
    if ctx.smoke:  # each path once is enough to keep the harness working
        cases = [(NOOP, 1), (HTTP, 2)]
    calls = []
    for kind, processes in cases:
        for rep in range(ctx.reps):
            name = f"{'cmd' if kind is NOOP else 'http'}-{processes}-{rep}"
            calls.append(lambda k=kind, p=processes, m=name: _rq_rate(ctx, f"rq-{m}", k, p, n))
            calls.append(lambda k=kind, p=processes, m=name: _unicron_rate(ctx, f"unicron-{m}", k, p, n))
    rates = iter(ctx.each(calls))  # per case: RQ, Unicron, RQ, Unicron... (alternating)
    rows = []
    for kind, processes in cases:
        pairs = [(next(rates), next(rates)) for _ in range(ctx.reps)]
        theirs, mine = [p[0] for p in pairs], [p[1] for p in pairs]
        workers = f"{processes} worker process{'es' * (processes > 1)}"
        ctx.details.setdefault(NAME, {})[f"{kind.label}, {workers}"] = {
            "tasks": n,
            "unicron_per_s": mine,
            "rq_per_s": theirs,
        }
        rows.append(
            row(
                scenario=NAME,
                figure=f"tasks/s end to end, {kind.label}, {workers}",
                unit="/s",
                unicron=mine,
                peer=f"RQ SimpleWorker x{processes}",
                peer_reps=theirs,
                goal=">= 0.9x RQ",
                check=lambda _mine, ratio: ratio is not None and ratio >= 0.9,
                note=f"{n} tasks",
            )
        )
    return rows


# -- Unicron ---------------------------------------------------------------------------------------


@dataclass
class UnicronCluster:
    """A ``unicron api`` and workers on one Redis, and the harness's clients of both."""

    api: httpx.Client
    redis: Redis
    workers: list[int]  # pids

    def submit(self, body: dict[str, Any], count: int) -> list[str]:
        ids = []
        for _ in range(count):
            response = self.api.post("/api/async/", json=body)
            if response.status_code != 201:
                raise RuntimeError(f"POST /api/async/ answered {response.status_code}: {response.text}")
            ids.append(response.json()["result"])
        return ids

    def statuses(self, ids: list[str]) -> list[bytes | None]:
        with self.redis.pipeline(transaction=False) as pipe:
            for task_id in ids:
                pipe.hget(keys.task(task_id), "status")
            return pipe.execute()


@contextmanager
def unicron_cluster(ctx: Context, name: str, processes: int, url: str = "") -> Iterator[UnicronCluster]:
    with redis_server(ctx, name) as server, procs(ctx, name) as ps:
        env = unicron_env(
            server.url,
            UNICRON_API_TOKENS=TOKEN,
            UNICRON_ALLOW_COMMANDS="true",
            UNICRON_EGRESS_ALLOW="127.0.0.0/8",
            UNICRON_RATE_LIMIT="100000000",  # on (its cost is counted), never refusing
        )
        port = free_port()
        args = [sys.executable, "-m", "unicron", "api", "--host", "127.0.0.1", "--port", str(port)]
        ps.start("api", args, env=env, cpu=SIDE_CPU)
        workers = [
            ps.start(f"worker-{i}", [sys.executable, "-m", "unicron", "worker"], env=env, cpu=_worker_cpu(i))
            for i in range(processes)
        ]
        conn = Redis.from_url(server.url)
        api = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"})
        try:
            wait_for(lambda: _answers(api), 30, "the API")
            wait_for(lambda: conn.scard("rq:workers") >= processes, 30, "the workers")
            yield UnicronCluster(api=api, redis=conn, workers=[w.pid for w in workers])
        finally:
            api.close()
            conn.close()


def _unicron_rate(ctx: Context, name: str, kind: Kind, processes: int, n: int) -> float:
    with sink() as target, unicron_cluster(ctx, name, processes) as cluster:
        started = time.perf_counter()
        ids = cluster.submit(kind.body(target.url), n)
        wait_done(cluster.statuses, ids, b"SUCCESS")
        return n / (time.perf_counter() - started)


# -- RQ --------------------------------------------------------------------------------------------


def start_rq_workers(ps: Procs, url: str, processes: int) -> None:
    for i in range(processes):
        ps.start(
            f"rq-worker-{i}",
            [venv_bin("rq"), "worker", "--url", url, "--path", str(BENCH_DIR),
             "--worker-class", "rq.worker.SimpleWorker", "--logging_level", "WARNING", QUEUE],
            cpu=_worker_cpu(i),
        )  # fmt: skip


def rq_statuses(conn: Redis, ids: list[str]) -> list[bytes | None]:
    with conn.pipeline(transaction=False) as pipe:
        for job_id in ids:
            pipe.hget(f"rq:job:{job_id}", "status")
        return pipe.execute()


def _rq_rate(ctx: Context, name: str, kind: Kind, processes: int, n: int) -> float:
    with sink() as target, redis_server(ctx, name) as server, procs(ctx, name) as ps:
        conn = Redis.from_url(server.url)
        start_rq_workers(ps, server.url, processes)
        wait_for(lambda: conn.scard("rq:workers") >= processes, 30, "the RQ workers")
        queue = Queue(QUEUE, connection=conn)
        started = time.perf_counter()
        ids = [queue.enqueue(kind.peer_func, kind.peer_arg(target.url)).id for _ in range(n)]
        wait_done(lambda some: rq_statuses(conn, some), ids, b"finished")
        rate = n / (time.perf_counter() - started)
        conn.close()
        return rate


# -- shared ----------------------------------------------------------------------------------------


def _worker_cpu(i: int) -> int:
    """One worker on the measured CPU; a second one on the side CPU (two workers use both)."""
    return MEASURED_CPU if i % 2 == 0 else SIDE_CPU


def _answers(api: httpx.Client) -> bool:
    try:
        return api.get("/readyz").status_code == 200
    except httpx.HTTPError:
        return False


def wait_done(statuses: Callable[[list[str]], list[bytes | None]], ids: list[str], done: bytes) -> int:
    """Polls until every task of ``ids`` has status ``done``: the last one (cheap: one command a
    poll), then all of them. Returns the harness's own Redis commands; a failure or the deadline raises."""
    deadline = time.monotonic() + DONE_TIMEOUT_S
    commands = 0
    while True:
        commands += 1
        if statuses(ids[-1:]) == [done]:
            got = statuses(ids)
            commands += len(ids)
            if all(s == done for s in got):
                return commands
            if bad := {s for s in got if s in (b"FAILURE", b"failed")}:
                raise RuntimeError(f"a task failed ({bad})")
        if time.monotonic() > deadline:
            raise TimeoutError(f"tasks not done after {DONE_TIMEOUT_S} s")
        time.sleep(POLL_S)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


# -- costs: Redis commands per task, worker memory ----------------------------------------------


def run_costs(ctx: Context) -> list[Row]:
    n, n_long = (20, 60) if ctx.smoke else (5000, 50_000)
    with sink() as target:
        theirs = _rq_commands(ctx, n, target.url)
        mine, rss = _unicron_costs(ctx, n, n_long, target.url)
    ctx.details[COSTS_NAME] = {"tasks": n, "unicron": mine, "rq": theirs, "worker_rss_kib": rss}
    per_task = mine["total"] / n
    growth = (rss[n_long] - rss[n]) / rss[n]
    return [
        row(
            scenario=COSTS_NAME,
            figure=f"Redis commands per async task (INFO commandstats over {n:,} tasks, API and worker)",
            unit="",
            unicron=[per_task],
            peer="RQ (enqueue + SimpleWorker)",
            peer_reps=[theirs["total"] / n],
            goal="<= 1.0x RQ (aim 0.6x)",
            check=lambda _mine, ratio: ratio is not None and ratio <= 1.0,
            note=f"HTTP tasks; Unicron's: {_top(mine)}",
        ),
        row(
            scenario=COSTS_NAME,
            figure=f"worker memory (RSS) after {n_long:,} tasks vs after {n:,}",
            unit="%",
            unicron=[growth * 100],
            goal="<= +10 %",
            check=lambda mine_pct, _ratio: mine_pct <= 10,
            note=f"one worker process: {rss[n] / 1024:.1f} MiB, then {rss[n_long] / 1024:.1f} MiB",
        ),
    ]


def _unicron_costs(ctx: Context, n: int, n_long: int, url: str) -> tuple[dict[str, int], dict[int, int]]:
    """Commands over the first ``n`` tasks (API and one worker); the worker's RSS after ``n`` and after
    ``n_long`` tasks (the rest submitted in batches, so the queue never holds them all)."""
    with unicron_cluster(ctx, "unicron-costs", 1) as cluster:
        body = HTTP.body(url)
        cluster.redis.config_resetstat()
        harness = wait_done(cluster.statuses, cluster.submit(body, n), b"SUCCESS")
        commands = _commandstats(cluster.redis, harness)
        (worker,) = cluster.workers
        rss = {n: rss_kib(worker)}
        done = n
        while done < n_long:
            batch = min(5000, n_long - done)
            wait_done(cluster.statuses, cluster.submit(body, batch), b"SUCCESS")
            done += batch
        rss[n_long] = rss_kib(worker)
        return commands, rss


def _rq_commands(ctx: Context, n: int, url: str) -> dict[str, int]:
    with redis_server(ctx, "rq-costs") as server, procs(ctx, "rq-costs") as ps:
        conn = Redis.from_url(server.url)
        start_rq_workers(ps, server.url, 1)
        wait_for(lambda: conn.scard("rq:workers") >= 1, 30, "the RQ worker")
        queue = Queue(QUEUE, connection=conn)
        conn.config_resetstat()
        ids = [queue.enqueue(HTTP.peer_func, HTTP.peer_arg(url)).id for _ in range(n)]
        harness = wait_done(lambda some: rq_statuses(conn, some), ids, b"finished")
        commands = _commandstats(conn, harness)
        conn.close()
        return commands


def _commandstats(conn: Redis, harness: int) -> dict[str, int]:
    """Calls per command since CONFIG RESETSTAT, without the harness's own (its polling, the reset)."""
    stats = conn.info("commandstats")
    calls = {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}
    calls["config"] = calls.get("config", 0) - 1
    calls["hget"] = calls.get("hget", 0) - harness
    calls = {name: count for name, count in calls.items() if count > 0}
    return {**calls, "total": sum(calls.values())}


def _top(calls: dict[str, int], count: int = 6) -> str:
    ranked = sorted(((n, name) for name, n in calls.items() if name != "total"), reverse=True)
    return ", ".join(f"{name} {n}" for n, name in ranked[:count])

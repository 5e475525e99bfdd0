"""Async tasks: Unicron's workers against raw RQ SimpleWorkers, and what a task costs in Redis.

``task-throughput``: tasks through 1 or 2 worker processes, a no-op command and an HTTP GET to a
loopback target. Unicron: ``unicron worker`` runs each task as ``POST /api/async/`` leaves it (the
spec read and decrypted, the command in its sandbox or the call through the egress guard, the
result encrypted and stored, status ``SUCCESS``). RQ: ``Queue.enqueue`` of ``peers.command``
(``/bin/sh -c``, output captured) or ``peers.call`` (a GET with a keep-alive client), run by ``rq
worker -w SimpleWorker``, done when ``finished``. The workers start once per case and run
``reps`` batches; each batch is submitted while they run (with ``Store.create_task``, what the API
runs, and ``Queue.enqueue``: both several times faster than the workers, so the queue never runs
dry) and its rate is taken from the runs' own start and end times. One worker is pinned to the
measured CPU; a second one to the side CPU, with Redis, the HTTP target and the harness.

``task-costs``: Redis commands per task (``INFO commandstats``, the harness's own polling taken
out) over 5,000 HTTP tasks submitted through ``POST /api/async/`` (API and worker) against RQ's
enqueue and worker; then one worker's memory (RSS) after 5,000 and after 50,000 tasks.
"""

from __future__ import annotations

import os
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
    rq_utc_ms,
    unicron_env,
    unicron_store,
    venv_bin,
)
from redis import Redis
from rq import Queue

from unicron_core import keys
from unicron_core.apikeys import OPERATOR
from unicron_core.models import TaskSpec
from unicron_core.store import Store
from unicron_testkit.ports import free_port
from unicron_testkit.waiting import wait_for

NAME = "task-throughput"
COSTS_NAME = "task-costs"
TOKEN = "bench-api-token-0123456789abcdef0123456789"  # noqa: S105 - the bench cluster's own
DONE_TIMEOUT_S = 120
WARMUP = 20  # tasks run before the measured batches
POLL_S = 0.01


@dataclass(frozen=True)
class Kind:
    """What a task does: Unicron's task body and the RQ peer's function and argument."""

    label: str
    slug: str
    body: Callable[[str], dict[str, Any]]  # target URL -> POST /api/async/ body
    peer_func: str
    peer_arg: Callable[[str], str]
    command_user: str = ""  # Unicron's UNICRON_COMMAND_USER ("": no switch, as a non-root worker)


NOOP = Kind(
    "no-op command (`true`)",
    "cmd",
    lambda _url: {"name": "noop", "command": "true"},
    "peers.command",
    lambda _url: "true",
)
# A root worker switches each command to another user (`setpriv`, one exec more); RQ never does.
NOOP_AS_NOBODY = Kind(
    "no-op command (`true`) as `nobody` (a root worker's user switch)",
    "cmd-nobody",
    NOOP.body,
    NOOP.peer_func,
    NOOP.peer_arg,
    command_user="nobody",
)
HTTP = Kind(
    "HTTP GET to loopback",
    "http",
    lambda url: {"name": "get", "http_url": f"{url}/t"},
    "peers.call",
    lambda url: f"{url}/t",
)


def run(ctx: Context) -> list[Row]:
    n = 20 if ctx.smoke else 600
    cases = [(kind, processes) for kind in (NOOP, HTTP) for processes in (1, 2)]
    if os.geteuid() == 0:
        cases.append((NOOP_AS_NOBODY, 1))
    if ctx.smoke:  # each path once is enough to keep the harness working
        cases = [(NOOP, 1), (HTTP, 2)]
    calls = [
        call
        for kind, processes in cases
        for call in (
            lambda k=kind, p=processes: _rq_rates(ctx, k, p, n),
            lambda k=kind, p=processes: _unicron_rates(ctx, k, p, n),
        )
    ]
    rates = iter(ctx.each(calls))
    rows = []
    for kind, processes in cases:
        theirs, mine = next(rates), next(rates)
        workers = f"{processes} worker process{'es' * (processes > 1)}"
        ctx.details.setdefault(NAME, {})[f"{kind.label}, {workers}"] = {
            "tasks": n,
            "unicron_per_s": mine,
            "rq_per_s": theirs,
        }
        rows.append(
            row(
                scenario=NAME,
                figure=f"async tasks/s, {kind.label}, {workers}",
                unit="/s",
                unicron=mine,
                peer=f"RQ SimpleWorker x{processes}",
                peer_reps=theirs,
                goal=">= 0.9x RQ",
                check=lambda _mine, ratio: ratio is not None and ratio >= 0.9,
                note=f"{n} tasks a repetition",
            )
        )
    return rows


# -- Unicron ---------------------------------------------------------------------------------------


def unicron_env_for_tasks(redis_url: str) -> dict[str, str]:
    return unicron_env(
        redis_url,
        UNICRON_API_TOKENS=TOKEN,
        UNICRON_ALLOW_COMMANDS="true",
        UNICRON_EGRESS_ALLOW="127.0.0.0/8",
        UNICRON_RATE_LIMIT="100000000",  # on (its cost is counted), never refusing
        # The harness is root; Unicron's images run the worker as uid 10001, which runs commands
        # under the limits as itself. A root worker switching to nobody adds an exec of setpriv.
        UNICRON_COMMAND_USER="",
    )


def start_unicron_workers(ps: Procs, env: dict[str, str], processes: int) -> list[int]:
    args = [sys.executable, "-m", "unicron", "worker"]
    return [ps.start(args, env=env, name=f"worker-{i}", cpu=_worker_cpu(i)).pid for i in range(processes)]


def unicron_statuses(conn: Redis, ids: list[str]) -> list[bytes | None]:
    with conn.pipeline(transaction=False) as pipe:
        for task_id in ids:
            pipe.hget(keys.task(task_id), "status")
        return pipe.execute()


def _unicron_rates(ctx: Context, kind: Kind, processes: int, n: int) -> list[float]:
    """Tasks through ``processes`` workers, ``ctx.reps`` batches of ``n``: each batch is submitted
    (with ``Store.create_task``, what ``POST /api/async/`` runs: several times faster than the
    workers) while the workers run; the rate is over the runs' own start and end times."""
    name = f"unicron-{kind.slug}-{processes}"
    with redis_server(ctx, name) as server, procs(ctx, name) as ps:
        target = http_target(ps)
        store = unicron_store(server.url)
        env = unicron_env_for_tasks(server.url) | {"UNICRON_COMMAND_USER": kind.command_user}
        start_unicron_workers(ps, env, processes)
        wait_for(lambda: store.redis.scard("rq:workers") >= processes, 30, "the workers")
        spec = TaskSpec.model_validate(kind.body(target))
        rates = []
        for rep in range(ctx.reps + 1):  # the first batch warms up (imports, connections): not counted
            ids = [
                store.run(store.tasks.create(spec=spec, actor=OPERATOR)) for _ in range(n if rep else WARMUP)
            ]
            wait_done(lambda some: unicron_statuses(store.redis, some), ids, b"SUCCESS")
            runs = [store.run(store.tasks.get(task_id=task_id)).result for task_id in ids]
            rates.append(len(ids) / (max(r.end for r in runs if r) - min(r.start for r in runs if r)))
        store.redis.close()
        return rates[1:]


@dataclass
class UnicronCluster:
    """A ``unicron api`` and workers on one Redis, and the harness's clients of both."""

    api: httpx.Client
    store: Store
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
        return unicron_statuses(self.store.redis, ids)


@contextmanager
def unicron_cluster(ctx: Context, name: str, processes: int) -> Iterator[UnicronCluster]:
    with redis_server(ctx, name) as server, procs(ctx, name) as ps:
        env = unicron_env_for_tasks(server.url)
        port = free_port()
        args = [sys.executable, "-m", "unicron", "api", "--host", "127.0.0.1", "--port", str(port)]
        ps.start(args, env=env, name="api", cpu=SIDE_CPU)
        workers = start_unicron_workers(ps, env, processes)
        store = unicron_store(server.url)
        api = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"})
        try:
            wait_for(lambda: _answers(api), 30, "the API")
            wait_for(lambda: store.redis.scard("rq:workers") >= processes, 30, "the workers")
            yield UnicronCluster(api=api, store=store, workers=workers)
        finally:
            api.close()
            store.redis.close()


# -- RQ --------------------------------------------------------------------------------------------


def start_rq_workers(ps: Procs, url: str, processes: int) -> None:
    for i in range(processes):
        ps.start(
            [venv_bin("rq"), "worker", "--url", url, "--path", str(BENCH_DIR),
             "--worker-class", "rq.worker.SimpleWorker", "--logging_level", "WARNING", QUEUE],
            name=f"rq-worker-{i}",
            cpu=_worker_cpu(i),
        )  # fmt: skip


def rq_statuses(conn: Redis, ids: list[str]) -> list[bytes | None]:
    with conn.pipeline(transaction=False) as pipe:
        for job_id in ids:
            pipe.hget(f"rq:job:{job_id}", "status")
        return pipe.execute()


def _rq_rates(ctx: Context, kind: Kind, processes: int, n: int) -> list[float]:
    """``_unicron_rates`` for RQ: ``Queue.enqueue`` and ``rq worker -w SimpleWorker``."""
    name = f"rq-{kind.slug}-{processes}"
    with redis_server(ctx, name) as server, procs(ctx, name) as ps:
        target = http_target(ps)
        conn = Redis.from_url(server.url)
        start_rq_workers(ps, server.url, processes)
        wait_for(lambda: conn.scard("rq:workers") >= processes, 30, "the RQ workers")
        queue = Queue(QUEUE, connection=conn)
        rates = []
        for rep in range(ctx.reps + 1):
            ids = [
                queue.enqueue(kind.peer_func, kind.peer_arg(target)).id for _ in range(n if rep else WARMUP)
            ]
            wait_done(lambda some: rq_statuses(conn, some), ids, b"finished")
            with conn.pipeline(transaction=False) as pipe:
                for job_id in ids:
                    pipe.hmget(f"rq:job:{job_id}", "started_at", "ended_at")
                times = [(rq_utc_ms(a), rq_utc_ms(b)) for a, b in pipe.execute()]
            rates.append(len(ids) * 1000 / (max(t[1] for t in times) - min(t[0] for t in times)))
        conn.close()
        return rates[1:]


# -- shared ----------------------------------------------------------------------------------------


def http_target(ps: Procs) -> str:
    """The URL of the tasks' HTTP target: loadgen.py's trivial HTTP/1.1 server (keep-alive, a fixed
    answer, tens of thousands of answers a second), in its own process on the side CPU."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ps.start(
        [sys.executable, str(BENCH_DIR / "loadgen.py"), url, "--serve-trivial"],
        name="http-target",
        cpu=SIDE_CPU,
    )
    with httpx.Client(base_url=url) as client:
        wait_for(lambda: _answers(client, "/"), 10, "the HTTP target")
    return url


def _worker_cpu(i: int) -> int:
    """One worker on the measured CPU; a second one on the side CPU (two workers use both)."""
    return MEASURED_CPU if i % 2 == 0 else SIDE_CPU


def _answers(client: httpx.Client, path: str = "/readyz") -> bool:
    try:
        return client.get(path).status_code < 300
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
    with procs(ctx, "costs-target") as ps:
        url = http_target(ps)
        theirs = _rq_commands(ctx, n, url)
        mine, rss = _unicron_costs(ctx, n, n_long, url)
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
        conn = cluster.store.redis
        conn.config_resetstat()
        harness = wait_done(cluster.statuses, cluster.submit(body, n), b"SUCCESS")
        commands = _commandstats(conn, harness)
        (worker,) = cluster.workers
        rss = {n: rss_kib(worker)}
        spec = TaskSpec.model_validate(body)
        done = n
        while done < n_long:  # what POST /api/async/ runs, faster than the API: the worker is measured
            batch = min(5000, n_long - done)
            ids = [
                cluster.store.run(cluster.store.tasks.create(spec=spec, actor=OPERATOR)) for _ in range(batch)
            ]
            wait_done(cluster.statuses, ids, b"SUCCESS")
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

"""API submissions: ``POST /api/async/`` and ``POST /api/job/`` on one uvicorn worker, against a bare
FastAPI app that enqueues with RQ (``bench/bare_api.py``), in the same repetition.

- Unicron: ``python -m unicron api`` as users deploy it: an API key made as ``unicron token
  create`` makes it (scopes tasks:write and jobs:write), the per-key rate limit on (its Redis
  script runs on every request; the limit is set far above what is reached, so it never refuses),
  and the egress guard on, checking each URL at creation, with ``UNICRON_EGRESS_ALLOW`` listing the
  loopback address of the job's target (the setting a user whose target is on the same host sets).
- The peer: a pydantic body model, a sync route, ``Queue.enqueue`` of a function by its dotted name
  with the body's fields, the RQ job id answered.

Each system has its own fresh Redis. The API process is pinned to MEASURED_CPU; Redis and the load
generator (``bench/loadgen.py``, closed loop, keep-alive connections) to SIDE_CPU. No workers run.
Both systems are started once (a start costs seconds, which three repetitions cannot afford in the
time budget). In each repetition each route is driven on the peer and on Unicron by one load
generator, in turns of half a second (A B B A ..., the first one flipping every repetition), so
that this VM's slow spells, which last seconds, fall on both alike. Every non-2xx answer fails the
measurement.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from typing import Any

from common import (
    BENCH_DIR,
    KEY,
    SIDE_CPU,
    Context,
    Procs,
    Row,
    pin,
    procs,
    redis_server,
    row,
    unicron_env,
)

from unicron_core.apikeys import Scope
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_testkit.ports import free_port
from unicron_testkit.waiting import wait_for

NAME = "api-submit"
RPS_GOAL = 0.8  # x the peer's requests/s
P99_GOAL = 1.25  # x the peer's p99 latency
RATE_LIMIT_PER_MINUTE = 100_000_000  # far above what one worker reaches: counted, never refusing
TARGET = "http://127.0.0.1:9/ping"  # never called: no worker runs
EGRESS_ALLOW = "127.0.0.1/32"
START_TIMEOUT_S = 30
LOADGEN_TIMEOUT_S = 60
TASK_BODY: dict[str, Any] = {"name": "bench", "http_url": TARGET, "http_headers": {"X-Token": "bench-secret"}}
JOB_BODY: dict[str, Any] = {**TASK_BODY, "schedule": "*/5 * * * *"}
ROUTES = {"/api/async/": TASK_BODY, "/api/job/": JOB_BODY}
SYSTEMS = ("bare", "unicron")
PEER = "bare FastAPI + Queue.enqueue"


@dataclass(frozen=True)
class Params:
    connections: int
    warmup_s: float
    window_s: float  # counted, for each system
    slices: int  # turns the window is cut into


FULL = Params(connections=16, warmup_s=0.5, window_s=3.0, slices=6)
SMOKE = Params(connections=4, warmup_s=0.2, window_s=0.4, slices=2)


@dataclass
class Api:
    """A running API process: where to send requests, with which headers, and how to see it is up."""

    name: str
    url: str
    ready_path: str
    proc: subprocess.Popen[bytes]
    headers: list[str] = field(default_factory=list)


def run(ctx: Context) -> list[Row]:
    p = SMOKE if ctx.smoke else FULL
    # runs[route][system]: one loadgen result per repetition
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {r: {s: [] for s in SYSTEMS} for r in ROUTES}
    with ExitStack() as stack:
        # Started once: a repetition is both routes on both systems, the peer and Unicron in turn.
        apis = {"bare": _start_bare(ctx, stack), "unicron": _start_unicron(ctx, stack)}
        for api in apis.values():
            _wait_ready(api)
        for rep in range(ctx.reps):
            ctx.log(f"  rep {rep + 1}")
            order = [apis[s] for s in (SYSTEMS if rep % 2 == 0 else reversed(SYSTEMS))]
            calls: list[Callable[[], list[dict[str, Any]]]] = [
                lambda r=route, b=body, o=order: _load(p, o, r, b) for route, body in ROUTES.items()
            ]
            for route, results in zip(ROUTES, ctx.each(calls), strict=True):
                for api, result in zip(order, results, strict=True):
                    runs[route][api.name].append(result)
                    ctx.log(
                        f"    {route} {api.name}: {result['rps']:,.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
                        f"p99 {result['p99_ms']:.1f} ms, CPU {result['cpu_ms_per_request']:.2f} ms a request"
                    )
    ctx.details[NAME] = {"params": p.__dict__, "runs": runs}
    note = (
        f"{p.connections} connections; Unicron with an API key, rate limit on "
        f"(UNICRON_RATE_LIMIT={RATE_LIMIT_PER_MINUTE:,}, never reached), egress guard with "
        f"UNICRON_EGRESS_ALLOW={EGRESS_ALLOW}"
    )
    rows = []
    for route, by_system in runs.items():
        mine, theirs = by_system["unicron"], by_system["bare"]
        rows += [
            row(
                scenario=NAME,
                figure=f"POST {route} requests/s, one uvicorn worker",
                unit="req/s",
                unicron=[r["rps"] for r in mine],
                peer=PEER,
                peer_reps=[r["rps"] for r in theirs],
                goal=f">= {RPS_GOAL}x the peer",
                check=lambda _v, r: r is not None and r >= RPS_GOAL,
                note=note,
            ),
            row(
                scenario=NAME,
                figure=f"POST {route} latency p99",
                unit="ms",
                unicron=[r["p99_ms"] for r in mine],
                peer=PEER,
                peer_reps=[r["p99_ms"] for r in theirs],
                goal=f"<= {P99_GOAL}x the peer",
                check=lambda _v, r: r is not None and r <= P99_GOAL,
            ),
        ]
    return rows


def _start_bare(ctx: Context, stack: ExitStack) -> Api:
    name = "api-bare"
    redis = stack.enter_context(redis_server(ctx, name))
    ps: Procs = stack.enter_context(procs(ctx, name))
    port = free_port()
    env = {**unicron_env(redis.url), "PYTHONPATH": str(BENCH_DIR)}
    args = [sys.executable, str(BENCH_DIR / "bare_api.py"), "--port", str(port)]
    proc = ps.start(args, env=env, name="bare-api")
    return Api(name="bare", url=f"http://127.0.0.1:{port}", ready_path="/openapi.json", proc=proc)


def _start_unicron(ctx: Context, stack: ExitStack) -> Api:
    name = "api-unicron"
    redis = stack.enter_context(redis_server(ctx, name))
    ps: Procs = stack.enter_context(procs(ctx, name))
    store = Store.from_settings(Settings(key=KEY, redis_url=redis.url))
    token = store.run(
        store.access.create(name="bench", scopes=frozenset({Scope.TASKS_WRITE, Scope.JOBS_WRITE}))
    )
    store.redis.close()
    port = free_port()
    env = unicron_env(
        redis.url, UNICRON_RATE_LIMIT=str(RATE_LIMIT_PER_MINUTE), UNICRON_EGRESS_ALLOW=EGRESS_ALLOW
    )
    args = [sys.executable, "-m", "unicron", "api", "--host", "127.0.0.1", "--port", str(port)]
    proc = ps.start(args, env=env, name="unicron-api")
    return Api(
        name="unicron",
        url=f"http://127.0.0.1:{port}",
        ready_path="/readyz",
        proc=proc,
        headers=[f"Authorization: Bearer {token}"],
    )


def _wait_ready(api: Api) -> None:
    def ready() -> bool:
        if api.proc.poll() is not None:
            raise RuntimeError(f"the {api.name} API exited with {api.proc.returncode} (see its log)")
        with suppress(OSError), urllib.request.urlopen(api.url + api.ready_path, timeout=1) as answer:  # noqa: S310
            return bool(answer.status == 200)
        return False

    wait_for(ready, START_TIMEOUT_S, f"the {api.name} API", interval_s=0.05)


def _load(p: Params, apis: list[Api], route: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """One closed-loop measurement of ``route`` on each API in turns, by a load generator process on
    SIDE_CPU; a result for each API, in order."""
    targets = [
        {"url": api.url + route, "headers": ["Content-Type: application/json", *api.headers]} for api in apis
    ]
    args = [
        sys.executable,
        str(BENCH_DIR / "loadgen.py"),
        "--json",
        f"--connections={p.connections}",
        f"--warmup={p.warmup_s}",
        f"--duration={p.window_s}",
        f"--slices={p.slices}",
        f"--body={json.dumps(body)}",
        *(f"--target={json.dumps(t)}" for t in targets),
    ]
    started = time.monotonic()
    cpu_before = [_cpu_s(api.proc.pid) for api in apis]
    gen = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pin(gen.pid, SIDE_CPU)
    try:
        out, err = gen.communicate(timeout=LOADGEN_TIMEOUT_S)
    finally:
        if gen.poll() is None:
            gen.kill()
            gen.wait()
    if not out:
        raise RuntimeError(f"the load generator failed on {route}: {err.decode()[-2000:]}")
    results: list[dict[str, Any]] = json.loads(out)
    elapsed_s = round(time.monotonic() - started, 2)
    for api, before, result in zip(apis, cpu_before, results, strict=True):
        errors = {s: n for s, n in result["statuses"].items() if not s.startswith("2")}
        if errors or not result["requests"]:
            raise RuntimeError(f"{api.name} {route}: non-2xx or no answers {errors} ({err.decode()[-500:]})")
        result["elapsed_s"] = elapsed_s
        # CPU time of the API process (all its threads) per answer: the other API idles meanwhile.
        result["cpu_ms_per_request"] = (_cpu_s(api.proc.pid) - before) * 1000 / result["answered"]
    return results


def _cpu_s(pid: int) -> float:
    """User plus system CPU seconds of a process so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

"""Entry point of ``unicron worker``: one engine per process, many runs in flight in each
(docs/architecture.md, "Workers"), ``--processes N`` of them under a supervisor."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import resource
import signal
import time
from types import FrameType

from redis.exceptions import RedisError

from unicron_core.settings import Settings, get_settings
from unicron_core.store import Store
from unicron_worker import tasks
from unicron_worker.engine import Engine
from unicron_worker.runtime import Runtime

log = logging.getLogger(__name__)
REDIS_RETRY_S = 1.0
OWN_FILES = 256  # Redis connections, commands' pipes, the reaper's pipe, logs, the interpreter's
_stop_requested_early = False  # SIGTERM/SIGINT before the engine's loop took them over


def run(settings: Settings, *, processes: int = 1, burst: bool = False, index: int = 0) -> int:
    """Works the queue until SIGTERM (or, with ``burst``, until it is empty); ``index`` is this
    process's place in a ``--processes N`` group (its metrics port is ``UNICRON_METRICS_PORT`` + it)."""
    if processes > 1:
        return _supervise(processes, burst)
    for signum in (signal.SIGTERM, signal.SIGINT):  # until the engine's loop takes over
        signal.signal(signum, _note_early_stop)
    store = Store.from_settings(settings)
    _wait_for_redis(store)
    if _stop_requested_early:
        return 0
    store.run(store.cluster.verify())
    _check_open_files(settings.worker_concurrency)
    asyncio.run(_serve(settings, store, burst=burst, index=index))
    return 0


async def _serve(settings: Settings, blocking: Store, *, burst: bool, index: int) -> None:
    """The engine on this process's event loop, with its store, runners, threads and metrics."""
    rt = Runtime.build(settings, blocking)
    tasks.configure(rt)
    engine = Engine(rt, concurrency=settings.worker_concurrency, grace_s=settings.worker_grace_s, burst=burst)
    rt.metrics.track_in_flight(lambda: engine.in_flight)
    if settings.metrics_port:
        # One port a process: N processes of one group are N targets (docs/architecture.md, "Metrics").
        rt.metrics.serve(settings.metrics_port + index, settings.metrics_addr)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, engine.stop)
    if _stop_requested_early:
        engine.stop()
    try:
        await engine.run()
    finally:
        await rt.aclose()


def _check_open_files(concurrency: int) -> None:
    """Each run in flight holds a socket or a command's pipes: warns when the open-files limit is
    below what ``concurrency`` runs and the process's own need (the limit is the operator's: a
    raised one would reach every command, and some programs still use select())."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = concurrency + OWN_FILES
    if soft != resource.RLIM_INFINITY and soft < needed:
        log.warning(
            "the open-files limit is %d; UNICRON_WORKER_CONCURRENCY=%d may need %d (ulimit -n)",
            soft,
            concurrency,
            needed,
        )


def _wait_for_redis(store: Store) -> None:
    """A worker started before Redis waits for it instead of crash-looping."""
    warned = False
    while not _stop_requested_early:
        try:
            store.ping()
            return
        except RedisError as exc:
            if not warned:
                log.warning("waiting for Redis (%s)", type(exc).__name__)
                warned = True
            time.sleep(REDIS_RETRY_S)


def _note_early_stop(signum: int, _frame: FrameType | None) -> None:
    global _stop_requested_early  # noqa: PLW0603 - a signal handler's one flag
    _stop_requested_early = True


def _child(burst: bool, index: int) -> None:
    """Worker process ``index`` of a ``--processes N`` group; it reads the settings again itself."""
    raise SystemExit(run(get_settings(), processes=1, burst=burst, index=index))


def _supervise(processes: int, burst: bool) -> int:
    """Runs N worker processes; SIGTERM/SIGINT reach each of them (each lets its runs finish)."""
    ctx = multiprocessing.get_context("spawn")
    children = [
        ctx.Process(target=_child, args=(burst, i), name=f"unicron-worker-{i}") for i in range(processes)
    ]
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.pid is not None and child.is_alive():
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.start()
    while any(child.is_alive() for child in children):
        for i, child in enumerate(children):
            child.join(timeout=0.5)
            if not child.is_alive() and not stopping and not burst and child.exitcode != 0:
                log.error("worker process %s exited with %s; restarting it", child.name, child.exitcode)
                children[i] = ctx.Process(target=_child, args=(burst, i), name=child.name)
                children[i].start()
    return max((child.exitcode or 0) for child in children)

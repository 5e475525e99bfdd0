"""A worker process's loop: many runs in flight at once (docs/decisions/0012-concurrent-worker.md).

It claims RQ jobs a batch at a time, as many as it has free slots, and runs each as a task on its
event loop; every few seconds one heartbeat moves the deadline of all of them on RQ's started
registry, and its maintenance hands the runs of dead workers to RQ's abandoned-job handling. On
SIGTERM it stops claiming, lets the runs in flight finish within the grace, and aborts the rest.
RQ's own data stays as RQ keeps it (the queue, the job hashes, the registry, the worker's key), so
``rq info`` shows the workers and what they run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.exceptions import RedisError
from rq import Queue
from rq import Worker as RqWorker
from rq.registry import (
    DeferredJobRegistry,
    FailedJobRegistry,
    FinishedJobRegistry,
    ReadyJobRegistry,
    StartedJobRegistry,
)
from rq.suspension import is_suspended
from rq.timeouts import TimerDeathPenalty
from rq.utils import now as rq_now
from rq.worker import WorkerStatus

from unicron_core import keys
from unicron_core.replies import text
from unicron_core.store import rqhash
from unicron_core.store.aborts import REPLACED_BY
from unicron_core.store.claims import Claimed, claim_prefix, run_deadline
from unicron_core.store.rqhash import FIRE_FUNC, TASK_FUNC
from unicron_worker import tasks
from unicron_worker.runtime import Runtime

log = logging.getLogger(__name__)

HEARTBEAT_S = 5.0  # every run in flight, and the worker itself
WAIT_S = 1  # one blocking wait for work (then the loop looks at its stop flag again)
MAINTENANCE_S = 15  # RQ's registries cleaned: the runs of dead workers found
# Maintenance waits for Redis to have answered this worker's heartbeats this long: after an outage
# every live worker's registry entries have expired, and each must beat them again before any
# cleaning takes their runs for the runs of dead workers.
SETTLED_S = 2 * HEARTBEAT_S
STRANDED_AFTER_S = 20  # an id a dead worker's wait moved to the intermediate list is queued again
ABORT_WAIT_S = 10  # after the grace: how long aborted runs get to record themselves
REDIS_RETRY_S = 1.0
STOP_WAIT_S = 2.0  # at the stop, a Redis call (a claim, the deregistration) is given up after this
T = TypeVar("T")
# What the engine runs, by the function name an RQ job carries (unicron_core.store.rqhash).
FUNCS: dict[str, Callable[..., Awaitable[None]]] = {FIRE_FUNC: tasks.run_fire, TASK_FUNC: tasks.run_task}


class Engine:
    """One worker process's runs."""

    def __init__(self, rt: Runtime, *, concurrency: int, grace_s: float, burst: bool = False) -> None:
        self._rt = rt
        self._concurrency = concurrency
        self._grace_s = grace_s
        self._burst = burst
        self._running: dict[asyncio.Task[None], Claimed] = {}
        self._freed = asyncio.Event()
        self._stopping = asyncio.Event()
        self._suspended = False
        self._unanswered: set[str] = set()  # prefixes of claim calls that failed: see ``_lost``
        self._beating_since: float | None = None  # monotonic: heartbeats answered since then
        # RQ's worker object keeps the worker's key, state and heartbeat for `rq info`; its loop
        # is not used.
        self.rq = RqWorker([rt.blocking.queue], connection=rt.blocking.redis)
        rt.worker = self.rq.name

    @property
    def in_flight(self) -> int:
        """Runs being run now."""
        return len(self._running)

    def stop(self) -> None:
        """Stops claiming; the runs in flight get the grace to finish (SIGTERM, SIGINT)."""
        if not self._stopping.is_set():
            log.info("stopping: %d run(s) in flight get %g s to finish", self.in_flight, self._grace_s)
        self._stopping.set()

    async def run(self) -> None:
        """Works the queue until ``stop`` (or, ``burst``, until it is empty), then finishes."""
        await _off_loop(self.rq.register_birth)
        helpers = [asyncio.create_task(helper) for helper in (self._beat(), self._maintain(), self._listen())]
        try:
            await self._claim_until_stopped()
            await self._finish()
        finally:
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            try:
                await asyncio.wait_for(_off_loop(self.rq.register_death), STOP_WAIT_S)
            except (RedisError, TimeoutError) as exc:
                log.warning("could not deregister the worker (%s)", type(exc).__name__)

    async def _claim_until_stopped(self) -> None:
        """``_claim``, given ``STOP_WAIT_S`` after a stop to leave: a claim call that a Redis that
        stopped answering holds is given up then. (Had Redis run it, its runs expire on the registry
        and maintenance records them as a dead worker's.)"""
        claiming = asyncio.create_task(self._claim())
        stopped = asyncio.create_task(self._stopping.wait())
        await asyncio.wait([claiming, stopped], return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not claiming.done():
            await asyncio.wait([claiming], timeout=STOP_WAIT_S)
        if not claiming.done():
            log.warning("a claim still unanswered %g s after the stop: given up", STOP_WAIT_S)
            claiming.cancel()
            await asyncio.gather(claiming, return_exceptions=True)
            return
        claiming.result()  # its error, if it failed

    async def _claim(self) -> None:
        while not self._stopping.is_set():
            free = self._concurrency - self.in_flight
            if free <= 0 or self._suspended:
                self._freed.clear()
                await self._until(self._freed, HEARTBEAT_S)
                continue
            try:
                claimed = await self._take(free)
            except RedisError as exc:
                log.warning("could not claim runs (%s); trying again", type(exc).__name__)
                await self._until(self._stopping, REDIS_RETRY_S)
                continue
            if claimed is None:
                return  # burst: the queue is empty and nothing runs
            for run in claimed:
                task = asyncio.create_task(self._run(run))
                self._running[task] = run
                task.add_done_callback(self._ended)

    async def _take(self, limit: int) -> list[Claimed] | None:
        """Up to ``limit`` runs; waits for one when the queue is empty (None: burst, all done)."""
        store = self._rt.store
        claimed = await self._lost() or await self._claim_batch(limit)
        if claimed:
            return claimed
        if self._burst and not self._running:
            return None
        # The wait ends early on a stop: a worker told to stop stops at once. (An id the wait moved
        # to the intermediate list just then is queued again by maintenance.)
        wait = asyncio.create_task(store.run(store.claims.wait(timeout_s=WAIT_S)))
        stop = asyncio.create_task(self._stopping.wait())
        await asyncio.wait([wait, stop], return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not wait.done():
            wait.cancel()
            await asyncio.gather(wait, return_exceptions=True)
            return []
        waited = wait.result()
        if waited is None:
            return []
        return await self._claim_batch(limit, waited=waited)

    async def _claim_batch(self, limit: int, *, waited: str | None = None) -> list[Claimed]:
        """One claim call. Until its answer arrives its prefix is kept: when the connection breaks,
        Redis may have run the script all the same, and its runs are ours to run (``_lost``)."""
        store = self._rt.store
        prefix = claim_prefix()
        self._unanswered.add(prefix)
        claimed = await store.run(
            store.claims.claim(
                worker=self.rq.name, limit=limit, deadline_s=run_deadline(), waited=waited, prefix=prefix
            )
        )
        self._unanswered.discard(prefix)
        return claimed

    async def _lost(self) -> list[Claimed]:
        """The runs of claim calls whose answers never arrived. Their entries wait on the registry
        (left there, they would expire and be recorded as failed, never run). No new claim has been
        made since: they fit in the free slots those calls asked for."""
        store = self._rt.store
        prefixes = list(self._unanswered)
        found: list[Claimed] = []
        for prefix in prefixes:
            found += await store.run(store.claims.lost(prefix=prefix))
        self._unanswered.difference_update(prefixes)  # all looked at: none of their runs dropped
        if found:
            log.warning("claimed %d run(s) whose claim's answer was lost; running them", len(found))
        return found

    async def _run(self, run: Claimed) -> None:
        store = self._rt.store
        try:
            func = FUNCS.get(run.func)
            if func is None:
                raise LookupError(f"no such function: {run.func}")
            await func(*run.args)
        except asyncio.CancelledError:
            # Stopped outside the call or command itself (which records itself aborted): its entry
            # on the registry expires and RQ's abandoned-job handling records it.
            return
        except Exception as exc:
            log.exception("run %s failed outside its call", run.rq_id)
            reason = f"the run did not finish: {type(exc).__name__}: {exc}"
            try:
                await asyncio.to_thread(tasks.unfinished, self._rt, run.func, run.args, reason=reason)
            except RedisError:
                return  # its registry entry expires: RQ's abandoned-job handling records it
        try:
            # Patiently: an entry left on the registry expires, and RQ's abandoned-job handling
            # would then record this finished run as failed.
            await tasks.patiently(lambda: store.run(store.claims.done(runs=[run])))
        except RedisError as exc:  # Redis gone longer than the patience: the failure above follows
            log.warning("could not forget run %s (%s)", run.rq_id, type(exc).__name__)

    def _ended(self, task: asyncio.Task[None]) -> None:
        run = self._running.pop(task, None)
        if run is not None:
            self._rt.aborting.pop(_key(run), None)
        self._freed.set()

    async def _listen(self) -> None:
        """Aborts asked for, as they are published (``Aborts``): each run key this process holds
        is aborted with the reason its note gives. A message missed while Redis was away is found
        by the next heartbeat."""
        while True:
            try:
                async with self._rt.store.subscribed(keys.ABORT_CHANNEL) as pubsub:
                    while True:
                        message = await pubsub.get_message(timeout=WAIT_S)
                        if message is not None:
                            await self._asked([text(message["data"])])
            except RedisError as exc:
                log.warning("abort requests unheard (%s); listening again", type(exc).__name__)
                await asyncio.sleep(REDIS_RETRY_S)

    async def _asked(self, run_keys: list[str]) -> None:
        """Aborts the runs of ``run_keys`` this process holds that have an abort's note."""
        held = {_key(run) for run in self._running.values()}
        wanted = [k for k in run_keys if k in held and k not in self._rt.aborting]
        store = self._rt.store
        for run_key, by in (await store.run(store.aborts.notes(run_keys=wanted))).items():
            self._rt.aborting[run_key] = f"aborted by {by}"
            self._rt.metrics.run_aborted(cause="replace" if by.startswith(REPLACED_BY) else "request")
            task = self._rt.executing.get(run_key)
            if task is not None:  # else it has not started its call or command: it will not
                task.cancel()

    async def _beat(self) -> None:
        """Every ``HEARTBEAT_S``: the deadlines of the runs in flight, the worker's own heartbeat
        and state, and whether RQ's workers are suspended (`rq suspend`)."""
        store = self._rt.store
        while True:
            try:
                await store.run(
                    store.claims.beat(runs=list(self._running.values()), deadline_s=run_deadline())
                )
                state = WorkerStatus.BUSY if self._running else WorkerStatus.IDLE
                self._suspended = await _off_loop(self._rq_beat, state)
                if self._beating_since is None:
                    self._beating_since = time.monotonic()
            except RedisError as exc:
                log.warning("heartbeat failed (%s)", type(exc).__name__)
                self._beating_since = None
            if self._suspended:
                self._freed.set()  # the claim loop looks again
            await asyncio.sleep(HEARTBEAT_S)

    def _rq_beat(self, state: str) -> bool:
        self.rq.heartbeat()
        if self.rq.get_state() != state:
            self.rq.set_state(state)
        return bool(is_suspended(self.rq.connection))

    async def _maintain(self) -> None:
        """Every ``MAINTENANCE_S`` once Redis has answered heartbeats for ``SETTLED_S``: ids stranded
        by a dead worker's wait queued again, and RQ's registries cleaned (the runs of dead workers
        recorded as failed, by ``tasks.on_rq_failure``). Not sooner after a start or an outage, so
        that no live worker's run is taken for a dead one's (docs/decisions/0012-concurrent-worker.md)."""
        while True:
            since = self._beating_since
            if since is None or time.monotonic() - since < SETTLED_S:
                await asyncio.sleep(HEARTBEAT_S)  # a period: the heartbeats move ``_beating_since``
                continue
            try:
                await _off_loop(self._clean)
            except RedisError as exc:
                log.warning("maintenance failed (%s)", type(exc).__name__)
            await asyncio.sleep(MAINTENANCE_S)

    def _clean(self) -> None:
        queue = self._rt.blocking.queue
        _requeue_stranded(queue)
        # RQ's clean_registries, with the failure callbacks' time limit kept by a timer: this runs
        # in a thread, where RQ's default (SIGALRM) cannot be set.
        StartedJobRegistry(queue=queue, death_penalty_class=TimerDeathPenalty).cleanup()
        for registry in (FinishedJobRegistry, FailedJobRegistry, DeferredJobRegistry, ReadyJobRegistry):
            registry(queue=queue).cleanup()

    async def _finish(self) -> None:
        """Lets the runs in flight finish within the grace; aborts the rest (each records itself)."""
        if not self._running:
            return
        _, pending = await asyncio.wait(list(self._running), timeout=self._grace_s)
        if pending:
            log.warning("aborting %d run(s) still in flight after %g s", len(pending), self._grace_s)
            for task in pending:
                task.cancel()
                self._rt.metrics.run_aborted(cause="shutdown")
            await asyncio.wait(pending, timeout=ABORT_WAIT_S)

    async def _until(self, event: asyncio.Event, timeout_s: float) -> None:
        """Waits for ``event`` or the stop, at most ``timeout_s``."""
        waits = [asyncio.create_task(event.wait()), asyncio.create_task(self._stopping.wait())]
        try:
            await asyncio.wait(waits, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()


async def _off_loop(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` on a daemon thread, for RQ's blocking calls: one blocked on a Redis that
    stopped answering (10 s a try, three tries) neither blocks the loop nor holds the process's
    exit after a SIGTERM, as a thread of ``asyncio.to_thread``'s executor would (it is joined)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(setter: Callable[[Any], None], value: Any) -> None:
        if not future.done():  # else cancelled meanwhile
            setter(value)

    def work() -> None:
        setter: Callable[[Any], None]
        value: object
        try:
            setter, value = future.set_result, func(*args)
        except Exception as exc:
            setter, value = future.set_exception, exc
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits for it any more
            loop.call_soon_threadsafe(settle, setter, value)

    threading.Thread(target=work, name=f"rq-{func.__name__}", daemon=True).start()
    return await future


def _key(run: Claimed) -> str:
    """A run's key, as aborts name it: a job's run id, or a task id."""
    fire = rqhash.fire_run(run.func, run.args)
    return str(run.args[0]) if fire is None else fire[1]


def _requeue_stranded(queue: Queue) -> None:
    """Ids a worker's blocking wait moved to the intermediate list but never claimed (it died in
    between), queued again once seen there for ``STRANDED_AFTER_S``."""
    stranded = queue.intermediate_queue
    for job_id in stranded.get_job_ids():
        if job_id in queue.started_job_registry or stranded.set_first_seen(job_id):
            continue  # running, or seen for the first time: look again at the next maintenance
        first_seen = stranded.get_first_seen(job_id)
        if first_seen is not None and (rq_now() - first_seen).total_seconds() > STRANDED_AFTER_S:
            with queue.connection.pipeline() as pipe:
                pipe.lrem(stranded.key, 1, job_id)
                pipe.rpush(queue.key, job_id)
                pipe.execute()
            log.warning("job %s was stranded between dequeue and start; queued again", job_id)

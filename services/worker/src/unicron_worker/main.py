"""Entry point of ``unicron worker``: RQ SimpleWorkers (no fork per job), one per process
(docs/architecture.md, "Workers")."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import time
import uuid
from types import FrameType

from redis.client import Pipeline
from redis.exceptions import RedisError
from rq import Queue
from rq.executions import Execution
from rq.job import Job
from rq.registry import StartedJobRegistry
from rq.utils import now as rq_now
from rq.worker import SimpleWorker, WorkerStatus

from unicron_core.settings import Settings, get_settings
from unicron_core.store import Store
from unicron_worker import tasks
from unicron_worker.http_runner import HttpRunner
from unicron_worker.notify import Notifier
from unicron_worker.shell_runner import Sandbox

log = logging.getLogger(__name__)
# How often a worker looks for jobs abandoned by dead workers (RQ's default is 10 minutes).
MAINTENANCE_INTERVAL_S = 15
# A job popped by a worker that died (or lost Redis) before it started sits in RQ's intermediate
# list; after this long it is queued again (RQ itself would fail it: a fire would never run).
STRANDED_AFTER_S = 20
# RQ beats (and checks for `rq suspend`) before and after every dequeue and after every job; once a
# second keeps the worker's key alive (its TTL is minutes) at a fraction of the commands.
BEAT_EVERY_S = 1.0


class Worker(SimpleWorker):
    """RQ's SimpleWorker with the bookkeeping Unicron's jobs need, in two round trips a job.

    RQ's own writes about 70 Redis commands per job in a dozen round trips: heartbeats of the
    worker and the job, an execution record in three places, dependents, statistics, the result.
    Unicron's RQ jobs carry ids only, keep no result (``result_ttl=0``) and have no dependents,
    repeats or rate-limit slots; what matters is kept: the job's STARTED status and its entry in the
    started registry (RQ's abandoned-job handling reads both when a worker dies mid-run), the worker's
    heartbeat and state. Failures take RQ's own path. Also, a job stranded between dequeue and start
    runs again instead of failing.
    """

    _beat_at = 0.0
    _suspension_checked_at = 0.0
    # SIGTERM/SIGINT before RQ's own handlers were installed (``run`` notes it): stop at once.
    stop_requested_early = False

    def _install_signal_handlers(self) -> None:
        super()._install_signal_handlers()  # type: ignore[no-untyped-call]
        if Worker.stop_requested_early:  # the loop stops before its first dequeue, cleanly
            self._shutdown_requested_date = rq_now()
            self._stop_requested = True

    def clean_registries(self) -> None:
        for queue in self.queues:
            _requeue_stranded(queue)
        super().clean_registries()  # type: ignore[no-untyped-call]  # RQ leaves it untyped

    def heartbeat(self, timeout: int | None = None, pipeline: Pipeline | None = None) -> None:
        now = time.monotonic()
        if pipeline is None and now - self._beat_at < BEAT_EVERY_S:
            return
        self._beat_at = now
        super().heartbeat(timeout, pipeline)

    def check_for_suspension(self, burst: bool) -> None:
        now = time.monotonic()
        if now - self._suspension_checked_at < BEAT_EVERY_S:
            return
        self._suspension_checked_at = now
        super().check_for_suspension(burst)

    def set_state(self, state: str, pipeline: Pipeline | None = None) -> None:
        if pipeline is None and state == self.get_state():
            return
        super().set_state(state, pipeline)

    def prepare_execution(self, job: Job) -> Execution:
        """Marks the job started, in the started registry and off the intermediate list, and a task's
        own start too: one round trip (RQ's ``prepare_execution`` and ``prepare_job_execution`` take
        two and 18 commands, the task's start one more)."""
        ttl = self.get_heartbeat_ttl(job)
        execution = Execution(
            id=uuid.uuid4().hex, job_id=job.id, connection=self.connection, worker_name=self.name
        )
        execution._job = job
        with self.connection.pipeline(transaction=False) as pipe:
            job.started_job_registry.add_execution(execution, pipeline=pipe, ttl=ttl)
            job.prepare_for_execution(self.name, pipeline=pipe)
            pipe.lrem(Queue(job.origin, connection=self.connection).intermediate_queue_key, 1, job.id)
            self.set_state(WorkerStatus.BUSY, pipeline=pipe)
            if ttl > self.worker_ttl:  # a long job: the worker's key must outlive it
                pipe.expire(self.key, ttl)
            started = tasks.start_on(job, pipe)
            replies = pipe.execute()
        if started:
            started(replies)
        self.executions[execution.id] = execution
        return execution

    def prepare_job_execution(self, job: Job, remove_from_intermediate_queue: bool = False) -> None:
        """Done by ``prepare_execution``, in the same round trip."""

    def handle_execution_ended(self, job: Job, queue: Queue, heartbeat_ttl: int) -> None:
        job.ended_at = rq_now()  # RQ also writes a heartbeat to the job, which is about to go

    def handle_job_success(
        self, job: Job, queue: Queue, started_job_registry: StartedJobRegistry, execution: Execution
    ) -> None:
        """Forgets the job: off the started registry, its hash deleted (it keeps no result), the
        worker idle again, in one round trip."""
        with self.connection.pipeline(transaction=False) as pipe:
            started_job_registry.remove_execution(execution, pipeline=pipe)
            pipe.delete(job.key)
            self.set_state(WorkerStatus.IDLE, pipeline=pipe)
            pipe.execute()
        self.executions.pop(execution.id, None)


def _requeue_stranded(queue: Queue) -> None:
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


REDIS_RETRY_S = 1.0


def run(settings: Settings, *, processes: int = 1, burst: bool = False) -> int:
    """Works the queue until SIGTERM (or, with ``burst``, until it is empty)."""
    if processes > 1:
        return _supervise(processes, burst)
    for signum in (signal.SIGTERM, signal.SIGINT):  # until RQ's handlers take over
        signal.signal(signum, _note_early_stop)
    store = Store.from_settings(settings)
    _wait_for_redis(store)
    if Worker.stop_requested_early:
        return 0
    store.run(store.cluster.verify())
    http = HttpRunner(limit_bytes=settings.output_limit_bytes, guard=settings.egress_guard())
    notifier = Notifier(settings)
    sandbox = Sandbox(
        user=settings.command_user or None,
        cpu_s=settings.command_cpu_s,
        memory_bytes=settings.command_memory_mb << 20,
        processes=settings.command_processes,
        file_bytes=settings.command_file_mb << 20,
    )
    tasks.configure(
        tasks.Runtime(settings=settings, store=store, http=http, notifier=notifier, sandbox=sandbox)
    )
    try:
        _work(store, burst=burst, debug=settings.debug)
    finally:
        http.close()
        notifier.close()
    return 0


def _work(store: Store, *, burst: bool, debug: bool) -> None:
    """Runs RQ's work loop until a stop is requested. RQ's loop quits on a Redis error outside its
    dequeue (a restart of Redis mid-job, say); this one waits for Redis and starts a new loop."""
    while True:
        worker = Worker([store.queue], connection=store.redis, maintenance_interval=MAINTENANCE_INTERVAL_S)
        try:
            worker.work(burst=burst, logging_level="DEBUG" if debug else "WARNING")
        except RedisError as exc:
            log.warning("worker loop stopped by a Redis error (%s)", type(exc).__name__)
        if burst or _stopping(worker):
            return
        _wait_for_redis(store)
        if _stopping(worker):  # a SIGTERM that came while Redis was away
            return
        log.warning("starting a new worker loop")


def _stopping(worker: Worker) -> bool:
    """True once SIGTERM/SIGINT reached RQ's handler (it records the date, idle or busy)."""
    return worker._shutdown_requested_date is not None


def _wait_for_redis(store: Store) -> None:
    """A worker started before Redis waits for it instead of crash-looping."""
    warned = False
    while not Worker.stop_requested_early:
        try:
            store.ping()
            return
        except RedisError as exc:
            if not warned:
                log.warning("waiting for Redis (%s)", type(exc).__name__)
                warned = True
            time.sleep(REDIS_RETRY_S)


def _note_early_stop(signum: int, _frame: FrameType | None) -> None:
    Worker.stop_requested_early = True


def _child(burst: bool) -> None:
    """One worker process of a ``--processes N`` group; it reads the settings again itself."""
    raise SystemExit(run(get_settings(), processes=1, burst=burst))


def _supervise(processes: int, burst: bool) -> int:
    """Runs N worker processes; SIGTERM/SIGINT reach each of them (RQ finishes the running job)."""
    ctx = multiprocessing.get_context("spawn")
    children = [
        ctx.Process(target=_child, args=(burst,), name=f"unicron-worker-{i}") for i in range(processes)
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
                children[i] = ctx.Process(target=_child, args=(burst,), name=child.name)
                children[i].start()
    return max((child.exitcode or 0) for child in children)

"""RQ's job hashes, written by our own scripts (``fire.lua``, ``create_task.lua``) without an RQ
``Job``: the only module that knows RQ's internals and the names of the worker's functions.

An RQ job carries ids only (a job id and a fire time, or a task id), never a URL, a header or a
command. tests/bench/test_fire_hash.py holds the hashes to what RQ's ``Job.to_dict()`` writes, so
an RQ upgrade that changes it fails there rather than in a worker.
"""

from __future__ import annotations

import time
import zlib
from datetime import UTC
from typing import Any, NamedTuple

from redis import Redis
from rq import Queue
from rq.callbacks import Callback
from rq.intermediate_queue import IntermediateQueue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import resolve_serializer
from rq.utils import get_call_string, utcformat, utcparse
from rq.utils import now as rq_now
from rq.worker_registration import WORKERS_BY_QUEUE_KEY

from unicron_core.replies import text

# What RQ runs, by name: the worker's functions (unicron_worker.tasks; a test checks they exist).
FIRE_FUNC = "unicron_worker.tasks.run_fire"
TASK_FUNC = "unicron_worker.tasks.run_task"
FAILURE_CALLBACK = "unicron_worker.tasks.on_rq_failure"
# Extra RQ time on top of a run's own timeout: notifications and result storage happen after it.
RQ_TIMEOUT_MARGIN_S = 60
QUEUES_KEY: str = Queue.redis_queues_keys  # RQ's set of queue keys
# Fields of a hash not shared by every job of ours: per job, or the time it is written.
_NOT_SHARED = frozenset({"data", "description", "timeout", "created_at", "enqueued_at"})
_SERIALIZER = resolve_serializer()


def fire_id(job_id: str, scheduled_ms: int) -> str:
    """The RQ job id of one fire, also its idempotency key and its run id prefix."""
    return f"{job_id}-{scheduled_ms}"


def run_id(job_id: str, scheduled_ms: int, trigger: str) -> str:
    """A job's run id, also the RQ job id that runs it: a fire's (scheduled or caught up) is the
    fire id; a manual run's and a record of skipped fires' are marked as such."""
    fire = fire_id(job_id, scheduled_ms)
    return fire if trigger in ("schedule", "catchup") else f"{fire}-{trigger}"


class FireCall(NamedTuple):
    """The arguments of ``run_fire``, in order: what an RQ job of a job's run carries (the fire
    script writes the first five; an earlier layout's missing ones are the defaults)."""

    job_id: str
    scheduled_ms: int
    version: int | None = None
    trigger: str = "schedule"
    by: str | None = None
    attempt: int = 1
    force: bool = False

    @property
    def run_id(self) -> str:
        """The run it is an attempt of."""
        return run_id(self.job_id, self.scheduled_ms, self.trigger)


def fire_run(func: str, args: tuple[Any, ...]) -> tuple[str, str] | None:
    """The job id and run id an RQ job of ``run_fire`` runs (from its arguments); None for a task."""
    if func != FIRE_FUNC:
        return None
    call = FireCall(*args)
    return call.job_id, call.run_id


def queued_fire(data: bytes | None) -> FireCall | None:
    """The fire an RQ job's ``data`` runs; None for none (no such job, or a task's)."""
    if data is None:
        return None
    func, args = call_of(data)
    return FireCall(*args) if func == FIRE_FUNC else None


def epoch_of(stamp: bytes | str | None) -> float:
    """An RQ timestamp (``enqueued_at``) as epoch seconds; now when there is none."""
    if not stamp:
        return time.time()
    return utcparse(text(stamp)).replace(tzinfo=UTC).timestamp()


def job_key(rq_id: str) -> str:
    """The key of an RQ job's hash."""
    return Job.key_for(rq_id)


def rq_timeout(run_timeout_s: float) -> int:
    """RQ's own time limit for a run: the run's limit plus a margin for storing its result."""
    return int(run_timeout_s) + RQ_TIMEOUT_MARGIN_S


def rq_call(func: str, args: tuple[Any, ...]) -> tuple[bytes, str | None]:
    """RQ's ``data`` and ``description`` of a call, as ``Job.to_dict()`` writes them."""
    data = zlib.compress(_SERIALIZER.dumps((func, None, args, {})))
    return data, get_call_string(func, args, {}, max_length=75)


def call_of(data: bytes) -> tuple[str, tuple[Any, ...]]:
    """The function name and arguments of an RQ job's ``data`` (``rq_call``'s, read back)."""
    func, _instance, args, _kwargs = _SERIALIZER.loads(zlib.decompress(data))
    return func, tuple(args)


def now() -> str:
    """RQ's timestamp of now, as it writes ``created_at`` and ``enqueued_at``."""
    return utcformat(rq_now())


class RqHash:
    """The RQ job hashes of one cluster's queue."""

    def __init__(self, *, queue: str, failure_ttl_s: int) -> None:
        self.queue_name = queue
        self.queue_key = Queue.redis_queue_namespace_prefix + queue
        # Where RQ's blocking dequeue moves an id, and RQ's registry of the jobs being run.
        self.intermediate_key = IntermediateQueue.get_intermediate_queue_key(self.queue_key)
        self.started_key = StartedJobRegistry.key_template.format(queue)
        # RQ's set of the keys of the workers that serve the queue (each key a hash: state, hostname,
        # last_heartbeat, ...).
        self.workers_key = WORKERS_BY_QUEUE_KEY % queue
        self.job_prefix = Job.redis_job_namespace_prefix
        self._failure_ttl_s = failure_ttl_s
        shared = self.job(FIRE_FUNC, (), "shared", 0).to_dict()
        # Every field of ours RQ would write the same for any job (field, value, ...), from RQ itself.
        self.shared: list[Any] = [
            x for k, v in shared.items() if v is not None and k not in _NOT_SHARED for x in (k, v)
        ]

    @property
    def shared_lua(self) -> str:
        """``shared`` as Lua string literals, comma-separated (``create_task.lua``'s placeholder)."""
        return ", ".join(_lua_literal(getattr(x, "value", x)) for x in self.shared)

    def job(self, func: str, args: tuple[Any, ...], rq_id: str, run_timeout_s: float) -> Job:
        """RQ's own ``Job`` for such a queued job (what the hashes here must equal)."""
        job = Job.create(
            func,
            args=args,
            id=rq_id,
            connection=Redis(),  # never used: Job.create asks for one, building a job does no I/O
            origin=self.queue_name,
            timeout=rq_timeout(run_timeout_s),
            result_ttl=0,
            failure_ttl=self._failure_ttl_s,
            on_failure=Callback(FAILURE_CALLBACK),
        )
        job.enqueued_at = rq_now()
        job._status = JobStatus.QUEUED
        return job

    def fields(self, func: str, args: tuple[Any, ...], run_timeout_s: float) -> list[Any]:
        """The whole hash of a queued job (field, value, ...)."""
        return [*self.shared, *self.own(func, args, run_timeout_s)]

    @staticmethod
    def own(func: str, args: tuple[Any, ...], run_timeout_s: float) -> list[Any]:
        """The fields of ``fields`` that differ per job: data, description, timeout, times."""
        stamp = now()
        data, description = rq_call(func, args)
        own = ["data", data, "description", description, "timeout", rq_timeout(run_timeout_s)]
        return [*own, "created_at", stamp, "enqueued_at", stamp]


def _lua_literal(value: object) -> str:
    """``str(value)`` as a Lua string literal: every byte a decimal escape, so any text is safe."""
    return '"' + "".join(f"\\{byte}" for byte in str(value).encode()) + '"'

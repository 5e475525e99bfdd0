"""The one class that reads and writes Unicron's Redis keys, encrypting on the way in and out.

Services talk to ``Store``, never to Redis. RQ jobs carry ids only; what they refer to is here.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import string
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.asyncio.sentinel import Sentinel as AsyncSentinel
from redis.backoff import ExponentialBackoff
from redis.client import Pipeline, PubSub
from redis.commands.core import AsyncScript
from redis.connection import Connection, HiredisRespSerializer, parse_url
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from redis.sentinel import Sentinel
from rq import Queue
from rq.callbacks import Callback
from rq.job import Job, JobStatus
from rq.serializers import resolve_serializer
from rq.utils import get_call_string, utcformat
from rq.utils import now as rq_now

from unicron_core import cron, keys, lua
from unicron_core.crypto import Cipher
from unicron_core.errors import ConfigError, Forbidden, KeyMismatch, NotFound, UnreadableRecord
from unicron_core.models import JobRecord, JobSpec, RunResult, RunSpec, TaskRecord, TaskSpec, TaskStatus
from unicron_core.replies import text
from unicron_core.rotation import KeyRotation, RotationReport
from unicron_core.settings import Settings

log = logging.getLogger(__name__)

JOB_ID_CHARS = string.ascii_letters + string.digits
JOB_ID_LEN = 16
CANARY_TEXT = b"unicron cluster key canary v1"
CREATE_BATCH = 1000  # job creations a round trip in ``create_jobs``
MIN_REDIS = (6, 2)  # lua.FIRE copies hashes with COPY
# RQ jobs are ids only and never outlive the records they point to.
FIRE_FUNC = "unicron_worker.tasks.run_fire"
TASK_FUNC = "unicron_worker.tasks.run_task"
FAILURE_CALLBACK = "unicron_worker.tasks.on_rq_failure"
# Extra RQ time on top of a run's own timeout: notifications and result storage happen after it.
RQ_TIMEOUT_MARGIN_S = 60
# A fire marker must outlive any retry of the same fire; fires older than the grace are not retried.
MARKER_MARGIN_MS = 120_000
# RQ hash fields not shared by a prepared batch: per fire (lua.FIRE), or the time it runs.
_NOT_SHARED = frozenset({"data", "description", "timeout", "created_at", "enqueued_at"})
_RQ_SERIALIZER = resolve_serializer()
SOCKET_TIMEOUT_S = 10
# FIRE's arguments packed when a prepared batch runs, not ahead: the lease value, the enqueue time.
RUN_TIME_ARG_COUNT = 2


def open_redis(settings: Settings) -> Redis:
    """A Redis client that fails fast (the API answers 503) and retries a blip briefly.

    With ``REDIS_SENTINELS`` set it is a client of the master Sentinel names: each new connection
    asks Sentinel where the master is, so after a failover the callers' own retries reach the new one.
    """
    options = _client_options(settings, Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2))
    if not settings.sentinel_addresses:
        return Redis.from_url(settings.redis_dsn, **options)
    sentinel = Sentinel(settings.sentinel_addresses, sentinel_kwargs=_sentinel_options(settings))  # type: ignore[no-untyped-call]
    master: Redis = sentinel.master_for(settings.redis_sentinel_master, **options)  # type: ignore[no-untyped-call]
    return master


def open_async_redis(settings: Settings) -> AsyncRedis:
    """``open_redis``'s asyncio twin, for the API's event loop (no thread per request). Connections
    are made on first use, in the loop that uses them. It has no socket timeout: redis-py runs every
    write of a client with one in ``asyncio.wait_for`` (a task per command); callers bound their
    calls with ``deadline()``, one timer each."""
    options = _client_options(settings, AsyncRetry(ExponentialBackoff(cap=0.2, base=0.02), retries=2))
    options["socket_timeout"] = None
    if not settings.sentinel_addresses:
        return _packed_in_c(AsyncRedis.from_url(settings.redis_dsn, **options))
    sentinel = AsyncSentinel(settings.sentinel_addresses, sentinel_kwargs=_sentinel_options(settings))  # type: ignore[no-untyped-call]
    master: AsyncRedis = sentinel.master_for(settings.redis_sentinel_master, **options)
    return _packed_in_c(master)


class _HiredisPacking:
    """Packs commands as redis-py's blocking connections do, with hiredis: its asyncio ones pack in
    Python (packing a CREATE_TASK call was 6 % of the API's CPU under load); the bytes are the same."""

    _packer = HiredisRespSerializer()

    def pack_command(self, *args: Any) -> list[bytes]:
        packed: list[bytes] = self._packer.pack(*args)
        return packed


def _packed_in_c(client: AsyncRedis) -> AsyncRedis:
    """``client``, its connections (TCP, TLS, unix socket or Sentinel's) packing with hiredis."""
    pool = client.connection_pool
    pool.connection_class = type(pool.connection_class.__name__, (_HiredisPacking, pool.connection_class), {})
    return client


@asynccontextmanager
async def deadline() -> AsyncIterator[None]:
    """Bounds calls on the asyncio client as the blocking client's socket timeout does."""
    try:
        async with asyncio.timeout(SOCKET_TIMEOUT_S):
            yield
    except TimeoutError as exc:
        raise RedisTimeoutError(f"Redis did not answer within {SOCKET_TIMEOUT_S} s") from exc


def _client_options(settings: Settings, retry: object) -> dict[str, Any]:
    options: dict[str, Any] = {
        "socket_connect_timeout": 2,
        "socket_timeout": SOCKET_TIMEOUT_S,
        "health_check_interval": 15,
        "retry": retry,
    }
    if settings.sentinel_addresses:
        # The URL still gives the master's credentials and db; its host is replaced by Sentinel's answer.
        url = parse_url(settings.redis_dsn)  # type: ignore[no-untyped-call]  # redis-py leaves these untyped
        options.update({name: url[name] for name in ("username", "password", "db") if name in url})
    return options


def _sentinel_options(settings: Settings) -> dict[str, Any]:
    password = settings.redis_sentinel_password
    return {
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
        "password": None if password is None else password.get_secret_value(),
    }


def new_job_id() -> str:
    """16 random characters from ``[A-Za-z0-9]`` (95 bits), the original's job id shape."""
    return "".join(secrets.choice(JOB_ID_CHARS) for _ in range(JOB_ID_LEN))


def fire_id(job_id: str, scheduled_ms: int) -> str:
    """The RQ job id, the idempotency key and the run id prefix of one fire."""
    return f"{job_id}-{scheduled_ms}"


@dataclass(frozen=True)
class Fire:
    """What the scheduler decided for one due job: fire these times, then move on to ``next_ms``."""

    job_id: str
    expected_ms: int
    fire_ms: Sequence[int]
    next_ms: int | None
    run_timeout_s: float
    grace_ms: int
    missed: int = 0


@dataclass(frozen=True)
class PreparedFire:
    """A batch of fires as one call of the FIRE script, packed in Redis's protocol before the fires
    are due: when it runs only the lease value and the enqueue time are packed, between ``head`` and
    ``tail`` (``Store.fire_prepared``). Packing thousands of arguments takes milliseconds."""

    fires: list[Fire]
    head: bytes  # the command, its script and its keys
    tail: bytes  # the arguments after the lease value and the enqueue time


@dataclass
class FireOutcome:
    """What one fenced batch did."""

    fenced: bool
    enqueued: list[tuple[str, int]] = field(default_factory=list)
    suppressed: int = 0


class Store:
    """Jobs, tasks, runs, the due index and the canary, encrypted at rest."""

    def __init__(self, *, redis: Redis, cipher: Cipher, settings: Settings) -> None:
        self.redis = redis
        self._cipher = cipher
        self._settings = settings
        self.queue = Queue(settings.queue, connection=redis)
        self._fire = redis.register_script(lua.FIRE)
        self._record_run = redis.register_script(lua.RECORD_RUN)
        self._create_job = redis.register_script(lua.CREATE_JOB)
        self._aredis: AsyncRedis | None = None
        self._async_scripts: tuple[AsyncScript, AsyncScript] | None = None
        # The RQ job hash fields every job of ours shares, from RQ itself (see ``_rq_hash``).
        shared = self._rq_job(FIRE_FUNC, (), "shared", 0).to_dict()
        self._rq_shared = [
            x for k, v in shared.items() if v is not None and k not in _NOT_SHARED for x in (k, v)
        ]
        fields = ", ".join(lua.literal(getattr(x, "value", x)) for x in self._rq_shared)
        self._create_task_lua = lua.CREATE_TASK.replace("SHARED_FIELDS", fields)
        self._create_task = redis.register_script(self._create_task_lua)

    @property
    def aredis(self) -> AsyncRedis:
        """An asyncio client on the same Redis (the API's hot path), made on first use."""
        if self._aredis is None:
            self._aredis = open_async_redis(self._settings)
        return self._aredis

    async def aclose(self) -> None:
        """Closes the asyncio client, if one was made."""
        if self._aredis is not None:
            await self._aredis.aclose()
            self._aredis = self._async_scripts = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """A store on a fresh connection, with the cluster key and the old keys of ``settings``."""
        cipher = Cipher(settings.key.get_secret_value(), settings.old_key_list)
        return cls(redis=open_redis(settings), cipher=cipher, settings=settings)

    # -- the canary ------------------------------------------------------------------------------

    def verify_key(self) -> None:
        """Every node's start-up check: Redis is recent enough (``MIN_REDIS``), and the canary is
        written on a new cluster, else this node's key must decrypt it.

        Raises:
            ConfigError: the Redis at ``REDIS_URL`` is older than ``MIN_REDIS``.
            KeyMismatch: the cluster was created with another ``UNICRON_KEY``.
        """
        found = str(self.redis.info("server").get("redis_version", "unknown"))
        if not redis_supported(found):
            raise ConfigError(
                f"the Redis at REDIS_URL is version {found}; Unicron needs Redis "
                f"{'.'.join(map(str, MIN_REDIS))} or later"
            )
        blob = self.redis.get(keys.CANARY)
        if blob is None:
            mine = self._cipher.encrypt(kind="canary", record_id="cluster", plaintext=CANARY_TEXT)
            if self.redis.set(keys.CANARY, mine, nx=True):
                return
            blob = self.redis.get(keys.CANARY)
        try:
            self._decrypt("canary", "cluster", blob)
        except UnreadableRecord:
            raise KeyMismatch(
                "UNICRON_KEY does not match this cluster's key (the canary in Redis does not decrypt); "
                "use the cluster's key, or list the old one in UNICRON_OLD_KEYS while rotating"
            ) from None

    def rotate_keys(self) -> RotationReport:
        """Re-encrypts every record under the current key (see ``unicron_core.rotation``)."""
        return KeyRotation(redis=self.redis, cipher=self._cipher).run()

    def ping(self) -> bool:
        """True when Redis answers."""
        return bool(self.redis.ping())

    def wake_subscription(self) -> PubSub:
        """A subscription to job changes: the scheduler sleeps on it and wakes at once."""
        pubsub: PubSub = self.redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        pubsub.subscribe(keys.WAKE_CHANNEL)
        return pubsub

    # -- jobs ------------------------------------------------------------------------------------

    def create_job(self, *, spec: JobSpec, created_by: str | None = None, now_ms: int | None = None) -> str:
        """Stores a new job and puts its first fire on the due index; wakes the scheduler. One script
        call, so the cluster's most jobs (UNICRON_MAX_JOBS) holds even for concurrent creations.

        Raises:
            Forbidden: the cluster holds its maximum of jobs.
        """
        job_id, script_keys, args = self._new_job(spec, created_by, now_ms)
        return self._created_job(job_id, self._create_job(keys=script_keys, args=args))

    def create_jobs(self, *, specs: Sequence[JobSpec], created_by: str | None = None) -> list[str]:
        """``create_job`` for many specs, ``CREATE_BATCH`` script calls a round trip (a bulk import:
        the bench registers 100,000 jobs). Each job is still its own script call, so the cluster's
        maximum holds as for one.

        Raises:
            Forbidden: the cluster reached its maximum; the jobs before that one were created.
        """
        ids: list[str] = []
        for start in range(0, len(specs), CREATE_BATCH):
            made = [self._new_job(spec, created_by, None) for spec in specs[start : start + CREATE_BATCH]]
            with self.redis.pipeline(transaction=False) as pipe:
                for _, script_keys, args in made:
                    self._create_job(keys=script_keys, args=args, client=pipe)
                created = pipe.execute()
            ids += [self._created_job(job_id, ok) for (job_id, _, _), ok in zip(made, created, strict=True)]
        return ids

    async def create_job_async(self, *, spec: JobSpec, created_by: str | None = None) -> str:
        """``create_job`` on the asyncio client."""
        job_id, script_keys, args = self._new_job(spec, created_by, None)
        async with deadline():
            created = await self._scripts_async()[0](keys=script_keys, args=args)
        return self._created_job(job_id, created)

    def _new_job(
        self, spec: JobSpec, created_by: str | None, now_ms: int | None
    ) -> tuple[str, list[str], list[Any]]:
        """A new job's id and the CREATE_JOB script's keys and arguments."""
        job_id = new_job_id()
        now_ms = _now_ms() if now_ms is None else now_ms
        next_ms = cron.parse(spec.schedule, spec.timezone or self._settings.tz).next_after(now_ms)
        blob = self._encrypt("job", job_id, spec.model_dump_json().encode())
        fields: list[Any] = ["spec", blob, "created", now_ms / 1000]
        if created_by is not None:
            fields += ["created_by", created_by]
        head = [self._settings.max_jobs, keys.WAKE_CHANNEL, job_id, -1 if next_ms is None else next_ms]
        return job_id, [keys.job(job_id), keys.JOBS, keys.DUE], head + fields

    def _created_job(self, job_id: str, created: object) -> str:
        if not created:
            limit = self._settings.max_jobs
            raise Forbidden(f"this cluster holds its maximum of {limit} jobs (UNICRON_MAX_JOBS)")
        return job_id

    def get_job(self, *, job_id: str) -> JobRecord:
        """One job with its counters and next fire time.

        Raises:
            NotFound: no such job.
        """
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.job(job_id))
            pipe.zscore(keys.DUE, job_id)
            fields, score = pipe.execute()
        if not fields:
            raise NotFound(f"no job with id {job_id!r}")
        return self._job_record(job_id, fields, score)

    def list_jobs(self) -> dict[str, JobRecord]:
        """Every job that this node can read; an unreadable one is logged by id and left out."""
        job_ids = sorted(text(m) for m in self.redis.smembers(keys.JOBS))
        with self.redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hgetall(keys.job(job_id))
                pipe.zscore(keys.DUE, job_id)
            replies = pipe.execute()
        jobs = {}
        for job_id, fields, score in zip(job_ids, replies[::2], replies[1::2], strict=True):
            if not fields:
                continue
            try:
                jobs[job_id] = self._job_record(job_id, fields, score)
            except UnreadableRecord as exc:
                log.error("skipping unreadable record: %s", exc)
        return jobs

    def job_spec(self, *, job_id: str) -> JobSpec | None:
        """The spec of a job, or None when it was deleted (or is unreadable: logged)."""
        return self.job_specs(job_ids=[job_id])[job_id]

    def job_specs(self, *, job_ids: Sequence[str]) -> dict[str, JobSpec | None]:
        """The specs of several jobs in one round trip; None for a deleted or unreadable one."""
        with self.redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hget(keys.job(job_id), "spec")
            blobs = pipe.execute()
        specs: dict[str, JobSpec | None] = {}
        for job_id, blob in zip(job_ids, blobs, strict=True):
            try:
                specs[job_id] = (
                    None if blob is None else JobSpec.model_validate_json(self._decrypt("job", job_id, blob))
                )
            except UnreadableRecord as exc:
                log.error("cannot schedule unreadable record: %s", exc)
                specs[job_id] = None
        return specs

    def delete_job(self, *, job_id: str) -> None:
        """Removes a job, its due entry and its runs; wakes the scheduler.

        Raises:
            NotFound: no such job.
        """
        with self.redis.pipeline() as pipe:
            pipe.delete(keys.job(job_id))
            pipe.srem(keys.JOBS, job_id)
            pipe.zrem(keys.DUE, job_id)
            pipe.delete(keys.runs(job_id), keys.run_data(job_id))
            pipe.publish(keys.WAKE_CHANNEL, job_id)
            deleted, *_ = pipe.execute()
        if not deleted:
            raise NotFound(f"no job with id {job_id!r}")

    def _job_record(self, job_id: str, fields: dict[bytes, bytes], score: float | None) -> JobRecord:
        spec = JobSpec.model_validate_json(self._decrypt("job", job_id, fields[b"spec"]))
        last_run = fields.get(b"last_run")
        return JobRecord(
            job_id=job_id,
            spec=spec,
            created=float(fields.get(b"created", 0)),
            last_run=float(last_run) if last_run is not None else None,
            run_count=int(fields.get(b"run_count", 0)),
            missed_count=int(fields.get(b"missed_count", 0)),
            next_run=score / 1000 if score is not None else None,
            created_by=text(fields[b"created_by"]) if b"created_by" in fields else None,
        )

    # -- runs ------------------------------------------------------------------------------------

    def record_run(self, *, job_id: str, run: RunResult) -> None:
        """Stores a run of a job (again, to add notification outcomes), keeps the newest runs of the
        retention window, and counts a new run on the job."""
        blob = self._encrypt("run", f"{job_id}/{run.run_id}", run.model_dump_json().encode())
        retention = self._settings.result_retention_s
        self._record_run(
            keys=[keys.runs(job_id), keys.run_data(job_id), keys.job(job_id)],
            args=[
                run.run_id,
                blob,
                run.start,
                time.time() - retention,
                self._settings.max_runs_per_job,
                retention,
            ],
        )

    def job_runs(self, *, job_id: str) -> list[RunResult]:
        """A job's runs of the retention window, newest first."""
        return self._runs_of([job_id])

    def all_runs(self) -> list[RunResult]:
        """Every job's runs of the retention window, newest first."""
        return self._runs_of(sorted(text(m) for m in self.redis.smembers(keys.JOBS)))

    def _runs_of(self, job_ids: Sequence[str]) -> list[RunResult]:
        oldest = time.time() - self._settings.result_retention_s
        with self.redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.zrevrangebyscore(keys.runs(job_id), "+inf", oldest)
                pipe.hgetall(keys.run_data(job_id))
            replies = pipe.execute()
        runs = []
        for job_id, run_ids, blobs in zip(job_ids, replies[::2], replies[1::2], strict=True):
            for run_id in run_ids:
                try:
                    plain = self._decrypt("run", f"{job_id}/{run_id.decode()}", blobs.get(run_id))
                except UnreadableRecord as exc:
                    log.error("skipping unreadable record: %s", exc)
                    continue
                runs.append(RunResult.model_validate_json(plain))
        runs.sort(key=lambda r: r.start, reverse=True)
        return runs

    # -- async tasks -----------------------------------------------------------------------------

    def create_task(self, *, spec: TaskSpec) -> str:
        """Stores a task as PENDING and enqueues it, atomically (one script call)."""
        task_id, script_keys, args = self._new_task(spec)
        self._create_task(keys=script_keys, args=args)
        return task_id

    async def create_task_async(self, *, spec: TaskSpec) -> str:
        """``create_task`` on the asyncio client."""
        task_id, script_keys, args = self._new_task(spec)
        async with deadline():
            await self._scripts_async()[1](keys=script_keys, args=args)
        return task_id

    def _new_task(self, spec: TaskSpec) -> tuple[str, list[str], list[Any]]:
        """A new task's id and the CREATE_TASK script's keys and arguments."""
        task_id = str(uuid.uuid4())
        blob = self._encrypt("task", task_id, spec.model_dump_json().encode())
        rq_fields = self._rq_own(TASK_FUNC, (task_id,), self.run_timeout(spec))  # the rest: in the script
        script_keys = [keys.task(task_id), Job.key_for(task_id), self.queue.key, Queue.redis_queues_keys]
        args = [blob, TaskStatus.PENDING.value, self._settings.result_retention_s, task_id, *rq_fields]
        return task_id, script_keys, args

    def retry_task(self, *, task_id: str, attempt: int, spec: TaskSpec) -> None:
        """Enqueues another attempt of a task that failed with retries left."""
        rq_id = f"{task_id}-{attempt}"
        fields = self._rq_hash(TASK_FUNC, (task_id,), self.run_timeout(spec))
        with self.redis.pipeline() as pipe:
            pipe.hset(Job.key_for(rq_id), items=fields)
            pipe.rpush(self.queue.key, rq_id)
            pipe.sadd(Queue.redis_queues_keys, self.queue.key)
            pipe.execute()

    def _scripts_async(self) -> tuple[AsyncScript, AsyncScript]:
        """CREATE_JOB and CREATE_TASK on the asyncio client."""
        if self._async_scripts is None:
            self._async_scripts = (
                self.aredis.register_script(lua.CREATE_JOB),
                self.aredis.register_script(self._create_task_lua),
            )
        return self._async_scripts

    def get_task(self, *, task_id: str) -> TaskRecord:
        """One task with its status and, once run, its result.

        Raises:
            NotFound: no such task (or it expired).
        """
        fields = cast(dict[bytes, bytes], self.redis.hgetall(keys.task(task_id)))
        if not fields:
            raise NotFound(f"no task with id {task_id!r}")
        return self._task_record(task_id, fields)

    def _task_record(self, task_id: str, fields: dict[bytes, bytes]) -> TaskRecord:
        result = error = None
        if b"result" in fields:
            result = RunResult.model_validate_json(self._decrypt("task-result", task_id, fields[b"result"]))
        if b"error" in fields:
            error = text(self._decrypt("task-error", task_id, fields[b"error"]))
        return TaskRecord(
            task_id=task_id,
            spec=TaskSpec.model_validate_json(self._decrypt("task", task_id, fields[b"spec"])),
            status=TaskStatus(text(fields[b"status"])),
            result=result,
            error=error,
            attempts=int(fields.get(b"attempts", 0)),
        )

    def start_task(self, *, task_id: str) -> TaskRecord | None:
        """Marks a task STARTED and counts the attempt; None when the task no longer exists.

        One round trip of three commands (``start_task_on`` puts them on a caller's pipeline)."""
        with self.redis.pipeline(transaction=False) as pipe:
            self.start_task_on(pipe, task_id=task_id)
            fields = pipe.execute()[-1]
        return self.started_task(task_id=task_id, fields=fields)

    def start_task_on(self, pipe: Pipeline, *, task_id: str) -> None:
        """``start_task``'s commands on ``pipe``; its last reply is for ``started_task``."""
        pipe.hset(keys.task(task_id), "status", TaskStatus.STARTED.value)
        pipe.hincrby(keys.task(task_id), "attempts", 1)
        pipe.hgetall(keys.task(task_id))

    def started_task(self, *, task_id: str, fields: dict[bytes, bytes]) -> TaskRecord | None:
        """The task ``start_task_on`` started, from its last reply. A task that expired meanwhile
        leaves a hash without its spec, which is deleted: None."""
        if b"spec" not in fields:
            self.redis.delete(keys.task(task_id))
            return None
        return self._task_record(task_id, fields)

    def finish_task(
        self, *, task_id: str, status: TaskStatus, result: RunResult | None = None, error: str | None = None
    ) -> None:
        """Stores the outcome of an attempt; the task then lives for the retention window."""
        items: list[str | bytes] = ["status", status.value]
        if result is not None:
            items += ["result", self._encrypt("task-result", task_id, result.model_dump_json().encode())]
        if error is not None:
            items += ["error", self._encrypt("task-error", task_id, error.encode())]
        with self.redis.pipeline(transaction=False) as pipe:  # each write stands alone: no MULTI/EXEC
            pipe.hset(keys.task(task_id), items=items)
            pipe.expire(keys.task(task_id), self._settings.result_retention_s)
            pipe.execute()

    # -- the scheduler's side --------------------------------------------------------------------

    def next_due_ms(self) -> int | None:
        """The earliest fire time on the due index."""
        first = self.redis.zrange(keys.DUE, 0, 0, withscores=True)
        return int(first[0][1]) if first else None

    def due(self, *, until_ms: int, limit: int) -> list[tuple[str, int]]:
        """Up to ``limit`` jobs due at or before ``until_ms``, earliest first."""
        rows = cast(
            list[tuple[bytes, float]],
            self.redis.zrangebyscore(keys.DUE, "-inf", until_ms, start=0, num=limit, withscores=True),
        )
        return [(text(job_id), int(score)) for job_id, score in rows]

    def fire(self, *, lease_value: str, fires: Iterable[Fire]) -> FireOutcome:
        """Enqueues a batch of due fires in one fenced script: only the lease holder's batch runs.

        Each fire becomes an RQ job ``<job_id>-<scheduled_ms>`` carrying ids only. A fire marker and
        RQ's unique id make a repeated fire a no-op; a job deleted or already moved on is skipped.
        """
        return self.fire_prepared(lease_value=lease_value, batches=[self.prepare_fire(fires=fires)])[0]

    def prepare_fire(self, *, fires: Iterable[Fire]) -> PreparedFire:
        """The work of ``fire`` that can be done before the fires are due (all of it but the lease
        value and the enqueue time)."""
        batch = list(fires)
        script_keys = [keys.LEASE, keys.DUE, Queue.redis_queues_keys, self.queue.key]
        marker_ttl_ms = max((item.grace_ms for item in batch), default=0) + MARKER_MARGIN_MS
        args: list[Any] = [marker_ttl_ms, self.queue.key, len(batch), len(self._rq_shared) // 2]
        args += self._rq_shared
        for item in batch:
            script_keys.append(keys.job(item.job_id))
            next_ms = -1 if item.next_ms is None else item.next_ms
            timeout = _rq_timeout(item.run_timeout_s)
            args += [item.job_id, item.expected_ms, next_ms, item.missed, len(item.fire_ms)]
            for ms in item.fire_ms:
                rq_id = fire_id(item.job_id, ms)
                script_keys += [keys.fired(item.job_id, ms), Job.key_for(rq_id)]
                args += [rq_id, *_rq_call(FIRE_FUNC, (item.job_id, ms)), timeout]
        script_keys.append(keys.FIRE_LOG)
        args.append(self._settings.fire_log_max)
        call = ["EVALSHA", self._fire.sha, len(script_keys), *script_keys]
        arity = len(call) + RUN_TIME_ARG_COUNT + len(args)
        return PreparedFire(
            fires=batch, head=b"*%d\r\n" % arity + self._packed(call), tail=self._packed(args)
        )

    def fire_prepared(self, *, lease_value: str, batches: Sequence[PreparedFire]) -> list[FireOutcome]:
        """Runs prepared batches, each fenced by ``lease_value`` on its own (see ``fire``), pipelined:
        every batch is sent before the first reply is read, so Redis runs them back to back instead
        of waiting for this process to read a reply and send the next batch."""
        enqueued_at = utcformat(rq_now())  # RQ's created_at and enqueued_at: now, not when prepared
        run_time = self._packed([lease_value, enqueued_at])
        replies = self._run_fire([[b.head, run_time, b.tail] for b in batches])
        return [_fire_outcome(b, codes) for b, codes in zip(batches, replies, strict=True)]

    def _packed(self, args: Sequence[Any]) -> bytes:
        """``args`` as the bulk strings of a Redis command, encoded as redis-py encodes them."""
        encode = self.redis.get_encoder().encode
        return b"".join([b"$%d\r\n%b\r\n" % (len(v), v) for v in map(encode, args)])

    def _run_fire(self, calls: list[list[bytes]]) -> list[list[int]]:
        """Sends packed FIRE calls pipelined and reads their replies. A Redis that does not know the
        script (restarted, or SCRIPT FLUSH) runs none of them: it is loaded and they are sent again."""
        replies = self._pipelined(calls)
        missing = [i for i, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        if missing:
            self.redis.script_load(lua.FIRE)
            for i, reply in zip(missing, self._pipelined([calls[i] for i in missing]), strict=True):
                replies[i] = reply
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return cast(list[list[int]], replies)

    def _pipelined(self, calls: list[list[bytes]]) -> list[object]:
        """Every packed call sent, then every reply read (an error reply in its place). A broken
        connection is retried as redis-py's own pipelines are: FIRE is idempotent."""
        pool = self.redis.connection_pool
        conn = pool.get_connection()
        try:
            return conn.retry.call_with_retry(
                lambda: _send_and_read(conn, calls),
                lambda _error: conn.disconnect(),  # type: ignore[no-untyped-call]  # untyped in redis-py
            )
        finally:
            pool.release(conn)

    def fire_log(self, *, after: str = "-", count: int = 10_000) -> list[tuple[int, str, int, int]]:
        """Enqueues after stream id ``after``, oldest first: (enqueue ms by Redis's clock, job id,
        scheduled ms, epoch)."""
        rows = cast(
            list[tuple[bytes, dict[bytes, bytes]]], self.redis.xrange(keys.FIRE_LOG, min=after, count=count)
        )
        return [
            (int(text(entry_id).split("-")[0]), text(f[b"job"]), int(f[b"ms"]), int(f[b"epoch"]))
            for entry_id, f in rows
        ]

    def _rq_job(self, func: str, args: tuple[Any, ...], rq_id: str, run_timeout_s: float) -> Job:
        """An RQ job ready to be written as queued: ids only, our own time limit plus a margin."""
        job = Job.create(
            func,
            args=args,
            id=rq_id,
            connection=self.redis,
            origin=self.queue.name,
            timeout=_rq_timeout(run_timeout_s),
            result_ttl=0,
            failure_ttl=self._settings.result_retention_s,
            on_failure=Callback(FAILURE_CALLBACK),
        )
        job.enqueued_at = rq_now()
        job._status = JobStatus.QUEUED
        return job

    def _rq_hash(self, func: str, args: tuple[Any, ...], run_timeout_s: float) -> list[Any]:
        """The hash RQ's ``Job.to_dict()`` writes for such a queued job (tests/bench/test_fire_hash.py
        holds it to that), built without a ``Job``: the shared fields are computed once per process."""
        return [*self._rq_shared, *self._rq_own(func, args, run_timeout_s)]

    def _rq_own(self, func: str, args: tuple[Any, ...], run_timeout_s: float) -> list[Any]:
        """The fields of ``_rq_hash`` that differ per job: ``data``, ``description``, ``timeout``, times."""
        now = utcformat(rq_now())
        data, description = _rq_call(func, args)
        own = ["data", data, "description", description, "timeout", _rq_timeout(run_timeout_s)]
        return [*own, "created_at", now, "enqueued_at", now]

    def run_timeout(self, spec: RunSpec) -> float:
        """The run's own time limit in seconds: its ``timeout``, else the default of its kind."""
        if spec.timeout is not None:
            return spec.timeout
        s = self._settings
        return s.command_timeout_s if spec.kind == "command" else s.http_timeout_s

    # -- crypto ----------------------------------------------------------------------------------

    def _encrypt(self, kind: str, record_id: str, plaintext: bytes) -> bytes:
        return self._cipher.encrypt(kind=kind, record_id=record_id, plaintext=plaintext)

    def _decrypt(self, kind: str, record_id: str, blob: object) -> bytes:
        if not isinstance(blob, bytes):
            raise UnreadableRecord(f"{kind} {record_id}: missing")
        return self._cipher.decrypt(kind=kind, record_id=record_id, blob=blob)


def _rq_call(func: str, args: tuple[Any, ...]) -> tuple[bytes, str | None]:
    """RQ's ``data`` and ``description`` of a call, as ``Job.to_dict()`` writes them
    (tests/bench/test_fire_hash.py compares)."""
    return zlib.compress(_RQ_SERIALIZER.dumps((func, None, args, {}))), get_call_string(
        func, args, {}, max_length=75
    )


def _send_and_read(conn: Connection, calls: list[list[bytes]]) -> list[object]:
    """Writes every call before reading the first reply: Redis runs them back to back."""
    for call in calls:
        conn.send_packed_command(call)  # type: ignore[no-untyped-call]  # untyped in redis-py
    replies: list[object] = []
    for _ in calls:
        try:
            replies.append(conn.read_response())
        except ResponseError as exc:  # the connection is still in step: the next reply follows
            replies.append(exc)
    return replies


def _fire_outcome(prepared: PreparedFire, codes: list[int]) -> FireOutcome:
    """What one FIRE call did, from its codes (one per fire, after the fence's own)."""
    if not codes[0]:
        return FireOutcome(fenced=False)
    outcome = FireOutcome(fenced=True)
    flat = [(item.job_id, ms) for item in prepared.fires for ms in item.fire_ms]
    for (job_id, ms), code in zip(flat, codes[1:], strict=True):
        if code == 1:
            outcome.enqueued.append((job_id, ms))
        elif code == 2:
            outcome.suppressed += 1
    return outcome


def redis_supported(version: str) -> bool:
    """Whether a ``redis_version`` (``INFO server``) is ``MIN_REDIS`` or later."""
    match = re.match(r"(\d+)\.(\d+)", version)
    return match is not None and (int(match[1]), int(match[2])) >= MIN_REDIS


def _rq_timeout(run_timeout_s: float) -> int:
    """RQ's own time limit for a run: the run's limit plus a margin for storing its result."""
    return int(run_timeout_s) + RQ_TIMEOUT_MARGIN_S


def _now_ms() -> int:
    return time.time_ns() // 1_000_000

"""The scheduler's side of the store: the due index, and fenced, idempotent firing
(docs/architecture.md, "Firing").

A batch of fires is one call of ``fire.lua``, which runs only while the caller holds the lease. The
call is packed in Redis's protocol before the fires are due (``prepare``): when they are, only
the lease value and the enqueue time are packed, and every batch of the second is sent before the
first reply is read (``fire``), so Redis runs them back to back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from redis import Redis
from redis.client import PubSub
from redis.connection import Connection
from redis.exceptions import NoScriptError, ResponseError

from unicron_core import keys
from unicron_core.replies import text
from unicron_core.settings import Settings
from unicron_core.store import rqhash
from unicron_core.store.rqhash import FIRE_FUNC, RqHash, fire_id, rq_call, rq_timeout
from unicron_core.store.scripts import FENCED_OFF, FireCode, Script, Scripts

# A fire marker must outlive any retry of the same fire; fires older than the grace are not retried.
MARKER_MARGIN_MS = 120_000
# fire.lua's arguments packed when a prepared batch runs, not ahead: the lease value, the enqueue time.
RUN_TIME_ARG_COUNT = 2


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
    version: int = 1  # of the job's definition the fires run with
    missed_span: tuple[int, int] | None = None  # the first and last time given up, epoch ms


@dataclass(frozen=True)
class PreparedFire:
    """A batch of fires as one call of ``fire.lua``, packed but for the lease value and the enqueue
    time, which go between ``head`` and ``tail`` when it runs."""

    fires: list[Fire]
    head: bytes  # the command, its script and its keys
    tail: bytes  # the arguments after the lease value and the enqueue time


@dataclass
class FireOutcome:
    """What one fenced batch did."""

    fenced: bool
    enqueued: list[tuple[str, int]] = field(default_factory=list)
    suppressed: int = 0


class Firing:
    """The due index and the fenced enqueue, on the blocking client (the scheduler's)."""

    def __init__(self, *, redis: Redis, scripts: Scripts, settings: Settings, rq: RqHash) -> None:
        self._redis = redis
        self._fire_sha = scripts[Script.FIRE].sha
        self._fire_source = scripts[Script.FIRE].script
        self._settings = settings
        self._rq = rq
        self._encode = redis.get_encoder().encode

    def next_due_ms(self) -> int | None:
        """The earliest fire time on the due index."""
        first = self._redis.zrange(keys.DUE, 0, 0, withscores=True)
        return int(first[0][1]) if first else None

    def due(self, *, until_ms: int, limit: int) -> list[tuple[str, int]]:
        """Up to ``limit`` jobs due at or before ``until_ms``, earliest first."""
        rows = cast(
            list[tuple[bytes, float]],
            self._redis.zrangebyscore(keys.DUE, "-inf", until_ms, start=0, num=limit, withscores=True),
        )
        return [(text(job_id), int(score)) for job_id, score in rows]

    def wake_subscription(self) -> PubSub:
        """A subscription to job changes: the scheduler sleeps on it and wakes at once."""
        pubsub: PubSub = self._redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        pubsub.subscribe(keys.WAKE_CHANNEL)
        return pubsub

    def prepare(self, *, fires: Iterable[Fire]) -> PreparedFire:
        """One batch of fires, packed for ``fire``: all of its work but the lease value and the time.

        Each fire becomes an RQ job ``<job_id>-<scheduled_ms>`` carrying ids only."""
        batch = list(fires)
        script_keys = [keys.LEASE, keys.DUE, rqhash.QUEUES_KEY, self._rq.queue_key, keys.VIEW_CHANGES]
        marker_ttl_ms = max((item.grace_ms for item in batch), default=0) + MARKER_MARGIN_MS
        shared = self._rq.shared
        args: list[Any] = [marker_ttl_ms, self._rq.queue_key, len(batch), len(shared) // 2, *shared]
        for item in batch:
            script_keys.append(keys.job(item.job_id))
            next_ms = -1 if item.next_ms is None else item.next_ms
            timeout = rq_timeout(item.run_timeout_s)
            args += [item.job_id, item.expected_ms, next_ms, item.missed, len(item.fire_ms)]
            for ms in item.fire_ms:
                rq_id = fire_id(item.job_id, ms)
                script_keys += [keys.fired(item.job_id, ms), rqhash.job_key(rq_id)]
                args += [rq_id, ms, *rq_call(FIRE_FUNC, (item.job_id, ms, item.version)), timeout]
        script_keys.append(keys.FIRE_LOG)
        args.append(self._settings.fire_log_max)
        command = ["EVALSHA", self._fire_sha, len(script_keys), *script_keys]
        arity = len(command) + RUN_TIME_ARG_COUNT + len(args)
        return PreparedFire(
            fires=batch, head=b"*%d\r\n" % arity + self._packed(command), tail=self._packed(args)
        )

    def fire(self, *, lease_value: str, batches: Sequence[PreparedFire]) -> list[FireOutcome]:
        """Runs prepared batches, each fenced by ``lease_value`` on its own, pipelined: a fire
        marker and RQ's unique id make a repeated fire a no-op; a job deleted or already moved on is
        skipped."""
        run_time = self._packed([lease_value, rqhash.now()])  # RQ's created_at and enqueued_at: now
        replies = self._run([[b.head, run_time, b.tail] for b in batches])
        return [_outcome(b, codes) for b, codes in zip(batches, replies, strict=True)]

    def _packed(self, args: Sequence[Any]) -> bytes:
        """``args`` as the bulk strings of a Redis command, encoded as redis-py encodes them."""
        return b"".join([b"$%d\r\n%b\r\n" % (len(v), v) for v in map(self._encode, args)])

    def _run(self, calls: list[list[bytes]]) -> list[list[int]]:
        """Sends packed calls pipelined and reads their replies. A Redis that does not know the
        script (restarted, or SCRIPT FLUSH) runs none of them: it is loaded and they are sent again."""
        replies = self._pipelined(calls)
        missing = [i for i, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        if missing:
            self._redis.script_load(self._fire_source)
            for i, reply in zip(missing, self._pipelined([calls[i] for i in missing]), strict=True):
                replies[i] = reply
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return cast(list[list[int]], replies)

    def _pipelined(self, calls: list[list[bytes]]) -> list[object]:
        """Every packed call sent, then every reply read (an error reply in its place). A broken
        connection is retried as redis-py's own pipelines are: fire.lua is idempotent."""
        pool = self._redis.connection_pool
        conn = pool.get_connection()
        try:
            return conn.retry.call_with_retry(
                lambda: _send_and_read(conn, calls),
                lambda _error: conn.disconnect(),  # type: ignore[no-untyped-call]  # untyped in redis-py
            )
        finally:
            pool.release(conn)


def _send_and_read(conn: Connection, calls: list[list[bytes]]) -> list[object]:
    """Writes every call before reading the first reply: Redis runs them back to back."""
    for packed in calls:
        conn.send_packed_command(packed)  # type: ignore[no-untyped-call]  # untyped in redis-py
    replies: list[object] = []
    for _ in calls:
        try:
            replies.append(conn.read_response())
        except ResponseError as exc:  # the connection is still in step: the next reply follows
            replies.append(exc)
    return replies


def _outcome(prepared: PreparedFire, codes: list[int]) -> FireOutcome:
    """What one call did, from its codes (one per fire, after the fence's own)."""
    if codes[0] == FENCED_OFF:
        return FireOutcome(fenced=False)
    outcome = FireOutcome(fenced=True)
    flat = [(item.job_id, ms) for item in prepared.fires for ms in item.fire_ms]
    for (job_id, ms), code in zip(flat, codes[1:], strict=True):
        if code == FireCode.ENQUEUED:
            outcome.enqueued.append((job_id, ms))
        elif code == FireCode.SUPPRESSED:
            outcome.suppressed += 1
    return outcome

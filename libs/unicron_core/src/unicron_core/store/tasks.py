"""Async tasks: the encrypted spec, the status and result, and the RQ job that runs each attempt."""

from __future__ import annotations

import time
import uuid

from unicron_core import keys, policy
from unicron_core.apikeys import Principal
from unicron_core.errors import NotFound
from unicron_core.models import TaskSpec
from unicron_core.records import RunResult, TaskRecord, TaskStatus
from unicron_core.replies import text
from unicron_core.settings import Settings
from unicron_core.store import rqhash
from unicron_core.store.codec import Codec
from unicron_core.store.ops import Batch, Op, ScriptCall, call, one
from unicron_core.store.pages import Cursor, scan
from unicron_core.store.retries import ENDED_KEPT_S, Retry
from unicron_core.store.rqhash import TASK_FUNC, RqHash
from unicron_core.store.scripts import Script


class Tasks:
    """Operations on async tasks (run them with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, codec: Codec, settings: Settings, rq: RqHash) -> None:
        self._codec = codec
        self._settings = settings
        self._rq = rq

    def create(self, *, spec: TaskSpec, actor: Principal) -> Op[str]:
        """Admits a task, stores it as PENDING and queues it, atomically; returns its id (a UUID).

        Raises:
            Forbidden: ``policy.admit_task`` refused it.
        """
        spec = policy.admit_task(spec, settings=self._settings, actor=actor)
        task_id = str(uuid.uuid4())
        blob = self._codec.seal("task", task_id, spec)
        timeout_s = policy.run_timeout_s(spec, self._settings)
        own = self._rq.own(TASK_FUNC, (task_id,), timeout_s)  # the shared fields are in the script
        script_keys = [keys.task(task_id), rqhash.job_key(task_id), self._rq.queue_key, rqhash.QUEUES_KEY]
        script_keys.append(keys.TASKS)
        now_ms = int(time.time() * 1000)
        args = [blob, TaskStatus.PENDING.value, self._settings.result_retention_s, task_id, now_ms, *own]
        yield one(ScriptCall(Script.CREATE_TASK, script_keys, args))
        return task_id

    def get(self, *, task_id: str) -> Op[TaskRecord]:
        """One task with its status and, once run, its result.

        Raises:
            NotFound: no such task (or it expired).
        """
        (fields,) = yield one(call("hgetall", keys.task(task_id)))
        if not fields:
            raise NotFound(f"no task with id {task_id!r}")
        return self._record(task_id, fields)

    def page(self, *, limit: int, cursor: Cursor | None) -> Op[tuple[list[TaskRecord], Cursor | None]]:
        """The tasks of the retention window, newest first, ``limit`` at most after ``cursor``; and
        the cursor of the next page (None on the last). A task that expired meanwhile is left out."""
        entries = yield from scan(keys.TASKS, after=cursor, count=limit, descending=True)
        rows = yield Batch([call("hgetall", keys.task(task_id)) for task_id, _ in entries])
        records = [
            self._record(task_id, f) for (task_id, _), f in zip(entries, rows, strict=True) if b"spec" in f
        ]
        after = Cursor(entries[-1][1], entries[-1][0]) if len(entries) == limit else None
        return records, after

    def start(self, *, task_id: str, attempt: int) -> Op[TaskRecord | None]:
        """Marks a task STARTED at ``attempt`` (safe to repeat); None when the task expired
        meanwhile (its leftover is deleted). The record holds the previous attempt's result."""
        key = keys.task(task_id)
        *_, fields = yield Batch(
            [
                call("hset", key, items=["status", TaskStatus.STARTED.value, "attempts", attempt]),
                call("hgetall", key),
            ]
        )
        if b"spec" not in fields:  # expired before it ran: the write made a hash without it
            yield one(call("delete", key))
            return None
        return self._record(task_id, fields)

    def end(
        self,
        *,
        task_id: str,
        status: TaskStatus,
        result: RunResult,
        ender: str,
        error: str | None = None,
        retry: Retry | None = None,
    ) -> Op[bool]:
        """Records the end of an attempt (``result.attempt``) once, and its next attempt when
        ``retry``; the task then lives for the retention window. False when another ``ender``
        recorded it before (see ``Runs.end``), or the task expired."""
        return (
            yield from self._write(
                task_id, "end", status=status, result=result, error=error, retry=retry, ender=ender
            )
        )

    def record(
        self, *, task_id: str, status: TaskStatus, result: RunResult, error: str | None = None
    ) -> Op[bool]:
        """Stores an attempt's end again (to add its notifications' outcomes); not over a later
        attempt: False then."""
        return (
            yield from self._write(
                task_id, "store", status=status, result=result, error=error, retry=None, ender=""
            )
        )

    def _write(
        self,
        task_id: str,
        phase: str,
        *,
        status: TaskStatus,
        result: RunResult,
        error: str | None,
        retry: Retry | None,
        ender: str,
    ) -> Op[bool]:
        sealed_error = "" if error is None else self._codec.seal("task-error", task_id, error)
        script_keys = [keys.task(task_id), keys.ended(task_id, result.attempt), keys.RETRIES]
        script_keys.append(rqhash.job_key(retry.rq_id) if retry else keys.RETRIES)
        args = [phase, result.attempt, status.value, self._codec.seal("task-result", task_id, result)]
        args += [sealed_error, self._settings.result_retention_s, ENDED_KEPT_S, ender]
        args += retry.args() if retry else ["", ""]
        (stored,) = yield one(ScriptCall(Script.END_TASK, script_keys, args))
        return bool(stored)

    def _record(self, task_id: str, fields: dict[bytes, bytes]) -> TaskRecord:
        blob = fields.get(b"result")
        error = fields.get(b"error")
        return TaskRecord(
            task_id=task_id,
            spec=self._codec.open("task", task_id, fields[b"spec"], TaskSpec),
            status=TaskStatus(text(fields[b"status"])),
            result=None if blob is None else self._codec.open("task-result", task_id, blob, RunResult),
            error=None if error is None else self._codec.open_text("task-error", task_id, error),
            attempts=int(fields.get(b"attempts", 0)),
        )

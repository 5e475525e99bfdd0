"""Jobs: their encrypted definitions, their counters and their place on the due index."""

from __future__ import annotations

import logging
import secrets
import string
import time
from collections.abc import Sequence
from typing import Any

from unicron_core import keys, policy
from unicron_core.apikeys import Principal
from unicron_core.errors import Forbidden, NotFound, UnreadableRecord
from unicron_core.models import JobRecord, JobSpec
from unicron_core.replies import text
from unicron_core.settings import Settings
from unicron_core.store.codec import Codec
from unicron_core.store.ops import Batch, Op, ScriptCall, call, one
from unicron_core.store.scripts import Script

log = logging.getLogger(__name__)

JOB_ID_CHARS = string.ascii_letters + string.digits
JOB_ID_LEN = 16
CREATE_BATCH = 1000  # job creations a round trip in ``create_many``


def new_job_id() -> str:
    """16 random characters from ``[A-Za-z0-9]`` (95 bits), the original's job id shape."""
    return "".join(secrets.choice(JOB_ID_CHARS) for _ in range(JOB_ID_LEN))


class Jobs:
    """Operations on jobs (run them with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, codec: Codec, settings: Settings) -> None:
        self._codec = codec
        self._settings = settings

    def create(self, *, spec: JobSpec, actor: Principal, now_ms: int | None = None) -> Op[str]:
        """Admits and stores a new job, puts its first fire on the due index and wakes the
        scheduler; returns its id. One script call, so the cluster's most jobs holds under
        concurrent creations.

        Raises:
            Forbidden: the cluster holds its maximum of jobs, or ``policy.admit_job`` refused it.
            InvalidSpec: ``policy.admit_job`` refused it.
        """
        job_id, script = self._creation(spec, actor, now_ms)
        (created,) = yield one(script)
        return self._created(job_id, created)

    def create_many(self, *, specs: Sequence[JobSpec], actor: Principal) -> Op[list[str]]:
        """``create`` for many specs (a bulk import), ``CREATE_BATCH`` script calls a round trip.
        Every spec is admitted before any is stored.

        Raises:
            Forbidden: the cluster reached its maximum; the jobs before that one were created.
        """
        made = [self._creation(spec, actor, None) for spec in specs]
        ids: list[str] = []
        for start in range(0, len(made), CREATE_BATCH):
            chunk = made[start : start + CREATE_BATCH]
            created = yield Batch([script for _, script in chunk])
            ids += [self._created(job_id, ok) for (job_id, _), ok in zip(chunk, created, strict=True)]
        return ids

    def _creation(self, spec: JobSpec, actor: Principal, now_ms: int | None) -> tuple[str, ScriptCall]:
        spec = policy.admit_job(spec, settings=self._settings, actor=actor)
        job_id = new_job_id()
        now_ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        next_ms = policy.schedule_of(spec, self._settings).next_after(now_ms)
        fields: list[Any] = ["spec", self._codec.seal("job", job_id, spec), "created", now_ms / 1000]
        fields += ["created_by", actor.name]
        head = [self._settings.max_jobs, keys.WAKE_CHANNEL, job_id, -1 if next_ms is None else next_ms]
        return job_id, ScriptCall(Script.CREATE_JOB, [keys.job(job_id), keys.JOBS, keys.DUE], head + fields)

    def _created(self, job_id: str, created: object) -> str:
        if not created:
            limit = self._settings.max_jobs
            raise Forbidden(f"this cluster holds its maximum of {limit} jobs (UNICRON_MAX_JOBS)")
        return job_id

    def get(self, *, job_id: str) -> Op[JobRecord]:
        """One job with its counters and next fire time.

        Raises:
            NotFound: no such job.
        """
        fields, score = yield Batch([call("hgetall", keys.job(job_id)), call("zscore", keys.DUE, job_id)])
        if not fields:
            raise NotFound(f"no job with id {job_id!r}")
        return self._record(job_id, fields, score)

    def all(self) -> Op[dict[str, JobRecord]]:
        """Every job this node can read, by id; an unreadable one is logged and left out."""
        (members,) = yield one(call("smembers", keys.JOBS))
        job_ids = sorted(text(m) for m in members)
        replies = yield Batch(
            [
                c
                for job_id in job_ids
                for c in (call("hgetall", keys.job(job_id)), call("zscore", keys.DUE, job_id))
            ]
        )
        jobs = {}
        for job_id, fields, score in zip(job_ids, replies[::2], replies[1::2], strict=True):
            if not fields:
                continue
            try:
                jobs[job_id] = self._record(job_id, fields, score)
            except UnreadableRecord as exc:
                log.error("skipping unreadable record: %s", exc)
        return jobs

    def specs(self, *, job_ids: Sequence[str]) -> Op[dict[str, JobSpec | None]]:
        """The specs of several jobs in one round trip; None for a deleted or unreadable one."""
        blobs = yield Batch([call("hget", keys.job(job_id), "spec") for job_id in job_ids])
        specs: dict[str, JobSpec | None] = {}
        for job_id, blob in zip(job_ids, blobs, strict=True):
            try:
                specs[job_id] = None if blob is None else self._codec.open("job", job_id, blob, JobSpec)
            except UnreadableRecord as exc:
                log.error("cannot run unreadable record: %s", exc)
                specs[job_id] = None
        return specs

    def delete(self, *, job_id: str) -> Op[None]:
        """Removes a job, its due entry and its runs, and wakes the scheduler.

        Raises:
            NotFound: no such job.
        """
        deleted, *_ = yield Batch(
            [
                call("delete", keys.job(job_id)),
                call("srem", keys.JOBS, job_id),
                call("zrem", keys.DUE, job_id),
                call("delete", keys.runs(job_id), keys.run_data(job_id)),
                call("publish", keys.WAKE_CHANNEL, job_id),
            ],
            atomic=True,
        )
        if not deleted:
            raise NotFound(f"no job with id {job_id!r}")

    def _record(self, job_id: str, fields: dict[bytes, bytes], score: float | None) -> JobRecord:
        last_run = fields.get(b"last_run")
        return JobRecord(
            job_id=job_id,
            spec=self._codec.open("job", job_id, fields[b"spec"], JobSpec),
            created=float(fields.get(b"created", 0)),
            last_run=float(last_run) if last_run is not None else None,
            run_count=int(fields.get(b"run_count", 0)),
            missed_count=int(fields.get(b"missed_count", 0)),
            next_run=score / 1000 if score is not None else None,
            created_by=text(fields[b"created_by"]) if b"created_by" in fields else None,
        )

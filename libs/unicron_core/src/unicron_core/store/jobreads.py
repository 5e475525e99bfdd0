"""Reading jobs: one, several, all, by name; their definitions for the scheduler and the worker,
at a version; their versions (the writes are ``unicron_core.store.jobs``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from unicron_core import keys
from unicron_core.errors import NotFound, UnreadableRecord
from unicron_core.models import JobSpec
from unicron_core.records import JobRecord, JobVersion, Pause
from unicron_core.replies import text
from unicron_core.store.blind import Blind
from unicron_core.store.codec import Codec
from unicron_core.store.ops import Batch, Op, call, one

log = logging.getLogger(__name__)


class JobReads:
    """The reading operations on jobs."""

    def __init__(self, *, codec: Codec, blind: Blind) -> None:
        self._codec = codec
        self._blind = blind

    def get(self, *, job_id: str) -> Op[JobRecord]:
        """One job with its counters and next fire time.

        Raises:
            NotFound: no such job.
        """
        fields, score = yield Batch([call("hgetall", keys.job(job_id)), call("zscore", keys.DUE, job_id)])
        if not fields:
            raise NotFound(f"no job with id {job_id!r}")
        return self.record(job_id, fields, score)

    def many(self, *, job_ids: Sequence[str]) -> Op[list[JobRecord]]:
        """The jobs of ``job_ids`` that exist and this node can read, in that order."""
        calls = [
            c
            for job_id in job_ids
            for c in (call("hgetall", keys.job(job_id)), call("zscore", keys.DUE, job_id))
        ]
        replies = yield Batch(calls)
        records = []
        for job_id, fields, score in zip(job_ids, replies[::2], replies[1::2], strict=True):
            if not fields:
                continue
            try:
                records.append(self.record(job_id, fields, score))
            except UnreadableRecord as exc:
                log.error("skipping unreadable record: %s", exc)
        return records

    def all(self) -> Op[dict[str, JobRecord]]:
        """Every job this node can read, by id; an unreadable one is logged and left out."""
        (members,) = yield one(call("zrange", keys.JOBS, 0, -1))
        records = yield from self.many(job_ids=sorted(text(m) for m in members))
        return {record.job_id: record for record in records}

    def named(self, *, name: str) -> Op[list[str]]:
        """The ids of the jobs named exactly ``name``."""
        key = yield from self._blind.key()
        token = Blind.token(key, "name", name)
        (members,) = yield one(call("zrangebylex", keys.NAMES, f"[{token}", f"[{token}\xff"))
        return sorted(text(m)[len(token) :] for m in members)

    def specs(self, *, job_ids: Sequence[str]) -> Op[dict[str, tuple[JobSpec, int] | None]]:
        """The specs and versions of several jobs in one round trip; None for a deleted or
        unreadable one."""
        replies = yield Batch([call("hmget", keys.job(job_id), ["spec", "version"]) for job_id in job_ids])
        specs: dict[str, tuple[JobSpec, int] | None] = {}
        for job_id, (blob, version) in zip(job_ids, replies, strict=True):
            try:
                spec = None if blob is None else self._codec.open("job", job_id, blob, JobSpec)
            except UnreadableRecord as exc:
                log.error("cannot run unreadable record: %s", exc)
                spec = None
            specs[job_id] = None if spec is None else (spec, int(version or 1))
        return specs

    def spec_at(self, *, job_id: str, version: int | None) -> Op[JobSpec | None]:
        """The job's definition of ``version`` (the current one when None or no longer kept);
        None when the job is gone."""
        found = (yield from self.specs(job_ids=[job_id]))[job_id]
        if found is None:
            return None
        spec, current = found
        if version is None or version >= current:
            return spec
        for earlier in (yield from self.versions(job_id=job_id))[1:]:
            if earlier.version == version:
                return earlier.spec
        return spec  # older than the versions kept: the current one is the best there is

    def versions(self, *, job_id: str) -> Op[list[JobVersion]]:
        """The job's definitions, newest (the current one) first, ``VERSIONS_KEPT`` at most.

        Raises:
            NotFound: no such job.
        """
        record, blobs = yield from self._with_versions(job_id)
        current = record.current_version()
        earlier = []
        for number, blob in sorted(blobs.items(), key=lambda item: -int(item[0])):
            try:
                earlier.append(self._codec.open("job-version", f"{job_id}/{int(number)}", blob, JobVersion))
            except UnreadableRecord as exc:
                log.error("skipping unreadable record: %s", exc)
        return [current, *earlier]

    def _with_versions(self, job_id: str) -> Op[tuple[JobRecord, dict[bytes, bytes]]]:
        fields, score, blobs = yield Batch(
            [
                call("hgetall", keys.job(job_id)),
                call("zscore", keys.DUE, job_id),
                call("hgetall", keys.versions(job_id)),
            ]
        )
        if not fields:
            raise NotFound(f"no job with id {job_id!r}")
        return self.record(job_id, fields, score), blobs

    def record(self, job_id: str, fields: dict[bytes, bytes], score: float | None) -> JobRecord:
        """The job of a hash as HGETALL reads it, and its due score."""
        last_run, updated, pause = fields.get(b"last_run"), fields.get(b"updated"), fields.get(b"pause")
        return JobRecord(
            job_id=job_id,
            spec=self._codec.open("job", job_id, fields[b"spec"], JobSpec),
            created=float(fields.get(b"created", 0)),
            last_run=float(last_run) if last_run is not None else None,
            run_count=int(fields.get(b"run_count", 0)),
            missed_count=int(fields.get(b"missed_count", 0)),
            next_run=score / 1000 if score is not None else None,
            created_by=text(fields[b"created_by"]) if b"created_by" in fields else None,
            version=int(fields.get(b"version", 1)),
            updated=float(updated) if updated is not None else None,
            updated_by=text(fields[b"updated_by"]) if b"updated_by" in fields else None,
            changed=json.loads(fields.get(b"changed", b"[]")),
            paused=None if pause is None else self._codec.open("job-pause", job_id, pause, Pause),
            last_status=text(fields[b"last_status"]) if b"last_status" in fields else None,
            running=int(fields.get(b"running", 0)),
        )

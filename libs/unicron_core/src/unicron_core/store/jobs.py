"""Jobs: their sealed definitions and versions, their counters, their indexes (tags, owner, name)
and their place on the due index (docs/architecture.md, "Jobs").

Every change of a definition (PUT, PATCH, restore, apply) is one path, ``change``: read the job,
make the new definition from the current one, admit it, and write it with a compare-and-set on the
version; when another change came in between, read again and make it again. So two changes at once
never lose a field: each applies to the definition the other left.
"""

from __future__ import annotations

import json
import logging
import secrets
import string
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from unicron_core import keys, policy
from unicron_core.apikeys import Principal
from unicron_core.errors import Conflict, Forbidden, NotFound, UnreadableRecord
from unicron_core.models import JobRecord, JobSpec, JobVersion, Pause
from unicron_core.replies import text
from unicron_core.settings import Settings
from unicron_core.store.blind import Blind
from unicron_core.store.codec import Codec
from unicron_core.store.ops import Batch, Op, ScriptCall, call, one
from unicron_core.store.scripts import JobReply, Script

log = logging.getLogger(__name__)

JOB_ID_CHARS = string.ascii_letters + string.digits
JOB_ID_LEN = 16
CREATE_BATCH = 1000  # job creations a round trip in ``create_many``
VERSIONS_KEPT = 20  # the current definition and 19 earlier ones
CHANGE_ATTEMPTS = 20  # compare-and-set rounds before a change gives up (a key changing it in a loop)

Change = Callable[[JobSpec], JobSpec]


def new_job_id() -> str:
    """16 random characters from ``[A-Za-z0-9]`` (95 bits), the original's job id shape."""
    return "".join(secrets.choice(JOB_ID_CHARS) for _ in range(JOB_ID_LEN))


def changed_fields(old: JobSpec, new: JobSpec) -> list[str]:
    """The names of the fields whose values differ (header values compared, never shown)."""
    before, after = old.model_dump(), new.model_dump()
    return [name for name in after if before.get(name) != after[name]]


@dataclass(frozen=True)
class Indexes:
    """The index entries of one job's definition: the zsets of its tags and owner, and its name."""

    zsets: frozenset[str]
    name: str

    @staticmethod
    def of(key: bytes, job_id: str, spec: JobSpec) -> Indexes:
        """The entries ``spec`` gives job ``job_id`` under index key ``key``."""
        zsets = {keys.tag(Blind.token(key, "tag", tag)) for tag in spec.tags}
        if spec.managed_by is not None:
            zsets.add(keys.owner(Blind.token(key, "owner", spec.managed_by)))
        return Indexes(zsets=frozenset(zsets), name=Blind.token(key, "name", spec.name) + job_id)


@dataclass(frozen=True)
class Upserted:
    """What a create-or-update by name did: ``created``, ``updated`` or ``unchanged``."""

    outcome: str
    job_id: str
    fields: list[str]


class Jobs:
    """Operations on jobs (run them with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, codec: Codec, settings: Settings, blind: Blind) -> None:
        self._codec = codec
        self._settings = settings
        self._blind = blind

    # -- creating ----------------------------------------------------------------------------------

    def create(self, *, spec: JobSpec, actor: Principal, now_ms: int | None = None) -> Op[str]:
        """Admits and stores a new job, puts its first fire on the due index and wakes the
        scheduler; returns its id. One script call, so the cluster's most jobs holds under
        concurrent creations.

        Raises:
            Forbidden: the cluster holds its maximum of jobs, or ``policy.admit_job`` refused it.
            InvalidSpec: ``policy.admit_job`` refused it.
        """
        key = yield from self._blind.key()
        job_id, script = self._creation(key, spec, actor, now_ms)
        (reply,) = yield one(script)
        return self._created(job_id, reply)

    def create_many(self, *, specs: Sequence[JobSpec], actor: Principal) -> Op[list[str]]:
        """``create`` for many specs (a bulk import), ``CREATE_BATCH`` script calls a round trip.
        Every spec is admitted before any is stored.

        Raises:
            Forbidden: the cluster reached its maximum; the jobs before that one were created.
        """
        key = yield from self._blind.key()
        made = [self._creation(key, spec, actor, None) for spec in specs]
        ids: list[str] = []
        for start in range(0, len(made), CREATE_BATCH):
            chunk = made[start : start + CREATE_BATCH]
            replies = yield Batch([script for _, script in chunk])
            ids += [self._created(job_id, reply) for (job_id, _), reply in zip(chunk, replies, strict=True)]
        return ids

    def _creation(
        self, key: bytes, spec: JobSpec, actor: Principal, now_ms: int | None
    ) -> tuple[str, ScriptCall]:
        spec = policy.admit_job(spec, settings=self._settings, actor=actor)
        job_id = new_job_id()
        now_ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        fields: list[Any] = ["spec", self._codec.seal("job", job_id, spec), "created", now_ms / 1000]
        fields += ["created_by", actor.name, "version", 1]
        none = Indexes(zsets=frozenset(), name="")
        script = self._write(
            mode="create",
            job_id=job_id,
            version=0,
            created_ms=now_ms,
            next_ms=self._next_ms(spec, now_ms),
            old=none,
            new=Indexes.of(key, job_id, spec),
            earlier=b"",
            fields=fields,
        )
        return job_id, script

    def _created(self, job_id: str, reply: object) -> str:
        if reply != JobReply.DONE:
            limit = self._settings.max_jobs
            raise Forbidden(f"this cluster holds its maximum of {limit} jobs (UNICRON_MAX_JOBS)")
        return job_id

    # -- changing ----------------------------------------------------------------------------------

    def change(self, *, job_id: str, change: Change, actor: Principal) -> Op[tuple[JobRecord, list[str]]]:
        """Applies ``change`` to the job's current definition (PUT, PATCH, restore): the result is
        admitted and, when it differs, stored as a new version. Returns the job and the names of
        the fields that changed (none: nothing was written).

        Raises:
            NotFound: no such job. InvalidSpec, Forbidden: the new definition is refused.
            Conflict: the job kept changing under this change (``CHANGE_ATTEMPTS`` rounds).
        """
        key = yield from self._blind.key()
        for _ in range(CHANGE_ATTEMPTS):
            record = yield from self.get(job_id=job_id)
            new = policy.admit_job(change(record.spec), settings=self._settings, actor=actor)
            fields = changed_fields(record.spec, new)
            if not fields:
                return record, []
            (reply,) = yield one(self._replacement(key, record, new, fields, actor))
            if reply == JobReply.GONE:
                raise NotFound(f"no job with id {job_id!r}")
            if reply == JobReply.DONE:
                return (yield from self.get(job_id=job_id)), fields
        raise Conflict(f"job {job_id} kept changing under this change; try again")

    def _replacement(
        self, key: bytes, record: JobRecord, new: JobSpec, fields: list[str], actor: Principal
    ) -> ScriptCall:
        job_id, now = record.job_id, time.time()
        earlier = JobVersion(
            version=record.version,
            changed_at=record.updated or record.created,
            changed_by=record.updated_by or record.created_by,
            fields=record.changed,
            spec=record.spec,
        )
        sealed = self._codec.seal("job-version", f"{job_id}/{record.version}", earlier)
        values: list[Any] = ["spec", self._codec.seal("job", job_id, new), "version", record.version + 1]
        values += ["updated", now, "updated_by", actor.name, "changed", json.dumps(fields)]
        old, after = Indexes.of(key, job_id, record.spec), Indexes.of(key, job_id, new)
        next_ms = self._next_ms(new, int(now * 1000))
        return self._write(
            mode="update",
            job_id=job_id,
            version=record.version,
            created_ms=int(record.created * 1000),
            next_ms=next_ms,
            old=old,
            new=after,
            earlier=sealed,
            fields=values,
        )

    def _write(
        self,
        *,
        mode: str,
        job_id: str,
        version: int,
        created_ms: int,
        next_ms: int | None,
        old: Indexes,
        new: Indexes,
        earlier: bytes,
        fields: list[Any],
    ) -> ScriptCall:
        leave, join = sorted(old.zsets - new.zsets), sorted(new.zsets - old.zsets)
        script_keys = [
            keys.job(job_id),
            keys.JOBS,
            keys.DUE,
            keys.versions(job_id),
            keys.NAMES,
            *leave,
            *join,
        ]
        names = ("", "") if old.name == new.name else (old.name, new.name)
        args: list[Any] = [mode, version, self._settings.max_jobs, keys.WAKE_CHANNEL, job_id, created_ms]
        dropped = version - (VERSIONS_KEPT - 1) if earlier and version >= VERSIONS_KEPT else 0
        args += [-1 if next_ms is None else next_ms, len(leave), len(join), *names, earlier, dropped]
        return ScriptCall(Script.WRITE_JOB, script_keys, args + fields)

    def _next_ms(self, spec: JobSpec, now_ms: int) -> int | None:
        return policy.schedule_of(spec, self._settings).next_after(now_ms)

    def upsert(self, *, name: str, spec: JobSpec, actor: Principal, dry_run: bool = False) -> Op[Upserted]:
        """Creates the job named ``name``, or makes the one of that name ``spec`` (idempotent: the
        same spec twice changes nothing the second time). ``dry_run`` says what it would do.

        Raises:
            Conflict: several jobs have that name. InvalidSpec, Forbidden: refused.
        """
        found = yield from self.named(name=name)
        if len(found) > 1:
            raise Conflict(f"{len(found)} jobs are named {name!r} ({', '.join(found)}); change one by its id")
        admitted = policy.admit_job(spec, settings=self._settings, actor=actor)
        if not found:
            job_id = "" if dry_run else (yield from self.create(spec=admitted, actor=actor))
            return Upserted("created", job_id, [])
        (job_id,) = found
        if dry_run:
            current = yield from self.get(job_id=job_id)
            fields = changed_fields(current.spec, admitted)
        else:
            _, fields = yield from self.change(job_id=job_id, change=lambda _: admitted, actor=actor)
        return Upserted("updated" if fields else "unchanged", job_id, fields)

    def delete(self, *, job_id: str) -> Op[JobRecord]:
        """Removes a job, its versions, its runs and its index entries, and wakes the scheduler;
        returns what it was.

        Raises:
            NotFound: no such job.
        """
        key = yield from self._blind.key()
        for _ in range(CHANGE_ATTEMPTS):
            record = yield from self.get(job_id=job_id)
            indexes = Indexes.of(key, job_id, record.spec)
            script_keys = [keys.job(job_id), keys.JOBS, keys.DUE, keys.versions(job_id), keys.NAMES]
            script_keys += [keys.runs(job_id), keys.run_data(job_id), keys.RUNLOG, keys.PAUSED]
            script_keys += [keys.FAILING, keys.RESUMES, *sorted(indexes.zsets), *RUNLOG_STATUS_KEYS]
            args = [record.version, job_id, indexes.name, keys.WAKE_CHANNEL, len(indexes.zsets)]
            (reply,) = yield one(ScriptCall(Script.DELETE_JOB, script_keys, args))
            if reply == JobReply.GONE:
                raise NotFound(f"no job with id {job_id!r}")
            if reply == JobReply.DONE:
                return record
        raise Conflict(f"job {job_id} kept changing under this deletion; try again")

    def index_names(self) -> Op[None]:
        """Puts every job's name on the names index (a cluster made before it: ``Cluster.verify``)."""
        key = yield from self._blind.key()
        (members,) = yield one(call("zrange", keys.JOBS, 0, -1))
        job_ids = [text(m) for m in members]
        for start in range(0, len(job_ids), CREATE_BATCH):
            specs = yield from self.specs(job_ids=job_ids[start : start + CREATE_BATCH])
            names = {Indexes.of(key, job_id, found[0]).name: 0 for job_id, found in specs.items() if found}
            if names:
                yield one(call("zadd", keys.NAMES, names))

    # -- reading -----------------------------------------------------------------------------------

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
        current = JobVersion(
            version=record.version,
            changed_at=record.updated or record.created,
            changed_by=record.updated_by or record.created_by,
            fields=record.changed,
            spec=record.spec,
        )
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
        )


# The run log's zsets of the statuses that are not success (their runs are found without a scan).
RUNLOG_STATUS_KEYS = tuple(keys.runlog(status) for status in ("failure", "skipped", "aborted", "missed"))

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
from unicron_core.errors import Conflict, Forbidden, NotFound
from unicron_core.models import JobSpec
from unicron_core.records import JobRecord
from unicron_core.replies import text
from unicron_core.settings import Settings
from unicron_core.store.audit import Audit
from unicron_core.store.blind import Blind
from unicron_core.store.codec import Codec
from unicron_core.store.jobreads import JobReads
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


class Jobs(JobReads):
    """Operations on jobs (run them with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, codec: Codec, settings: Settings, blind: Blind, audit: Audit) -> None:
        super().__init__(codec=codec, blind=blind)
        self._settings = settings
        self._audit = audit

    # -- creating ----------------------------------------------------------------------------------

    def create(
        self, *, spec: JobSpec, actor: Principal, ip: str | None = None, now_ms: int | None = None
    ) -> Op[str]:
        """Admits and stores a new job, puts its first fire on the due index, records it in the
        audit log and wakes the scheduler; returns its id. One script call, so the cluster's most
        jobs holds under concurrent creations (and the API's hot path is one round trip).

        Raises:
            Forbidden: the cluster holds its maximum of jobs, or ``policy.admit_job`` refused it.
            InvalidSpec: ``policy.admit_job`` refused it.
        """
        key = yield from self._blind.key()
        job_id, script = self._creation(key, spec, actor, now_ms, ip=ip, audited=True)
        (reply,) = yield one(script)
        return self._created(job_id, reply)

    def create_many(self, *, specs: Sequence[JobSpec], actor: Principal) -> Op[list[str]]:
        """``create`` for many specs (a bulk import), ``CREATE_BATCH`` script calls a round trip.
        Every spec is admitted before any is stored; the audit log gets one entry for the import.

        Raises:
            Forbidden: the cluster reached its maximum; the jobs before that one were created.
        """
        key = yield from self._blind.key()
        made = [self._creation(key, spec, actor, None, ip=None, audited=False) for spec in specs]
        ids: list[str] = []
        try:
            for start in range(0, len(made), CREATE_BATCH):
                chunk = made[start : start + CREATE_BATCH]
                replies = yield Batch([script for _, script in chunk])
                ids += [
                    self._created(job_id, reply) for (job_id, _), reply in zip(chunk, replies, strict=True)
                ]
        finally:
            if ids:
                target = f"{len(ids)} jobs"
                yield from self._audit.record(actor=actor.name, ip=None, action="jobs.import", target=target)
        return ids

    def _creation(
        self,
        key: bytes,
        spec: JobSpec,
        actor: Principal,
        now_ms: int | None,
        *,
        ip: str | None,
        audited: bool,
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
            audit=self._audit_args(actor, ip, "job.create", job_id, []) if audited else ("", 0, 0),
            fields=fields,
        )
        return job_id, script

    def _created(self, job_id: str, reply: object) -> str:
        if reply != JobReply.DONE:
            limit = self._settings.max_jobs
            raise Forbidden(f"this cluster holds its maximum of {limit} jobs (UNICRON_MAX_JOBS)")
        return job_id

    # -- changing ----------------------------------------------------------------------------------

    def change(
        self,
        *,
        job_id: str,
        change: Change,
        actor: Principal,
        ip: str | None = None,
        action: str = "job.update",
    ) -> Op[tuple[JobRecord, list[str]]]:
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
            audit = self._audit_args(actor, ip, action, job_id, fields)
            (reply,) = yield one(
                self._replacement(key, record, new=new, fields=fields, actor=actor, audit=audit)
            )
            if reply == JobReply.GONE:
                raise NotFound(f"no job with id {job_id!r}")
            if reply == JobReply.DONE:
                return (yield from self.get(job_id=job_id)), fields
        raise Conflict(f"job {job_id} kept changing under this change; try again")

    def _replacement(
        self,
        key: bytes,
        record: JobRecord,
        *,
        new: JobSpec,
        fields: list[str],
        actor: Principal,
        audit: tuple[bytes | str, int, int],
    ) -> ScriptCall:
        job_id, now = record.job_id, time.time()
        earlier = record.current_version()
        sealed = self._codec.seal("job-version", f"{job_id}/{record.version}", earlier)
        values: list[Any] = ["spec", self._codec.seal("job", job_id, new), "version", record.version + 1]
        values += ["updated", now, "updated_by", actor.name, "changed", json.dumps(fields)]
        old, after = Indexes.of(key, job_id, record.spec), Indexes.of(key, job_id, new)
        # A fire due but not yet enqueued is kept when the new schedule has it too: a change never
        # drops the fire of the moment (an enqueued one is kept from firing twice by its marker).
        due_ms = None if record.next_run is None else round(record.next_run * 1000)
        now_ms = int(now * 1000)
        next_ms = self._next_ms(new, now_ms if due_ms is None else min(now_ms, due_ms - 1))
        return self._write(
            mode="update",
            job_id=job_id,
            version=record.version,
            created_ms=int(record.created * 1000),
            next_ms=next_ms,
            old=old,
            new=after,
            earlier=sealed,
            audit=audit,
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
        audit: tuple[bytes | str, int, int],
        fields: list[Any],
    ) -> ScriptCall:
        leave, join = sorted(old.zsets - new.zsets), sorted(new.zsets - old.zsets)
        script_keys = [keys.job(job_id), keys.JOBS, keys.DUE, keys.versions(job_id), keys.NAMES, keys.AUDIT]
        script_keys += [keys.VIEW_CHANGES, *leave, *join]
        names = ("", "") if old.name == new.name else (old.name, new.name)
        args: list[Any] = [mode, version, self._settings.max_jobs, keys.WAKE_CHANNEL, job_id, created_ms]
        dropped = version - (VERSIONS_KEPT - 1) if earlier and version >= VERSIONS_KEPT else 0
        args += [-1 if next_ms is None else next_ms, len(leave), len(join), *names, earlier, dropped, *audit]
        return ScriptCall(Script.WRITE_JOB, script_keys, args + fields)

    def _audit_args(
        self, actor: Principal, ip: str | None, action: str, job_id: str, fields: list[str]
    ) -> tuple[bytes | str, int, int]:
        return self._audit.script_args(actor=actor.name, ip=ip, action=action, target=job_id, fields=fields)

    def _next_ms(self, spec: JobSpec, now_ms: int) -> int | None:
        return policy.schedule_of(spec, self._settings).next_after(now_ms)

    def upsert(
        self, *, name: str, spec: JobSpec, actor: Principal, ip: str | None = None, dry_run: bool = False
    ) -> Op[Upserted]:
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
            job_id = "" if dry_run else (yield from self.create(spec=admitted, actor=actor, ip=ip))
            return Upserted("created", job_id, [])
        (job_id,) = found
        if dry_run:
            current = yield from self.get(job_id=job_id)
            fields = changed_fields(current.spec, admitted)
        else:
            _, fields = yield from self.change(job_id=job_id, change=lambda _: admitted, actor=actor, ip=ip)
        return Upserted("updated" if fields else "unchanged", job_id, fields)

    def delete(self, *, job_id: str, actor: Principal, ip: str | None = None) -> Op[JobRecord]:
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
            script_keys += [keys.FAILING, keys.RESUMES, keys.RUNNING, keys.inflight(job_id)]
            script_keys += [*sorted(indexes.zsets), *RUNLOG_STATUS_KEYS]
            args = [record.version, job_id, indexes.name, keys.WAKE_CHANNEL, len(indexes.zsets)]
            (reply,) = yield one(ScriptCall(Script.DELETE_JOB, script_keys, args))
            if reply == JobReply.GONE:
                raise NotFound(f"no job with id {job_id!r}")
            if reply == JobReply.DONE:
                yield from self._audit.record(actor=actor.name, ip=ip, action="job.delete", target=job_id)
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


# The run log's zsets of the statuses that are not success (their runs are found without a scan).
RUNLOG_STATUS_KEYS = tuple(
    keys.runlog(status) for status in ("queued", "running", "failure", "skipped", "aborted", "missed")
)

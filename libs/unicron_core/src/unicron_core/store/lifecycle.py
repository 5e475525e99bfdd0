"""A job's life besides its definition: pause, resume (by hand or when a pause ends), and runs
started by hand, which go through the same idempotent enqueue as a fire (docs/architecture.md,
"Jobs")."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from unicron_core import cron, keys, policy
from unicron_core.apikeys import Principal
from unicron_core.errors import Conflict, NotFound
from unicron_core.records import JobRecord, Pause, RunResult, empty_output
from unicron_core.replies import text
from unicron_core.settings import Settings
from unicron_core.store import rqhash
from unicron_core.store.audit import Audit
from unicron_core.store.codec import Codec
from unicron_core.store.firing import MARKER_MARGIN_MS
from unicron_core.store.jobs import Jobs
from unicron_core.store.ops import Op, ScriptCall, call, one
from unicron_core.store.rqhash import FIRE_FUNC, FireCall, RqHash
from unicron_core.store.runs import Runs, job_of
from unicron_core.store.scripts import JobReply, Script

SKIPPED_COUNT_MAX = 100_000  # fires counted one by one when a pause ends; past it, "at least"
RESUME_BATCH = 100  # pauses ended per scheduler step

ResumeCatchup = Literal["none", "latest"]


@dataclass(frozen=True)
class Resumed:
    """What a resume did: the job, the fires its pause skipped (recorded as one skipped run), and
    the run queued for the latest of them (``catchup: latest``)."""

    job: JobRecord
    skipped: int
    catchup_run_id: str | None


class Lifecycle:
    """Operations on a job's state (run them with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(
        self, *, codec: Codec, settings: Settings, jobs: Jobs, runs: Runs, rq: RqHash, audit: Audit
    ) -> None:
        self._audit = audit
        self._codec = codec
        self._settings = settings
        self._jobs = jobs
        self._runs = runs
        self._rq = rq

    def pause(
        self,
        *,
        job_id: str,
        actor: Principal,
        reason: str | None,
        until: float | None,
        ip: str | None = None,
        now: float | None = None,
    ) -> Op[JobRecord]:
        """Stops a job firing until resumed, or until ``until`` (epoch s); pausing a paused job
        changes its reason and end, not its start.

        Raises:
            NotFound: no such job. InvalidSpec: ``until`` is not in the future, or is
            more than 10 years ahead.
        """
        now = time.time() if now is None else now
        policy.admit_pause_until(until, now=now)
        record = yield from self._jobs.get(job_id=job_id)
        since = record.paused.since if record.paused is not None else now
        pause = Pause(since=since, by=actor.name, reason=reason, until=until)
        blob = self._codec.seal("job-pause", job_id, pause)
        until_ms = -1 if until is None else int(until * 1000)
        args = [job_id, blob, int(record.created * 1000), until_ms, keys.WAKE_CHANNEL]
        script_keys = [keys.job(job_id), keys.DUE, keys.PAUSED, keys.RESUMES, keys.VIEW_CHANGES]
        (reply,) = yield one(ScriptCall(Script.PAUSE_JOB, script_keys, args))
        if reply == JobReply.GONE:
            raise NotFound(f"no job with id {job_id!r}")
        yield from self._audit.record(actor=actor.name, ip=ip, action="job.pause", target=job_id)
        return (yield from self._jobs.get(job_id=job_id))

    def resume(
        self,
        *,
        job_id: str,
        actor: Principal,
        catchup: ResumeCatchup = "none",
        ip: str | None = None,
        now: float | None = None,
    ) -> Op[Resumed]:
        """Lets a paused job fire again from its next time after now. The fires its pause skipped
        are recorded as one skipped run; with ``catchup: latest`` the latest of them runs now.

        Raises:
            NotFound: no such job. Conflict: it is not paused.
        """
        now = time.time() if now is None else now
        (fields,) = yield one(call("hgetall", keys.job(job_id)))
        if not fields:
            raise NotFound(f"no job with id {job_id!r}")
        record = self._jobs.record(job_id, fields, None)
        if record.paused is None:
            raise Conflict(f"job {job_id} is not paused")
        schedule = policy.schedule_of(record.spec, self._settings)
        now_ms = int(now * 1000)
        next_ms = schedule.next_after(now_ms)
        args = [job_id, fields[b"pause"], -1 if next_ms is None else next_ms, keys.WAKE_CHANNEL]
        script_keys = [keys.job(job_id), keys.DUE, keys.PAUSED, keys.RESUMES, keys.VIEW_CHANGES]
        (reply,) = yield one(ScriptCall(Script.RESUME_JOB, script_keys, args))
        if reply == JobReply.GONE:
            raise NotFound(f"no job with id {job_id!r}")
        if reply != JobReply.DONE:
            raise Conflict(f"job {job_id} is not paused (or was paused again meanwhile)")
        skipped = _skipped(schedule, int(record.paused.since * 1000), now_ms)
        catchup_run_id = None
        if skipped is not None and catchup == "latest":
            catchup_run_id = yield from self._enqueue(
                record, scheduled_ms=skipped.last_ms, trigger="catchup", by=actor.name
            )
            skipped = skipped.but_last()
        if skipped is not None:
            yield from self._runs.record(job_id=job_id, run=self._skipped_run(record, skipped, actor, now))
        yield from self._audit.record(actor=actor.name, ip=ip, action="job.resume", target=job_id)
        job = yield from self._jobs.get(job_id=job_id)
        return Resumed(
            job=job, skipped=0 if skipped is None else skipped.count, catchup_run_id=catchup_run_id
        )

    def run_now(
        self,
        *,
        job_id: str,
        actor: Principal,
        ip: str | None = None,
        now: float | None = None,
        force: bool = False,
    ) -> Op[str]:
        """Queues a run of the job now (``trigger: manual``, the key's name as ``by``); returns its
        run id. The same request twice within a millisecond queues one run. It obeys the job's
        overlap rule unless ``force``.

        Raises:
            NotFound: no such job. Forbidden: a command job, and the key may not run commands.
        """
        record = yield from self._jobs.get(job_id=job_id)
        policy.admit_run(record.spec, settings=self._settings, actor=actor)
        now_ms = int((time.time() if now is None else now) * 1000)
        run_id = yield from self._enqueue(
            record, scheduled_ms=now_ms, trigger="manual", by=actor.name, force=force
        )
        yield from self._audit.record(
            actor=actor.name, ip=ip, action="job.run", target=job_id, fields=[run_id]
        )
        return run_id

    def rerun(self, *, run_id: str, actor: Principal, ip: str | None = None) -> Op[str]:
        """``run_now`` of the job a run belongs to, with its current definition; the new run's id.

        Raises:
            NotFound: no such run kept (or its job is gone). Forbidden: as ``run_now``.
        """
        yield from self._runs.get(run_id=run_id)  # NotFound for a run not kept, or no job's
        return (yield from self.run_now(job_id=job_of(run_id) or "", actor=actor, ip=ip))

    def resumes_due(self, *, now_ms: int) -> Op[list[str]]:
        """The jobs whose pause has ended by ``now_ms`` (the scheduler resumes them)."""
        (ids,) = yield one(call("zrangebyscore", keys.RESUMES, "-inf", now_ms, start=0, num=RESUME_BATCH))
        return [text(job_id) for job_id in ids]

    def next_resume_ms(self) -> Op[int | None]:
        """When the earliest pause ends, epoch ms."""
        (first,) = yield one(call("zrange", keys.RESUMES, 0, 0, withscores=True))
        return int(first[0][1]) if first else None

    def _enqueue(
        self, record: JobRecord, *, scheduled_ms: int, trigger: str, by: str, force: bool = False
    ) -> Op[str]:
        job_id = record.job_id
        run_id = rqhash.run_id(job_id, scheduled_ms, trigger)
        args = tuple(FireCall(job_id, scheduled_ms, record.version, trigger, by, force=force))
        fields = self._rq.fields(FIRE_FUNC, args, policy.run_timeout_s(record.spec, self._settings))
        marker = keys.fired(job_id, scheduled_ms) if run_id == rqhash.fire_id(job_id, scheduled_ms) else ""
        grace_ms = policy.misfire_grace_ms(record.spec, self._settings)
        script_keys = [
            keys.job(job_id),
            marker,
            rqhash.job_key(run_id),
            self._rq.queue_key,
            rqhash.QUEUES_KEY,
        ]
        script_args = [grace_ms + MARKER_MARGIN_MS, run_id, *fields]
        (reply,) = yield one(ScriptCall(Script.ENQUEUE_RUN, script_keys, script_args))
        if reply == JobReply.GONE:
            raise NotFound(f"no job with id {job_id!r}")
        return run_id

    def _skipped_run(self, record: JobRecord, skipped: Skipped, actor: Principal, now: float) -> RunResult:
        pause = record.paused
        assert pause is not None  # noqa: S101 - resume checked it
        count = f"at least {skipped.count}" if skipped.count >= SKIPPED_COUNT_MAX else str(skipped.count)
        why = f"paused by {pause.by}" + (f" ({pause.reason})" if pause.reason else "")
        return RunResult(
            success=False,
            start=now,
            end=now,
            output=empty_output(record.spec, record.job_id),
            run_id=rqhash.run_id(record.job_id, skipped.first_ms, "skipped"),
            scheduled=skipped.first_ms / 1000,
            job_id=record.job_id,
            status="skipped",
            trigger="schedule",
            reason=f"{why}; {count} fire(s) skipped until resumed by {actor.name}",
            version=record.version,
        )


@dataclass(frozen=True)
class Skipped:
    """The fires a pause skipped: the first, how many (``SKIPPED_COUNT_MAX`` at most), the last."""

    first_ms: int
    count: int
    last_ms: int
    before_last_ms: int | None

    def but_last(self) -> Skipped | None:
        """The same without the last fire (which runs late instead); None when none is left."""
        if self.before_last_ms is None:
            return None
        return Skipped(self.first_ms, self.count - 1, self.before_last_ms, None)


def _skipped(schedule: cron.Schedule, since_ms: int, now_ms: int) -> Skipped | None:
    """The fires of ``schedule`` after ``since_ms`` up to ``now_ms``, counted up to a cap; the last
    two are found from near ``now_ms`` when the count stops at the cap."""
    times = schedule.iter_after(since_ms)
    first = next(times, None)
    if first is None or first > now_ms:
        return None
    count, last, before = 1, first, None
    for fire_ms in times:
        if fire_ms > now_ms:
            break
        if count >= SKIPPED_COUNT_MAX:
            before, last = _last_two(schedule, last, now_ms)
            break
        count, before, last = count + 1, last, fire_ms
    return Skipped(first_ms=first, count=count, last_ms=last, before_last_ms=before)


def _last_two(schedule: cron.Schedule, known_ms: int, now_ms: int) -> tuple[int | None, int]:
    """The last two fires at or before ``now_ms``, the earliest known fire being ``known_ms``:
    searched from ever larger spans before ``now_ms``, not walked from the pause's start."""
    for span_ms in (60_000, 3_600_000, 86_400_000, 31 * 86_400_000, 366 * 86_400_000):
        start = max(known_ms, now_ms - span_ms)
        before, last = None, None
        for fire_ms in schedule.iter_after(start - 1):
            if fire_ms > now_ms:
                break
            before, last = last, fire_ms
        if before is not None and last is not None:
            return before, last
    return None, known_ms

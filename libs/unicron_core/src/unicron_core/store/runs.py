"""Runs of jobs: each one sealed, kept for the retention window and capped per job, listed per job
and across jobs (the run log), newest first (docs/architecture.md, "Runs")."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from unicron_core import keys
from unicron_core.errors import NotFound, UnreadableRecord
from unicron_core.models import RunSpec
from unicron_core.policy import HealthChange, OverlapAction
from unicron_core.records import RunResult, RunStatus, Trigger, empty_output
from unicron_core.replies import text
from unicron_core.settings import Settings
from unicron_core.store import pages, rqhash
from unicron_core.store.blind import Blind
from unicron_core.store.codec import Codec
from unicron_core.store.jobs import RUNLOG_STATUS_KEYS, Jobs
from unicron_core.store.ops import Batch, Op, ScriptCall, call, one
from unicron_core.store.pages import Cursor
from unicron_core.store.retries import ENDED_KEPT_S, Retry
from unicron_core.store.rqhash import RqHash
from unicron_core.store.scripts import Script

log = logging.getLogger(__name__)

# Statuses of runs that did not run: they are history, not the job's state, and not counted.
NOT_RUN: frozenset[str] = frozenset({"skipped", "missed"})
# Statuses of runs not over: running, or waiting for another attempt.
IN_PROGRESS: frozenset[str] = frozenset({"running", "queued"})
INDEXED_STATUSES = frozenset(key.rsplit(":", 1)[1] for key in RUNLOG_STATUS_KEYS)
START_SKIPPED = 2  # record_run.lua's start: skipped for the live runs it names
# A run on its job's in-flight set is live until this long past its heartbeats' deadline. After
# Redis was away longer than the deadline, a live worker renews its runs within a heartbeat of its
# return, and until then they still hold the job's overlap rule; a dead worker's run leaves the set
# sooner, when maintenance records its end (docs/decisions/0013-execution-control.md).
LIVE_GRACE_MS = 60_000
SCAN_BUDGET = 2000  # index entries a filtered page reads at most; past it, it ends early with a cursor


@dataclass(frozen=True)
class Started:
    """What a run's start found: the live runs of its job, and whether it was skipped for them."""

    skipped: bool
    others: list[str]


@dataclass(frozen=True)
class Ended:
    """What an attempt's end did: recorded (or by the same ender before), and the job's health
    change and failures in a row then."""

    stored: bool
    change: HealthChange = ""
    failures: int = 0


@dataclass(frozen=True)
class RunFilter:
    """What ``GET /api/runs`` asks for."""

    job_id: str | None = None
    status: RunStatus | None = None
    trigger: Trigger | None = None
    since: float | None = None  # epoch seconds, inclusive
    until: float | None = None  # epoch seconds, inclusive
    tag: str | None = None


def job_of(run_id: str) -> str | None:
    """The id of the job a run id belongs to (``<job_id>-<ms>...``); None when it names none."""
    job_id, dash, _ = run_id.partition("-")
    return job_id if dash and len(job_id) == 16 and job_id.isalnum() else None


def _live_after_ms() -> int:
    """A run on an in-flight set whose deadline (epoch ms) is later than this is live."""
    return int(time.time() * 1000) - LIVE_GRACE_MS


def _queued(spec: RunSpec, fire: rqhash.FireCall, enqueued: bytes | None) -> RunResult:
    """The run an RQ job of a fire, queued since ``enqueued`` (RQ's timestamp), will be."""
    return unstarted(
        spec,
        job_id=fire.job_id,
        run_id=fire.run_id,
        at=rqhash.epoch_of(enqueued),
        trigger=cast(Trigger, fire.trigger),
        by=fire.by,
        version=fire.version,
    )


def unstarted(
    spec: RunSpec, *, job_id: str, run_id: str, at: float, trigger: Trigger | None = None, **more: Any
) -> RunResult:
    """A run of the job that no worker has started: ``queued`` since ``at`` (epoch s), with the
    fire time and (unless given) the trigger its id says (``rqhash.run_id`` read back)."""
    scheduled, _, marked = run_id[len(job_id) + 1 :].partition("-")
    return RunResult(
        success=False,
        start=at,
        end=None,
        output=empty_output(spec, job_id),
        run_id=run_id,
        scheduled=int(scheduled) / 1000,
        job_id=job_id,
        status="queued",
        trigger=trigger or ("manual" if marked == "manual" else "schedule"),
        **more,
    )


class Runs:
    """Operations on job runs (run them with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, codec: Codec, settings: Settings, blind: Blind, jobs: Jobs, rq: RqHash) -> None:
        self._codec = codec
        self._settings = settings
        self._blind = blind
        self._jobs = jobs
        self._rq = rq

    def start(
        self, *, job_id: str, run: RunResult, deadline_s: float, if_running: OverlapAction = "start"
    ) -> Op[Started]:
        """Stores a run as it starts (``running``, live until ``deadline_s``, which heartbeats
        move): the job is running while it is. While another run of the job is live,
        ``if_running`` (``policy.on_overlap``) says whether it starts beside it, is skipped
        (nothing stored), or starts and the others are to be aborted."""
        tail = [if_running, _live_after_ms(), int(deadline_s * 1000)]
        marker = keys.ended(run.run_id, run.attempt)
        code, *others = yield from self._write(job_id, run, "start", marker=marker, tail=tail)
        return Started(skipped=code == START_SKIPPED, others=[text(other) for other in others])

    def end(
        self,
        *,
        job_id: str,
        run: RunResult,
        ender: str,
        retry: Retry | None = None,
        ran: bool = True,
        alert_after: int = 1,
    ) -> Op[Ended]:
        """Records the end of an attempt of a run, once: False when another ``ender`` recorded it
        before (RQ reported a dead worker's run twice; a worker taken for dead ended it late). The
        same ender sending it again (a broken connection) is answered as the first time. With ``retry`` the
        run waits for its next attempt (``run`` is then ``queued`` for attempt ``retry.attempt``);
        without, it is over and, if it ran (``ran``, and not skipped or missed), counted on the job
        and its state, and its health moved (for alerts: ``policy.alert``)."""
        over = "1" if ran and retry is None and run.status not in NOT_RUN else "0"
        tail = [over, ENDED_KEPT_S, ender, alert_after, *(retry.args() if retry else ["", ""])]
        next_hash = rqhash.job_key(retry.rq_id) if retry else keys.RETRIES
        marker = keys.ended(run.run_id, retry.attempt - 1 if retry else run.attempt)
        stored, *health = yield from self._write(
            job_id, run, "end", marker=marker, next_hash=next_hash, tail=tail
        )
        if not stored:
            return Ended(stored=False)
        change, failures = health
        return Ended(stored=True, change=cast("HealthChange", text(change)), failures=int(failures))

    def record(self, *, job_id: str, run: RunResult) -> Op[bool]:
        """Stores a run again (to add its notifications' outcomes), or one that did not run (a
        pause's skipped fires); not over a later attempt of it: False then."""
        later = run.attempt if run.status == "queued" else run.attempt + 1  # queued: waits for it
        stored = yield from self._write(job_id, run, "store", marker=keys.ended(run.run_id, later))
        return bool(stored)

    def _write(
        self,
        job_id: str,
        run: RunResult,
        phase: str,
        *,
        marker: str,
        next_hash: str = keys.RETRIES,
        tail: Sequence[object] = (),
    ) -> Op[Any]:
        retention = self._settings.result_retention_s
        blob = self._codec.seal("run", f"{job_id}/{run.run_id}", run)
        oldest = time.time() - retention
        status_key = keys.runlog(run.status) if run.status in INDEXED_STATUSES else ""
        args = [run.run_id, blob, run.start, oldest, self._settings.max_runs_per_job, retention]
        args += [int(run.start * 1000), run.status, job_id, phase, status_key, *tail]
        script_keys = [keys.runs(job_id), keys.run_data(job_id), keys.job(job_id), keys.RUNLOG, keys.FAILING]
        script_keys += [
            keys.VIEW_CHANGES,
            keys.inflight(job_id),
            keys.RUNNING,
            marker,
            keys.RETRIES,
            next_hash,
        ]
        (reply,) = yield one(ScriptCall(Script.RECORD_RUN, [*script_keys, *RUNLOG_STATUS_KEYS], args))
        return reply

    def live(self, *, job_id: str) -> Op[list[str]]:
        """The job's runs in flight that are live (``LIVE_GRACE_MS``)."""
        (run_ids,) = yield one(call("zrangebyscore", keys.inflight(job_id), f"({_live_after_ms()}", "+inf"))
        return [text(run_id) for run_id in run_ids]

    def find(self, *, job_id: str, run_id: str) -> Op[RunResult | None]:
        """One run of a job, or None when it is not stored (or unreadable)."""
        (blob,) = yield one(call("hget", keys.run_data(job_id), run_id))
        if blob is None:
            return None
        try:
            return self._codec.open("run", f"{job_id}/{run_id}", blob, RunResult)
        except UnreadableRecord as exc:
            log.error("skipping unreadable record: %s", exc)
            return None

    def get(self, *, run_id: str) -> Op[RunResult]:
        """One run, by its id; a fire or run now still on RQ's queue (no worker has started it, so
        it has no record yet) as ``queued``, from its RQ job.

        Raises:
            NotFound: no such run (or it is past the retention window).
        """
        job_id = job_of(run_id)
        if job_id is None:
            raise NotFound(f"no run with id {run_id!r}")
        blob, (data, enqueued) = yield Batch(
            [
                call("hget", keys.run_data(job_id), run_id),
                call("hmget", rqhash.job_key(run_id), ["data", "enqueued_at"]),
            ]
        )
        if blob is not None:
            return self._codec.open("run", f"{job_id}/{run_id}", blob, RunResult)
        fire = rqhash.queued_fire(data)
        if fire is None or fire.run_id != run_id:
            raise NotFound(f"no run with id {run_id!r}")
        spec = yield from self._jobs.spec_at(job_id=job_id, version=fire.version)
        if spec is None:
            raise NotFound(f"no job with id {job_id!r}")
        return _queued(spec, fire, enqueued)

    def waiting(self, *, limit: int) -> Op[list[RunResult]]:
        """The runs of jobs at the head of RQ's queue, oldest first, ``limit`` at most (of the first
        ``limit`` ids queued: tasks are among them, and are not runs), as ``queued`` runs."""
        (rq_ids,) = yield one(call("lrange", self._rq.queue_key, 0, limit - 1))
        if not rq_ids:
            return []
        found = yield Batch([call("hmget", rqhash.job_key(text(i)), ["data", "enqueued_at"]) for i in rq_ids])
        fires = [
            (fire, enqueued) for data, enqueued in found if (fire := rqhash.queued_fire(data)) is not None
        ]
        specs = yield from self._jobs.specs(job_ids=list({fire.job_id for fire, _ in fires}))
        return [
            _queued(found_spec[0], fire, enqueued)
            for fire, enqueued in fires
            if (found_spec := specs[fire.job_id]) is not None
        ]

    def of_job(self, *, job_id: str) -> Op[list[RunResult]]:
        """A job's results: its runs of the retention window that ended (none in progress, nor
        waiting for another attempt), newest first."""
        oldest = time.time() - self._settings.result_retention_s
        (run_ids,) = yield one(call("zrevrangebyscore", keys.runs(job_id), "+inf", oldest))
        return _ended((yield from self._load([(job_id, text(r)) for r in run_ids])))

    def all(self) -> Op[list[RunResult]]:
        """Every job's results of the retention window, newest first (``of_job``'s, from the run log)."""
        oldest_ms = (time.time() - self._settings.result_retention_s) * 1000
        (run_ids,) = yield one(call("zrevrangebyscore", keys.RUNLOG, "+inf", oldest_ms))
        return _ended((yield from self._load(_with_jobs(text(r) for r in run_ids))))

    def page(
        self, *, where: RunFilter, limit: int, cursor: Cursor | None
    ) -> Op[tuple[list[RunResult], Cursor | None]]:
        """Runs that match ``where``, newest first, ``limit`` at most, after ``cursor``; and the
        cursor of the next page (None on the last). A filter the indexes cannot answer (trigger,
        tag, a status among a job's runs) reads ``SCAN_BUDGET`` entries at most: the page may then
        hold fewer runs, and its cursor goes on from where the reading stopped."""
        key, per_s = self._index(where)
        low = float("-inf") if where.since is None else where.since * per_s
        high = float("inf") if where.until is None else where.until * per_s
        tag_key = None
        if where.tag is not None:
            tag_key = keys.tag(Blind.token((yield from self._blind.key()), "tag", where.tag))
        found: list[RunResult] = []
        scanned = 0
        while scanned < SCAN_BUDGET:
            want = min(limit - len(found) if _exact(where, key) else limit, SCAN_BUDGET - scanned)
            entries = yield from pages.scan(
                key, after=cursor, count=want, descending=True, low=low, high=high
            )
            scanned += len(entries)
            loaded = yield from self._load(_with_jobs(member for member, _ in entries), keep_order=True)
            shown = {run.run_id for run in (yield from self._matching(loaded, where, tag_key))}
            by_id = {run.run_id: run for run in loaded}
            for member, score in entries:
                cursor = Cursor(score, member)
                if member in shown:
                    found.append(by_id[member])
                    if len(found) == limit:
                        return found, cursor
            if len(entries) < want:
                return found, None
        return found, cursor

    def _index(self, where: RunFilter) -> tuple[str, float]:
        """The zset a query reads, and its score's units per second."""
        if where.job_id is not None:
            return keys.runs(where.job_id), 1.0
        if where.status in INDEXED_STATUSES:
            return keys.runlog(where.status), 1000.0
        return keys.RUNLOG, 1000.0

    def _matching(self, runs: list[RunResult], where: RunFilter, tag_key: str | None) -> Op[list[RunResult]]:
        runs = [
            run
            for run in runs
            if (where.status is None or run.status == where.status)
            and (where.trigger is None or run.trigger == where.trigger)
        ]
        if tag_key is None or not runs:
            return runs
        (scores,) = yield one(call("zmscore", tag_key, [run.job_id or "" for run in runs]))
        return [run for run, score in zip(runs, scores, strict=True) if score is not None]

    def _load(self, ids: Sequence[tuple[str, str]], *, keep_order: bool = False) -> Op[list[RunResult]]:
        """The runs of ``(job id, run id)`` pairs that can be read; newest first unless
        ``keep_order``."""
        blobs = yield Batch([call("hget", keys.run_data(job_id), run_id) for job_id, run_id in ids])
        runs = []
        for (job_id, run_id), blob in zip(ids, blobs, strict=True):
            if blob is None:
                continue  # trimmed or deleted between the index and the read
            try:
                runs.append(self._codec.open("run", f"{job_id}/{run_id}", blob, RunResult))
            except UnreadableRecord as exc:
                log.error("skipping unreadable record: %s", exc)
        if not keep_order:
            runs.sort(key=lambda r: r.start, reverse=True)
        return runs


def _ended(runs: list[RunResult]) -> list[RunResult]:
    return [run for run in runs if run.status not in IN_PROGRESS]


def _with_jobs(run_ids: Iterable[str]) -> list[tuple[str, str]]:
    return [(job_id, run_id) for run_id in run_ids if (job_id := job_of(run_id)) is not None]


def _exact(where: RunFilter, key: str) -> bool:
    """Whether every entry of ``key`` in the time range matches (no filter left to read)."""
    status_answered = where.status is None or key == keys.runlog(where.status)
    return status_answered and where.trigger is None and where.tag is None

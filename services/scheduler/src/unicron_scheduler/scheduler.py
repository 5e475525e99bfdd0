"""The scheduler loop: hold the lease, sleep until the earliest due fire, enqueue it fenced
(docs/architecture.md, "Firing").

A tick costs O(due fires): the due index is a sorted set of next fire times, and parsed schedules
are cached per job (jobs are immutable; a deletion arrives on the wake channel). The loop sleeps
in the pub/sub read, so a created or deleted job wakes it at once.

While it waits, the leader prepares the fires of the next due time (decisions, RQ payloads, the
script's calls packed in Redis's protocol): when the time comes the batches are written at once and
only the fenced scripts run, so a thousand fires due in the same second are enqueued in the scripts'
own time. The script checks each job's due time again, and a prepared batch is used only while a
decision taken then would be the same (see ``Prepared``). docs/decisions/0001 has the figures.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

from redis.client import PubSub
from redis.exceptions import RedisError

from unicron_core import cron, policy
from unicron_core.apikeys import Principal
from unicron_core.errors import Conflict, NotFound
from unicron_core.lease import Lease
from unicron_core.models import Catchup, JobSpec
from unicron_core.records import missed_run
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_core.store.firing import Fire, PreparedFire
from unicron_scheduler.metrics import Metrics

log = logging.getLogger(__name__)

BATCH = 500
STANDBY_POLL_S = 0.1
MAX_SLEEP_S = 1.0
MAX_MS = 2**63 - 1  # "never", for the end of a prepared batch's window
BACKOFF_MAX_S = 2.0
PREPARE_MAX = 4 * BATCH  # fires prepared ahead of their due time; a bigger burst goes on live
PREPARE_LEAD_MS = 50  # closer to the due time than this, preparing ahead gains nothing
# The pub/sub wait counts whole milliseconds and ends ~0.8 ms after its time on average: it ends this
# early instead, and time.sleep (to ~0.1 ms) takes the loop to the due time.
WAKE_EARLY_S = 0.002
UNKNOWN = -1  # when the earliest pause ends is to be read again
PAUSE_END = Principal(name="scheduler", scopes=frozenset())  # who resumes a job whose pause ended


@dataclass(frozen=True)
class Plan:
    """What the scheduler needs of a job, derived once from its spec."""

    schedule: cron.Schedule
    catchup: Catchup
    grace_ms: int
    run_timeout_s: float
    version: int
    spec: JobSpec  # what a record of missed fires needs


@dataclass(frozen=True)
class Prepared:
    """The batches due at ``due_ms``, prepared ahead by leader ``epoch``. They hold the decisions
    the live path would take at any time in [``due_ms``, ``until_ms``): no job has another time due
    yet and none is out of its misfire grace. Outside that window they are thrown away."""

    epoch: int
    due_ms: int
    until_ms: int
    batches: list[PreparedFire]


class Stop(BaseException):
    """Raised by the stop signal's handler to leave a blocking wait at once (a BaseException, so
    that no ``except Exception`` on its way holds it)."""


class CutShort(Stop):
    """Raised when a stop's grace is over and the loop still has not stopped: a Redis call hangs."""


class Scheduler:
    """One scheduler node: leader or standby."""

    def __init__(self, *, store: Store, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.settings = settings
        self.lease = Lease(store=store, ttl_ms=settings.lease_ttl_ms)
        self._clock = clock
        self.metrics = Metrics()
        self._plans: dict[str, Plan | None] = {}
        self._prepared: Prepared | None = None
        self._pubsub: PubSub | None = None
        self._next_renew = 0.0
        self._stopping = False
        self._waiting = False
        self._resume_at: int | None = UNKNOWN  # when the earliest pause ends (None: none does)

    def request_stop(self, signum: int = 0, frame: FrameType | None = None) -> None:
        """Signal handler: stop after the current step, at once if the loop is waiting."""
        self._stopping = True
        if self._waiting:
            raise Stop

    def run(self) -> None:
        """Runs until ``request_stop``; releases the lease on the way out, unless the stop was cut
        short (Redis hangs, and the release would: the lease lapses by itself)."""
        backoff = 0.05
        release = True
        try:
            while not self._stopping:
                try:
                    self.step()
                    backoff = 0.05
                except RedisError as exc:
                    self._on_redis_error(exc, backoff)
                    backoff = min(backoff * 2, BACKOFF_MAX_S)
        except CutShort:
            release = False
        except Stop:
            pass
        finally:
            if release:
                self._shutdown()

    def step(self) -> None:
        """One turn: become or stay leader, fire what is due, then wait."""
        if not self._lead():
            # Wake when the holder's lease would lapse, checking at least every STANDBY_POLL_S.
            self._wait(min(self.lease.holder_left_ms / 1000, STANDBY_POLL_S))
            return
        self.fire_due()
        if self.lease.epoch is None:
            return
        self._end_pauses()
        retry_ms = self._queue_retries()
        due_ms = self.store.firing.next_due_ms()
        if due_ms is not None:
            self._prepare(due_ms)
        now = time.monotonic()
        until_due = MAX_SLEEP_S if due_ms is None else (due_ms - self._clock() * 1000) / 1000 - WAKE_EARLY_S
        until_retry = MAX_SLEEP_S if retry_ms is None else (retry_ms - self._clock() * 1000) / 1000
        self._wait(max(0.0, min(until_due, until_retry, self._next_renew - now, MAX_SLEEP_S)))
        if due_ms is not None:
            self._sleep_until(due_ms)

    def _end_pauses(self) -> None:
        """Resumes the jobs whose pause has ended (within the loop's longest sleep, a second). When
        the earliest pause ends is read again only after a job changed."""
        lifecycle = self.store.lifecycle
        if self._resume_at == UNKNOWN:
            self._resume_at = self.store.run(lifecycle.next_resume_ms())
        now_ms = int(self._clock() * 1000)
        if self._resume_at is None or self._resume_at > now_ms:
            return
        for job_id in self.store.run(lifecycle.resumes_due(now_ms=now_ms)):
            try:
                self.store.run(lifecycle.resume(job_id=job_id, actor=PAUSE_END))
            except (NotFound, Conflict):
                continue  # deleted or resumed meanwhile
            self.store.run(
                self.store.audit.record(actor=PAUSE_END.name, ip=None, action="job.resume", target=job_id)
            )
            log.info("job %s resumed: its pause ended", job_id)
        self._resume_at = UNKNOWN

    def _queue_retries(self) -> int | None:
        """Queues the next attempts of failed runs that are due, fenced as fires are; returns when
        the earliest left is due."""
        while self.lease.epoch is not None:
            now_ms = int(self._clock() * 1000)
            done = self.store.run(
                self.store.retries.enqueue_due(lease_value=self.lease.value, now_ms=now_ms, limit=BATCH)
            )
            if not done.fenced:
                self._fenced_off()
                return None
            self.metrics.retries.inc(done.queued)
            if done.queued < BATCH:
                return done.next_ms
        return None

    def _sleep_until(self, due_ms: int) -> None:
        """Sleeps the last stretch to a due time that is at most ``WAKE_EARLY_S`` away."""
        left_s = (due_ms - self._clock() * 1000) / 1000
        if 0 < left_s <= WAKE_EARLY_S:
            time.sleep(left_s)

    def _lead(self) -> bool:
        now = time.monotonic()
        if self.lease.epoch is None:
            if not self.lease.acquire():
                return False
            log.info("leading the cluster (epoch %d)", self.lease.epoch)
            self.metrics.leader_changes.inc()
            self.metrics.is_leader.set(1)
            self._plans.clear()
            if self._pubsub is None:
                self._pubsub = self.store.firing.wake_subscription()
            self._next_renew = now + self.lease.renew_interval_s
            return True
        if now >= self._next_renew:
            if not self.lease.renew():
                log.warning("lost the lease; standing by")
                self.metrics.is_leader.set(0)
                return False
            self._next_renew = now + self.lease.renew_interval_s
        return True

    def fire_due(self) -> int:
        """Enqueues every fire due now, in fenced batches; returns how many were enqueued."""
        # A garbage collection in the middle of a due second (up to ~10 ms with prepared batches
        # alive) would delay every fire after it; it runs once they are enqueued instead.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._fire_due()
        finally:
            if collecting:
                gc.enable()

    def _fire_due(self) -> int:
        enqueued = self._send(self._take_prepared())
        while self.lease.epoch is not None:
            now_ms = int(self._clock() * 1000)
            rows = self.store.firing.due(until_ms=now_ms, limit=BATCH)
            if not rows:
                break
            self._load_plans([job_id for job_id, _ in rows])
            fires = [self._fire_for(job_id, due_ms, now_ms) for job_id, due_ms in rows]
            enqueued += self._send([self.store.firing.prepare(fires=fires)])
            if len(rows) < BATCH:
                break
        return enqueued

    def _send(self, batches: list[PreparedFire]) -> int:
        """Runs fenced batches, pipelined, and counts what they did; returns how many were enqueued.

        Each batch is fenced on its own, so a batch sent behind one that was fenced off is fenced
        off too (the lease never comes back with the same value); what a batch enqueued before the
        lease was lost is still counted. A fenced-off batch makes this node stand down."""
        if not batches:
            return 0
        outcomes = self.store.firing.fire(lease_value=self.lease.value, batches=batches)
        m = self.metrics
        done_ms = int(self._clock() * 1000)
        for batch, outcome in zip(batches, outcomes, strict=True):
            if not outcome.fenced:
                continue
            m.fires.inc(len(outcome.enqueued))
            for _, scheduled_ms in outcome.enqueued:
                m.lag.observe((done_ms - scheduled_ms) / 1000)
            m.suppressed.inc(outcome.suppressed)
            m.missed.inc(sum(fire.missed for fire in batch.fires))
            self._record_missed([fire for fire in batch.fires if fire.missed_span is not None])
        if not all(outcome.fenced for outcome in outcomes):
            self._fenced_off()
        return sum(len(outcome.enqueued) for outcome in outcomes)

    def _record_missed(self, fires: list[Fire]) -> None:
        """A missed run for each job whose fires were given up (docs/architecture.md, "Runs"), so
        "why didn't it run?" has an answer in its history. Rare: after an outage."""
        now = time.time()  # when it is recorded: the run log keeps what is recent by this clock
        for fire in fires:
            plan = self._plans.get(fire.job_id)
            if plan is None or fire.missed_span is None:
                continue
            run = missed_run(
                job_id=fire.job_id,
                spec=plan.spec,
                count=fire.missed,
                span=fire.missed_span,
                grace_s=plan.grace_ms / 1000,
                now=now,
            )
            self.store.run(self.store.runs.record(job_id=fire.job_id, run=run))

    def _fenced_off(self) -> None:
        log.warning("fenced off: another scheduler holds the lease; standing by")
        self.lease.lose()
        self.metrics.is_leader.set(0)

    def _prepare(self, due_ms: int) -> None:
        """Prepares the fires due at ``due_ms`` while the loop waits for it."""
        kept = self._prepared
        if kept is not None and kept.due_ms == due_ms and kept.epoch == self.lease.epoch:
            return
        self._prepared = None
        if self.lease.epoch is None or due_ms - self._clock() * 1000 < PREPARE_LEAD_MS:
            return
        rows = self.store.firing.due(until_ms=due_ms, limit=PREPARE_MAX)
        self._load_plans([job_id for job_id, _ in rows])
        fires = [self._fire_for(job_id, ms, due_ms) for job_id, ms in rows]
        live = [f for f in fires if f.fire_ms]  # a deleted job's fire is decided for good
        ends = [min(f.fire_ms) + f.grace_ms + 1 for f in live] + [f.next_ms for f in live if f.next_ms]
        until_ms = min(ends, default=MAX_MS)
        batches = [self.store.firing.prepare(fires=fires[i : i + BATCH]) for i in range(0, len(fires), BATCH)]
        self._prepared = Prepared(epoch=self.lease.epoch, due_ms=due_ms, until_ms=until_ms, batches=batches)

    def _take_prepared(self) -> list[PreparedFire]:
        """The prepared batches, if their time has come and they still hold; else nothing."""
        prepared = self._prepared
        if prepared is None:
            return []
        now_ms = int(self._clock() * 1000)
        if now_ms < prepared.due_ms:
            return []  # kept for when it is due
        self._prepared = None
        if now_ms >= prepared.until_ms or prepared.epoch != self.lease.epoch:
            return []
        return prepared.batches

    def _load_plans(self, job_ids: list[str]) -> None:
        missing = [job_id for job_id in job_ids if job_id not in self._plans]
        if not missing:
            return
        settings = self.settings
        for job_id, found in self.store.run(self.store.jobs.specs(job_ids=missing)).items():
            if found is None:
                self._plans[job_id] = None
                continue
            spec, version = found
            self._plans[job_id] = Plan(
                schedule=policy.schedule_of(spec, settings),
                catchup=spec.catchup,
                grace_ms=policy.misfire_grace_ms(spec, settings),
                run_timeout_s=policy.run_timeout_s(spec, settings),
                version=version,
                spec=spec,
            )

    def _fire_for(self, job_id: str, due_ms: int, now_ms: int) -> Fire:
        """Decides which of the times from ``due_ms`` to now to fire (``policy.catch_up``)."""
        plan = self._plans.get(job_id)
        if plan is None:  # deleted: the script drops the due entry
            return Fire(
                job_id=job_id, expected_ms=due_ms, fire_ms=[], next_ms=None, run_timeout_s=0, grace_ms=0
            )
        decided = policy.catch_up(
            plan.schedule, due_ms=due_ms, now_ms=now_ms, grace_ms=plan.grace_ms, catchup=plan.catchup
        )
        return Fire(
            job_id=job_id,
            expected_ms=due_ms,
            fire_ms=decided.fire_ms,
            next_ms=decided.next_ms,
            run_timeout_s=plan.run_timeout_s,
            grace_ms=plan.grace_ms,
            missed=decided.missed,
            version=plan.version,
            missed_span=decided.missed_span,
        )

    def _wait(self, timeout_s: float) -> None:
        """Sleeps up to ``timeout_s``, woken early by a job change: its cached plan is dropped, and the
        prepared second with it (prepared again, with the change, while there is time)."""
        self._waiting = True
        try:
            if self._stopping:
                raise Stop
            if self._pubsub is None:
                time.sleep(timeout_s)
                return
            message = self._pubsub.get_message(timeout=timeout_s)
            while message is not None:
                self._plans.pop(message["data"].decode(), None)
                self._prepared = None
                self._resume_at = UNKNOWN
                message = self._pubsub.get_message(timeout=0)
        finally:
            self._waiting = False

    def _on_redis_error(self, exc: RedisError, backoff_s: float) -> None:
        if self.lease.epoch is not None:
            log.warning("Redis error while leading (%s); standing by until it is back", type(exc).__name__)
        else:
            log.debug("Redis unreachable (%s); retrying in %.2f s", type(exc).__name__, backoff_s)
        self.lease.lose()
        self.metrics.is_leader.set(0)
        self._plans.clear()
        self._pubsub = None  # its connection died with Redis; a new leadership subscribes afresh
        self._wait(backoff_s)

    def _shutdown(self) -> None:
        try:
            if self.lease.release():
                log.info("released the lease")
            if self._pubsub is not None:
                self._pubsub.close()
        except RedisError:
            pass

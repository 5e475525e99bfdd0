"""The prepared-batch path: fires decided and packed before their due time, sent pipelined at it.

``Scheduler._prepare`` / ``_take_prepared`` and ``Firing.prepare`` / ``fire`` against a
real Redis, with a clock the test controls.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest
import redis
from rq import Queue
from rq.job import Job

from unicron_core import keys
from unicron_core.apikeys import OPERATOR
from unicron_core.lease import Lease
from unicron_core.models import JobSpec
from unicron_core.policy import CATCHUP_ALL_MAX
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_core.store.firing import Fire, FireOutcome, Firing, PreparedFire
from unicron_core.store.rqhash import fire_id
from unicron_scheduler.scheduler import (
    BATCH,
    PREPARE_LEAD_MS,
    PREPARE_MAX,
    WAKE_EARLY_S,
    Scheduler,
)
from unicron_testkit.firelog import fire_log

SECOND_MS = 1000
T0 = 1_800_000_000_000  # a whole minute, in 2027
DUE_MS = T0 + SECOND_MS  # the first fire of an every-second job created at T0
LEASE_TTL_MS = 30_000


class Clock:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> float:
        return self.ms / 1000


def _jobs(store: Store, n: int, schedule: str = "* * * * * *") -> list[str]:
    spec = JobSpec(name="j", schedule=schedule, command="true", timezone="UTC")
    return [store.run(store.jobs.create(spec=spec, now_ms=T0, actor=OPERATOR)) for _ in range(n)]


def _queued(store: Store) -> list[str]:
    return list(Queue(store.queue.name, connection=store.redis).get_job_ids())


def _leader(store: Store, settings: Settings, clock: Clock) -> Scheduler:
    # A lease that outlives a slow test machine: these tests are about batches, not the lease's TTL.
    settings = settings.model_copy(update={"lease_ttl_ms": LEASE_TTL_MS})
    scheduler = Scheduler(store=store, settings=settings, clock=clock)
    assert scheduler.lease.acquire()
    return scheduler


def _fire(job_id: str, due_ms: int = DUE_MS) -> Fire:
    return Fire(
        job_id=job_id,
        expected_ms=due_ms,
        fire_ms=[due_ms],
        next_ms=due_ms + SECOND_MS,
        run_timeout_s=1,
        grace_ms=60_000,
    )


# -- Firing.prepare / fire ---------------------------------------------------------------------


def test_batches_sent_together_each_report_their_own_outcome(store: Store) -> None:
    a, b, c = _jobs(store, 3)
    lease = Lease(store=store, ttl_ms=5000)
    assert lease.acquire()
    first = store.firing.prepare(fires=[_fire(a), _fire(b)])
    again = store.firing.prepare(fires=[_fire(b), _fire(c)])  # b's fire is already done by then
    outcomes = store.firing.fire(lease_value=lease.value, batches=[first, again])
    assert [o.enqueued for o in outcomes] == [[(a, DUE_MS), (b, DUE_MS)], [(c, DUE_MS)]]
    assert _queued(store) == [fire_id(j, DUE_MS) for j in (a, b, c)]


def test_a_batch_with_more_fires_than_one_push_takes_queues_them_in_order(store: Store) -> None:
    job_ids = _jobs(store, 11)
    lease = Lease(store=store, ttl_ms=5000)
    assert lease.acquire()
    times = [DUE_MS + i * SECOND_MS for i in range(CATCHUP_ALL_MAX)]  # catch-up "all", capped
    next_ms = times[-1] + SECOND_MS
    fires = [
        Fire(job_id=j, expected_ms=DUE_MS, fire_ms=times, next_ms=next_ms, run_timeout_s=1, grace_ms=0)
        for j in job_ids
    ]
    (outcome,) = store.firing.fire(lease_value=lease.value, batches=[store.firing.prepare(fires=fires)])
    assert len(outcome.enqueued) == 11 * CATCHUP_ALL_MAX  # more than FIRE's PUSH_CHUNK (1,000)
    assert _queued(store) == [fire_id(j, ms) for j in job_ids for ms in times]


def test_rq_s_unique_id_guards_every_fire_of_a_batch(store: Store) -> None:
    job_ids = _jobs(store, 3)
    lease = Lease(store=store, ttl_ms=5000)
    assert lease.acquire()
    (outcome,) = store.firing.fire(
        lease_value=lease.value, batches=[store.firing.prepare(fires=[_fire(j) for j in job_ids])]
    )
    assert len(outcome.enqueued) == 3
    written = {j: store.redis.hgetall(Job.key_for(fire_id(j, DUE_MS))) for j in job_ids}
    # The markers gone (as if expired) and the due entries put back: only RQ's unique id is left to
    # refuse them, for the batch's first hash (written field by field) and the copied ones alike.
    store.redis.delete(*[keys.fired(j, DUE_MS) for j in job_ids])
    store.redis.zadd(keys.DUE, dict.fromkeys(job_ids, DUE_MS))
    (again,) = store.firing.fire(
        lease_value=lease.value, batches=[store.firing.prepare(fires=[_fire(j) for j in job_ids])]
    )
    assert (again.enqueued, again.suppressed) == ([], 3)
    assert _queued(store) == [fire_id(j, DUE_MS) for j in job_ids]
    assert {j: store.redis.hgetall(Job.key_for(fire_id(j, DUE_MS))) for j in job_ids} == written


def test_a_stale_lease_fences_off_every_batch(store: Store) -> None:
    job_ids = _jobs(store, 4)
    old = Lease(store=store, ttl_ms=5000)
    assert old.acquire()
    stale = old.value
    assert old.release()
    assert Lease(store=store, ttl_ms=5000).acquire()
    batches = [store.firing.prepare(fires=[_fire(j) for j in job_ids[i : i + 2]]) for i in (0, 2)]
    outcomes = store.firing.fire(lease_value=stale, batches=batches)
    assert outcomes == [FireOutcome(fenced=False), FireOutcome(fenced=False)]
    assert _queued(store) == []
    assert store.redis.zcount(keys.DUE, DUE_MS, DUE_MS) == 4  # nothing moved on either


def test_a_prepared_batch_runs_after_redis_forgot_the_script(store: Store, redis_client: redis.Redis) -> None:
    (job_id,) = _jobs(store, 1)
    lease = Lease(store=store, ttl_ms=5000)
    assert lease.acquire()
    batch = store.firing.prepare(fires=[_fire(job_id)])
    redis_client.script_flush()  # as after a restart: EVALSHA answers NOSCRIPT
    (outcome,) = store.firing.fire(lease_value=lease.value, batches=[batch])
    assert outcome.enqueued == [(job_id, DUE_MS)]


def test_a_connection_killed_after_the_prepare_is_replaced(store: Store, redis_client: redis.Redis) -> None:
    (job_id,) = _jobs(store, 1)
    lease = Lease(store=store, ttl_ms=5000)
    assert lease.acquire()
    batch = store.firing.prepare(fires=[_fire(job_id)])
    assert redis_client.client_kill_filter(_type="normal", skipme=True) >= 1  # the store's connection
    (outcome,) = store.firing.fire(lease_value=lease.value, batches=[batch])
    assert outcome.enqueued == [(job_id, DUE_MS)]


# -- Scheduler._prepare / _take_prepared ---------------------------------------------------------


def test_fires_are_prepared_ahead_and_sent_when_due(store: Store, settings: Settings) -> None:
    job_ids = _jobs(store, BATCH + 10)  # two batches
    clock = Clock(DUE_MS - 500)
    scheduler = _leader(store, settings, clock)
    scheduler._prepare(DUE_MS)
    prepared = scheduler._prepared
    assert prepared is not None
    assert [len(b.fires) for b in prepared.batches] == [BATCH, 10]
    assert prepared.until_ms == DUE_MS + SECOND_MS  # the next fire would be a catch-up decision
    assert scheduler._take_prepared() == []  # not yet due: kept
    assert scheduler._prepared is prepared
    clock.ms = DUE_MS + 3
    assert scheduler.fire_due() == BATCH + 10
    assert scheduler._prepared is None
    assert sorted(_queued(store)) == sorted(fire_id(j, DUE_MS) for j in job_ids)
    assert store.firing.next_due_ms() == DUE_MS + SECOND_MS
    assert scheduler.metrics.registry.get_sample_value("unicron_scheduler_fires_total") == BATCH + 10


def test_too_close_to_the_due_time_nothing_is_prepared(store: Store, settings: Settings) -> None:
    _jobs(store, 1)
    scheduler = _leader(store, settings, Clock(DUE_MS - PREPARE_LEAD_MS + 1))
    scheduler._prepare(DUE_MS)
    assert scheduler._prepared is None


def test_prepared_batches_past_their_window_are_thrown_away(store: Store, settings: Settings) -> None:
    (job_id,) = _jobs(store, 1)
    clock = Clock(DUE_MS - 500)
    scheduler = _leader(store, settings, clock)
    scheduler._prepare(DUE_MS)
    clock.ms = DUE_MS + 2 * SECOND_MS  # the process stalled: three times are due now
    assert scheduler._take_prepared() == []
    assert scheduler.fire_due() == 3  # the live path decides: every time is within the grace
    assert _queued(store) == [fire_id(job_id, DUE_MS + i * SECOND_MS) for i in range(3)]


def test_prepared_batches_of_a_lost_leadership_are_thrown_away(store: Store, settings: Settings) -> None:
    (job_id,) = _jobs(store, 1)
    clock = Clock(DUE_MS - 500)
    scheduler = _leader(store, settings, clock)
    scheduler._prepare(DUE_MS)
    assert scheduler.lease.release()
    assert scheduler.lease.acquire()  # leading again, with a new epoch
    clock.ms = DUE_MS
    assert scheduler._take_prepared() == []
    scheduler._prepare(DUE_MS)  # too late to prepare: the live path fires it
    assert scheduler.fire_due() == 1
    assert _queued(store) == [fire_id(job_id, DUE_MS)]


def test_a_job_deleted_after_its_fire_was_prepared_is_skipped(store: Store, settings: Settings) -> None:
    gone, kept = _jobs(store, 2)
    clock = Clock(DUE_MS - 500)
    scheduler = _leader(store, settings, clock)
    scheduler._prepare(DUE_MS)
    store.run(store.jobs.delete(job_id=gone, actor=OPERATOR))
    clock.ms = DUE_MS
    assert scheduler.fire_due() == 1
    assert _queued(store) == [fire_id(kept, DUE_MS)]
    assert [job for _, job, _, _ in fire_log(store.redis)] == [kept]


def test_a_job_created_after_the_batches_were_prepared_fires_too(store: Store, settings: Settings) -> None:
    (early,) = _jobs(store, 1)
    clock = Clock(DUE_MS - 500)
    scheduler = _leader(store, settings, clock)
    scheduler._prepare(DUE_MS)
    (late,) = _jobs(store, 1)
    clock.ms = DUE_MS
    assert scheduler.fire_due() == 2
    assert _queued(store) == [fire_id(early, DUE_MS), fire_id(late, DUE_MS)]


def test_a_job_change_has_the_second_prepared_again(store: Store, settings: Settings) -> None:
    """Jobs registered after their first second was prepared go in its batches, not down the live
    path at the due time (1,000 created at once made that second ~100 ms late)."""
    (early,) = _jobs(store, 1)
    clock = Clock(DUE_MS - 500)
    scheduler = _leader(store, settings, clock)
    scheduler._pubsub = store.firing.wake_subscription()
    scheduler._prepare(DUE_MS)
    (late,) = _jobs(store, 1)  # publishes the change
    deadline = time.monotonic() + 5  # the first read may be the subscription's own confirmation
    while scheduler._prepared is not None and time.monotonic() < deadline:
        scheduler._wait(0.5)
    assert scheduler._prepared is None
    scheduler._prepare(DUE_MS)
    prepared = scheduler._prepared
    assert prepared is not None
    assert sorted(f.job_id for b in prepared.batches for f in b.fires) == sorted([early, late])


@pytest.mark.timeout(60)
def test_a_burst_bigger_than_what_is_prepared_goes_on_live(store: Store, settings: Settings) -> None:
    job_ids = _jobs(store, PREPARE_MAX + 5)
    clock = Clock(DUE_MS - 500)
    scheduler = _leader(store, settings, clock)
    scheduler._prepare(DUE_MS)
    assert scheduler._prepared is not None
    assert sum(len(b.fires) for b in scheduler._prepared.batches) == PREPARE_MAX
    clock.ms = DUE_MS
    assert scheduler.fire_due() == PREPARE_MAX + 5
    assert len(set(_queued(store))) == len(job_ids)


def test_the_last_stretch_to_a_due_time_is_slept(store: Store, settings: Settings) -> None:
    clock = Clock(DUE_MS - 1)
    scheduler = Scheduler(store=store, settings=settings, clock=clock)
    started = time.perf_counter()
    scheduler._sleep_until(DUE_MS)  # 1 ms, by the real clock
    assert time.perf_counter() - started >= 0.0009
    clock.ms = DUE_MS - int(WAKE_EARLY_S * 1000) - 500  # further than the last stretch: the wait's
    started = time.perf_counter()
    scheduler._sleep_until(DUE_MS)
    assert time.perf_counter() - started < 0.25


class _LeaseLostMidway(Firing):
    """Firing whose lease is taken over between the first batch and the rest (a real Redis runs
    each; only the moment is forced, which no timing could make deterministic)."""

    def __init__(self, store: Store) -> None:
        super().__init__(redis=store.redis, scripts=store.scripts, settings=store.settings, rq=store.rq)
        self._store = store

    def fire(self, *, lease_value: str, batches: Sequence[PreparedFire]) -> list[FireOutcome]:
        first = super().fire(lease_value=lease_value, batches=batches[:1])
        self._store.redis.delete(keys.LEASE)
        assert Lease(store=self._store, ttl_ms=5000).acquire()
        return first + super().fire(lease_value=lease_value, batches=batches[1:])


def test_what_was_enqueued_before_a_fence_is_counted(settings: Settings) -> None:
    store = Store.from_settings(settings)
    store.firing = _LeaseLostMidway(store)
    _jobs(store, BATCH + 10)
    clock = Clock(DUE_MS - 500)
    scheduler = _leader(store, settings, clock)
    scheduler._prepare(DUE_MS)
    clock.ms = DUE_MS
    assert scheduler.fire_due() == BATCH
    assert scheduler.lease.epoch is None  # stood down
    assert len(_queued(store)) == BATCH
    sample = scheduler.metrics.registry.get_sample_value
    assert sample("unicron_scheduler_fires_total") == BATCH
    assert sample("unicron_scheduler_fire_lag_seconds_count") == BATCH
    assert sample("unicron_scheduler_is_leader") == 0

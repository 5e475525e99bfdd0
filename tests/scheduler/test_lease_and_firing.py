"""The lease, the epoch fence, idempotent fires and catch-up, against a real Redis."""

from __future__ import annotations

import time

import pytest
from rq import Queue

from unicron_core import keys
from unicron_core.apikeys import OPERATOR
from unicron_core.lease import Lease, holder_epoch
from unicron_core.models import JobSpec
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_core.store.firing import Fire
from unicron_scheduler.scheduler import Scheduler
from unicron_testkit.firelog import fire_log
from unicron_testkit.waiting import wait_for

MINUTE_MS = 60_000
T0 = 1_800_000_000_000  # a whole minute, in 2027


def _job(store: Store, schedule: str = "* * * * *", now_ms: int = T0, **fields: object) -> str:
    spec = JobSpec.model_validate(
        {"name": "j", "schedule": schedule, "command": "true", "timezone": "UTC", **fields}
    )
    return store.run(store.jobs.create(spec=spec, now_ms=now_ms, actor=OPERATOR))


def _queued(store: Store) -> list[str]:
    return list(Queue(store.queue.name, connection=store.redis).get_job_ids())


def test_one_holder_and_a_new_epoch_per_acquisition(store: Store) -> None:
    a = Lease(store=store, ttl_ms=600)
    b = Lease(store=store, ttl_ms=600)
    assert a.acquire()
    assert not b.acquire()
    assert a.renew()
    assert a.release()
    assert b.acquire()
    assert b.epoch == (a.epoch or 0) + 1 or a.epoch is None
    assert not a.renew()  # a let go; b holds it now
    assert holder_epoch(store.redis) == b.epoch


def test_a_paused_leader_is_fenced_off(store: Store) -> None:
    job_id = _job(store)
    old = Lease(store=store, ttl_ms=300)
    assert old.acquire()
    stale_value = old.value
    wait_for(lambda: holder_epoch(store.redis) is None, 2, message="the lease to lapse")
    new = Lease(store=store, ttl_ms=5000)
    assert new.acquire()
    fire = Fire(
        job_id=job_id,
        expected_ms=T0 + MINUTE_MS,
        fire_ms=[T0 + MINUTE_MS],
        next_ms=T0 + 2 * MINUTE_MS,
        run_timeout_s=1,
        grace_ms=60_000,
    )
    outcome = store.firing.fire(lease_value=stale_value, batches=[store.firing.prepare(fires=[fire])])[0]
    assert not outcome.fenced
    assert _queued(store) == []
    outcome = store.firing.fire(lease_value=new.value, batches=[store.firing.prepare(fires=[fire])])[0]
    assert outcome.enqueued == [(job_id, T0 + MINUTE_MS)]
    assert _queued(store) == [f"{job_id}-{T0 + MINUTE_MS}"]


def test_the_same_fire_is_enqueued_once(store: Store) -> None:
    job_id = _job(store)
    lease = Lease(store=store, ttl_ms=5000)
    assert lease.acquire()
    due = T0 + MINUTE_MS
    fire = Fire(
        job_id=job_id,
        expected_ms=due,
        fire_ms=[due],
        next_ms=due + MINUTE_MS,
        run_timeout_s=1,
        grace_ms=60_000,
    )
    assert (
        len(
            store.firing.fire(lease_value=lease.value, batches=[store.firing.prepare(fires=[fire])])[
                0
            ].enqueued
        )
        == 1
    )
    # Replayed (e.g. by a leader that did not see its own reply): the index moved on, nothing happens.
    assert (
        store.firing.fire(lease_value=lease.value, batches=[store.firing.prepare(fires=[fire])])[0].enqueued
        == []
    )
    # Even with the index put back, the fire marker suppresses it.
    store.redis.zadd(keys.DUE, {job_id: due})
    outcome = store.firing.fire(lease_value=lease.value, batches=[store.firing.prepare(fires=[fire])])[0]
    assert outcome.enqueued == []
    assert outcome.suppressed == 1
    assert _queued(store) == [f"{job_id}-{due}"]


def test_rq_job_holds_ids_only(store: Store) -> None:
    job_id = _job(store, http_url=None, command="echo very-secret-thing")
    lease = Lease(store=store, ttl_ms=5000)
    assert lease.acquire()
    due = T0 + MINUTE_MS
    store.firing.fire(
        lease_value=lease.value,
        batches=[
            store.firing.prepare(
                fires=[
                    Fire(
                        job_id=job_id,
                        expected_ms=due,
                        fire_ms=[due],
                        next_ms=None,
                        run_timeout_s=1,
                        grace_ms=0,
                    )
                ]
            )
        ],
    )[0]
    rq_job = Queue(store.queue.name, connection=store.redis).fetch_job(f"{job_id}-{due}")
    assert rq_job is not None
    assert rq_job.args == (job_id, due, 1)  # the job, the fire time, the version of its definition
    assert "secret" not in (rq_job.description or "")


class Clock:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> float:
        return self.ms / 1000


def _scheduler(store: Store, settings: Settings, clock: Clock) -> Scheduler:
    scheduler = Scheduler(store=store, settings=settings, clock=clock)
    assert scheduler.lease.acquire()
    return scheduler


def test_fires_on_time_and_moves_on(store: Store, settings: Settings) -> None:
    job_id = _job(store)
    clock = Clock(T0 + MINUTE_MS - 1)
    scheduler = _scheduler(store, settings, clock)
    assert scheduler.fire_due() == 0  # never early
    clock.ms = T0 + MINUTE_MS
    assert scheduler.fire_due() == 1
    assert store.run(store.jobs.get(job_id=job_id)).next_run == (T0 + 2 * MINUTE_MS) / 1000


@pytest.mark.parametrize(
    ("catchup", "expected_fires"),
    [
        ("latest", [T0 + 8 * MINUTE_MS, T0 + 9 * MINUTE_MS, T0 + 10 * MINUTE_MS]),
        ("none", [T0 + 9 * MINUTE_MS, T0 + 10 * MINUTE_MS]),
        ("all", [T0 + i * MINUTE_MS for i in range(1, 11)]),
    ],
)
def test_catch_up_after_downtime(
    store: Store, settings: Settings, catchup: str, expected_fires: list[int]
) -> None:
    # Due every minute from T0+1m; the scheduler comes back at T0+10m with a 90 s grace: the fires
    # at 9m and 10m are within the grace, 1m..8m are missed (8 of them).
    job_id = _job(store, catchup=catchup, misfire_grace=90)
    clock = Clock(T0 + 10 * MINUTE_MS)
    scheduler = _scheduler(store, settings, clock)
    scheduler.fire_due()
    assert _queued(store) == [f"{job_id}-{ms}" for ms in expected_fires]
    job = store.run(store.jobs.get(job_id=job_id))
    assert job.missed_count == 8
    assert job.next_run == (T0 + 11 * MINUTE_MS) / 1000
    # "Why didn't it run?": the fires given up are one missed run, with when and why.
    missed = store.run(store.runs.find(job_id=job_id, run_id=f"{job_id}-{T0 + MINUTE_MS}-missed"))
    assert missed is not None and missed.status == "missed" and missed.scheduled == (T0 + MINUTE_MS) / 1000
    assert missed.reason is not None and missed.reason.startswith("missed: 8 fire(s) from ")
    assert (
        "not fired within the misfire grace (90 s)" in missed.reason
        and f"catchup: {catchup}" in missed.reason
    )


def test_deleted_job_is_not_fired_and_leaves_the_index(store: Store, settings: Settings) -> None:
    job_id = _job(store)
    clock = Clock(T0 + MINUTE_MS)
    scheduler = _scheduler(store, settings, clock)
    store.redis.delete(keys.job(job_id))  # deleted behind the index's back
    assert scheduler.fire_due() == 0
    assert store.firing.next_due_ms() is None


def test_a_burst_is_fired_in_batches(store: Store, settings: Settings) -> None:
    for _ in range(1200):
        _job(store)
    scheduler = _scheduler(store, settings, Clock(T0 + MINUTE_MS))
    started = time.perf_counter()
    assert scheduler.fire_due() == 1200
    assert time.perf_counter() - started < 10
    assert len(_queued(store)) == 1200


def test_metrics_count_fires_lag_and_misses(store: Store, settings: Settings) -> None:
    _job(store, misfire_grace=90)
    scheduler = _scheduler(store, settings, Clock(T0 + 10 * MINUTE_MS))
    scheduler.fire_due()
    sample = scheduler.metrics.registry.get_sample_value
    assert sample("unicron_scheduler_fires_total") == 3
    assert sample("unicron_scheduler_missed_fires_total") == 8
    assert sample("unicron_scheduler_fire_lag_seconds_count") == 3
    assert sample("unicron_scheduler_fire_lag_seconds_bucket", {"le": "60.0"}) == 2  # 10m and 9m


def test_fire_log_records_every_enqueue_with_its_epoch(store: Store, settings: Settings) -> None:
    job_id = _job(store)
    scheduler = _scheduler(store, settings, Clock(T0 + 2 * MINUTE_MS))
    scheduler.fire_due()
    log = fire_log(store.redis)
    assert [(job, ms, epoch) for _, job, ms, epoch in log] == [
        (job_id, T0 + MINUTE_MS, scheduler.lease.epoch),
        (job_id, T0 + 2 * MINUTE_MS, scheduler.lease.epoch),
    ]
    assert all(abs(enqueued_ms - time.time() * 1000) < 5000 for enqueued_ms, *_ in log)


def test_a_standby_learns_when_the_lease_lapses(store: Store) -> None:
    holder = Lease(store=store, ttl_ms=2000)
    standby = Lease(store=store, ttl_ms=2000)
    assert holder.acquire()
    assert not standby.acquire()
    assert 1500 < standby.holder_left_ms <= 2000

"""The FIRE and CREATE_TASK scripts write exactly the RQ job hash that RQ itself would (``Job.to_dict()``).

``Store.fire`` sends the hash fields every fire of a batch shares once, and builds ``data`` and
``description`` per fire without an RQ ``Job`` (a ``make bench`` speed-up); this holds it to RQ's
own serialisation, so an RQ upgrade that changes it fails here rather than in a worker.
"""

from __future__ import annotations

from typing import Any

import redis
from rq.job import Job

from unicron_core.apikeys import OPERATOR
from unicron_core.lease import Lease
from unicron_core.models import JobSpec, TaskSpec
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_core.store.firing import Fire
from unicron_core.store.rqhash import FIRE_FUNC, TASK_FUNC, fire_id

DUE_MS = 1_800_000_060_000  # a whole minute: the first fire of a job created a minute before
TIMESTAMPS = {b"created_at", b"enqueued_at"}  # "now" when written: per batch, not per fire


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(getattr(value, "value", value)).encode()


def test_fire_writes_the_hash_rq_would(redis_url: str, redis_client: redis.Redis) -> None:
    store = Store.from_settings(Settings(key="bench-test-key-0123456789", redis_url=redis_url, tz="UTC"))
    spec = JobSpec(name="j", schedule="* * * * *", http_url="http://127.0.0.1:9/", timeout=7, timezone="UTC")
    job_ids = [
        store.run(store.jobs.create(spec=spec, now_ms=DUE_MS - 60_000, actor=OPERATOR)) for _ in range(3)
    ]
    lease = Lease(store=store, ttl_ms=5000)
    assert lease.acquire()
    fires = [
        Fire(job_id=j, expected_ms=DUE_MS, fire_ms=[DUE_MS], next_ms=None, run_timeout_s=7 + i, grace_ms=0)
        for i, j in enumerate(job_ids)
    ]
    outcome = store.firing.fire(lease_value=lease.value, batches=[store.firing.prepare(fires=fires)])[0]
    assert len(outcome.enqueued) == 3
    for fire in fires:
        rq_id = fire_id(fire.job_id, DUE_MS)
        written = redis_client.hgetall(Job.key_for(rq_id))
        args = (fire.job_id, DUE_MS, fire.version)  # the fire, and the version of the job it runs
        expected = store.rq.job(FIRE_FUNC, args, rq_id, fire.run_timeout_s).to_dict()
        want = {k.encode(): _bytes(v) for k, v in expected.items() if v is not None}
        assert {k: v for k, v in written.items() if k not in TIMESTAMPS} == {
            k: v for k, v in want.items() if k not in TIMESTAMPS
        }
        assert written.keys() >= TIMESTAMPS
        job = Job.fetch(rq_id, connection=redis_client)
        assert (job.func_name, job.args, job.timeout) == (
            FIRE_FUNC,
            (fire.job_id, DUE_MS, 1),
            60 + fire.run_timeout_s,
        )


def test_a_task_writes_the_hash_rq_would(redis_url: str, redis_client: redis.Redis) -> None:
    store = Store.from_settings(Settings(key="bench-test-key-0123456789", redis_url=redis_url, tz="UTC"))
    spec = TaskSpec(name="t", http_url="http://127.0.0.1:9/", timeout=11)
    task_id = store.run(store.tasks.create(spec=spec, actor=OPERATOR))
    written = redis_client.hgetall(Job.key_for(task_id))
    expected = store.rq.job(TASK_FUNC, (task_id,), task_id, 11).to_dict()
    want = {k.encode(): _bytes(v) for k, v in expected.items() if v is not None}
    assert {k: v for k, v in written.items() if k not in TIMESTAMPS} == {
        k: v for k, v in want.items() if k not in TIMESTAMPS
    }
    job = Job.fetch(task_id, connection=redis_client)
    assert (job.func_name, job.args, job.timeout, job.get_status()) == (TASK_FUNC, (task_id,), 71, "queued")
    assert redis_client.lrange(store.queue.key, 0, -1) == [task_id.encode()]

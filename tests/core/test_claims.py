"""Claiming RQ jobs a batch at once: each job marked started as RQ's own worker marks it, on RQ's
started registry (so RQ's tools and its abandoned-job handling see it), kept by heartbeats,
forgotten when done."""

from __future__ import annotations

import time

import redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from unicron_core.apikeys import OPERATOR
from unicron_core.models import TaskSpec
from unicron_core.settings import Settings
from unicron_core.store import Store, rqhash
from unicron_core.store.rqhash import TASK_FUNC

KEY = "claims-test-key-0123456789abcdef"


def _store(redis_url: str) -> Store:
    store = Store.from_settings(Settings(key=KEY, redis_url=redis_url, tz="UTC"))
    store.run(store.cluster.verify())
    return store


def _tasks(store: Store, n: int) -> list[str]:
    spec = TaskSpec(name="t", http_url="http://example.com/")
    return [store.run(store.tasks.create(spec=spec, actor=OPERATOR)) for _ in range(n)]


def test_a_batch_is_claimed_as_rq_starts_a_job(redis_client: redis.Redis, redis_url: str) -> None:
    store = _store(redis_url)
    task_ids = _tasks(store, 5)
    deadline = time.time() + 30
    claimed = store.run(store.claims.claim(worker="w1", limit=3, deadline_s=deadline))
    assert [c.rq_id for c in claimed] == task_ids[:3]  # in queue order, at most the limit
    assert {(c.func, c.args) for c in claimed} == {(TASK_FUNC, (task_id,)) for task_id in task_ids[:3]}
    queue = Queue(store.settings.queue, connection=redis_client)
    assert queue.get_job_ids() == task_ids[3:]
    registry = StartedJobRegistry(queue=queue)
    assert sorted(registry.get_job_and_execution_ids()) == sorted((c.rq_id, c.execution) for c in claimed)
    for c in claimed:
        job = Job.fetch(c.rq_id, connection=redis_client)
        assert job.get_status() == JobStatus.STARTED
        assert job.worker_name == "w1" and job.started_at is not None and job.last_heartbeat is not None
        assert redis_client.zscore(registry.key, c.member) == int(deadline)


def test_heartbeats_move_deadlines_and_done_forgets(redis_client: redis.Redis, redis_url: str) -> None:
    store = _store(redis_url)
    _tasks(store, 2)
    first, second = store.run(store.claims.claim(worker="w", limit=10, deadline_s=time.time() + 30))
    key = store.rq.started_key
    store.run(store.claims.done(runs=[first]))
    later = time.time() + 60
    store.run(store.claims.beat(runs=[first, second], deadline_s=later))
    assert redis_client.zscore(key, second.member) == int(later)
    assert redis_client.zscore(key, first.member) is None  # a beat never brings a finished run back
    assert not redis_client.exists(rqhash.job_key(first.rq_id))


def test_the_waited_id_comes_first_and_a_deleted_job_is_dropped(
    redis_client: redis.Redis, redis_url: str
) -> None:
    store = _store(redis_url)
    gone, waited, after = _tasks(store, 3)
    redis_client.delete(rqhash.job_key(gone))
    assert store.run(store.claims.wait(timeout_s=0.1)) == gone  # moved to the intermediate list
    assert store.run(store.claims.wait(timeout_s=0.1)) == waited
    claimed = store.run(store.claims.claim(worker="w", limit=2, deadline_s=time.time() + 30, waited=waited))
    assert [c.rq_id for c in claimed] == [waited, after]
    assert redis_client.lrange(store.rq.intermediate_key, 0, -1) == [gone.encode()]  # maintenance's
    assert store.run(store.claims.wait(timeout_s=0.1)) is None


def test_an_abort_between_the_wait_and_the_claim_drops_the_run(redis_url: str) -> None:
    store = _store(redis_url)
    (task_id,) = _tasks(store, 1)
    waited = store.run(store.claims.wait(timeout_s=1))
    assert waited == task_id  # on the intermediate list now, neither queued nor started
    aborted = store.run(store.aborts.task(task_id=task_id, actor=OPERATOR))
    assert aborted.status == "aborted"
    assert (
        store.run(store.claims.claim(worker="w", limit=10, deadline_s=time.time() + 30, waited=waited)) == []
    )
    assert store.run(store.tasks.get(task_id=task_id)).status.value == "REVOKED"

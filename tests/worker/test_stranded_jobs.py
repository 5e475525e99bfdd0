"""A job popped by a worker that died before starting it is queued again, not failed."""

from __future__ import annotations

import time

import redis
from rq import Queue

from unicron_core.apikeys import OPERATOR
from unicron_core.models import TaskSpec
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_worker.engine import STRANDED_AFTER_S, _requeue_stranded


def test_stranded_job_is_queued_again(redis_url: str, redis_client: redis.Redis) -> None:
    store = Store.from_settings(
        Settings(key="stranded-test-key-0123456789", redis_url=redis_url, allow_commands=True)
    )
    task_id = store.run(store.tasks.create(spec=TaskSpec(name="t", command="true"), actor=OPERATOR))
    queue = Queue(store.queue.name, connection=redis_client)
    # What RQ's dequeue does (BLMOVE into the intermediate list), then the worker died.
    redis_client.lmove(queue.key, queue.intermediate_queue.key)
    assert queue.get_job_ids() == []

    _requeue_stranded(queue)  # first sighting: only noted
    assert queue.get_job_ids() == []
    first_seen_key = queue.intermediate_queue.get_first_seen_key(task_id)
    redis_client.set(first_seen_key, time.time() - STRANDED_AFTER_S - 1)
    _requeue_stranded(queue)
    assert queue.get_job_ids() == [task_id]
    assert queue.intermediate_queue.get_job_ids() == []

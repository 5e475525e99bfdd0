"""A worker killed mid-run leaves nothing STARTED: another worker's maintenance fails the task with the
reason (RQ's abandoned-job handling, fed by the lean bookkeeping of ``unicron_worker.main.Worker``)."""

from __future__ import annotations

import signal
import sys

import redis
from rq import Queue

from unicron_core.models import TaskSpec, TaskStatus
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_testkit.cluster import KEY, cluster_env
from unicron_testkit.procs import Procs
from unicron_testkit.waiting import wait_for


def test_a_task_whose_worker_died_fails_with_the_reason(
    redis_url: str, redis_client: redis.Redis, procs: Procs
) -> None:
    store = Store.from_settings(Settings(key=KEY, redis_url=redis_url))
    task_id = store.create_task(spec=TaskSpec(name="long", command="sleep 5"))
    worker = [sys.executable, "-m", "unicron", "worker"]
    first = procs.start(worker, env=cluster_env(redis_url), name="first")
    wait_for(lambda: store.get_task(task_id=task_id).status == TaskStatus.STARTED, 20, message="STARTED")

    first.send_signal(signal.SIGKILL)
    first.wait()
    registry = Queue(store.queue.name, connection=redis_client).started_job_registry
    (entry,) = registry.get_job_and_execution_ids(cleanup=False)
    assert entry[0] == task_id
    # The run's time limit plus RQ's margin has passed (moved back instead of waited for).
    redis_client.zadd(registry.key, {":".join(entry): 1})

    procs.start(worker, env=cluster_env(redis_url), name="second")  # cleans the registries at start
    task = wait_for(lambda: _finished(store, task_id), 20, message="the task to fail")
    assert task.status == TaskStatus.FAILURE
    assert task.error is not None and "AbandonedJobError" in task.error
    assert registry.get_job_ids(cleanup=False) == []


def _finished(store: Store, task_id: str) -> object:
    task = store.get_task(task_id=task_id)
    return task if task.status not in (TaskStatus.PENDING, TaskStatus.STARTED) else None

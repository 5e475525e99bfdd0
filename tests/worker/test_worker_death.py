"""A worker killed mid-run leaves nothing STARTED: another worker's maintenance fails the task with the
reason (RQ's abandoned-job handling, fed by the lean bookkeeping of ``unicron_worker.main.Worker``)."""

from __future__ import annotations

import signal
import sys

import redis
from rq import Queue
from rq.exceptions import AbandonedJobError

from unicron_core.apikeys import OPERATOR
from unicron_core.models import JobSpec, TaskSpec
from unicron_core.records import CommandOutput, TaskStatus
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_core.store.rqhash import FIRE_FUNC, fire_id
from unicron_testkit.cluster import KEY, cluster_env
from unicron_testkit.procs import Procs
from unicron_testkit.waiting import wait_for
from unicron_worker import tasks


def test_a_task_whose_worker_died_fails_with_the_reason(
    redis_url: str, redis_client: redis.Redis, procs: Procs
) -> None:
    store = Store.from_settings(Settings(key=KEY, redis_url=redis_url, allow_commands=True))
    task_id = store.run(store.tasks.create(spec=TaskSpec(name="long", command="sleep 5"), actor=OPERATOR))
    worker = [sys.executable, "-m", "unicron", "worker"]
    first = procs.start(worker, env=cluster_env(redis_url), name="first")
    wait_for(
        lambda: store.run(store.tasks.get(task_id=task_id)).status == TaskStatus.STARTED,
        20,
        message="STARTED",
    )

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
    task = store.run(store.tasks.get(task_id=task_id))
    return task if task.status not in (TaskStatus.PENDING, TaskStatus.STARTED) else None


def test_a_fire_whose_worker_died_is_recorded_with_its_kind_of_output(store: Store) -> None:
    """RQ's failure callback for a fire whose worker died: a failed run with the reason, its output
    the job's kind (a command's, here), never left out of the job's history."""
    spec = JobSpec(name="nightly", schedule="@daily", command="sleep 60", timezone="UTC")
    job_id = store.run(store.jobs.create(spec=spec, actor=OPERATOR))
    job = store.rq.job(FIRE_FUNC, (job_id, 1_800_000_000_000), fire_id(job_id, 1_800_000_000_000), 60)
    tasks.on_rq_failure(job, store.redis, AbandonedJobError, AbandonedJobError("the worker died"), None)
    (run,) = store.run(store.runs.of_job(job_id=job_id))
    assert not run.success and run.scheduled == 1_800_000_000
    assert run.error == "the run did not finish: AbandonedJobError: the worker died"
    assert isinstance(run.output, CommandOutput) and run.output.exit_code is None

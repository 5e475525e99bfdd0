"""A worker killed mid-run leaves nothing STARTED: another worker's maintenance fails the task with the
reason (RQ's abandoned-job handling of the entries whose heartbeats stopped, ``unicron_worker.engine``)."""

from __future__ import annotations

import signal
import sys
import time

import redis
from rq import Queue
from rq.exceptions import AbandonedJobError

from unicron_core.apikeys import OPERATOR
from unicron_core.models import JobSpec, TaskSpec
from unicron_core.records import CommandOutput, RunResult, TaskRecord, TaskStatus
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_core.store.rqhash import FIRE_FUNC, fire_id
from unicron_testkit.cluster import KEY, cluster_env
from unicron_testkit.procs import Procs
from unicron_testkit.waiting import wait_for
from unicron_worker import tasks
from unicron_worker.engine import SETTLED_S

from helpers import Held, LocalWorker, sleeping


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

    procs.start(worker, env=cluster_env(redis_url), name="second")  # cleans once settled
    task = wait_for(lambda: _finished(store, task_id), SETTLED_S + 20, message="the task to fail")
    assert task.status == TaskStatus.FAILURE
    assert task.error is not None and "AbandonedJobError" in task.error
    wait_for(lambda: registry.get_job_ids(cleanup=False) == [], 5, message="its entry off the registry")


def _finished(store: Store, task_id: str) -> TaskRecord | None:
    task = store.run(store.tasks.get(task_id=task_id))
    return task if task.status not in (TaskStatus.PENDING, TaskStatus.STARTED) else None


def test_a_fire_whose_worker_died_is_recorded_with_its_kind_of_output(
    store: Store, worker: LocalWorker
) -> None:
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


def test_no_command_outlives_a_worker_killed_with_sigkill(redis_url: str, procs: Procs) -> None:
    store = Store.from_settings(Settings(key=KEY, redis_url=redis_url, allow_commands=True))
    # The shell waits for one sleep; the other is a grandchild the shell does not wait for.
    command = "sleep 97.31 & sleep 97.32"
    task_id = store.run(store.tasks.create(spec=TaskSpec(name="orphan", command=command), actor=OPERATOR))
    worker = procs.start([sys.executable, "-m", "unicron", "worker"], env=cluster_env(redis_url))
    wait_for(lambda: len(sleeping("97.31", "97.32")) == 2, 20, message="both sleeps running")
    assert store.run(store.tasks.get(task_id=task_id)).status == TaskStatus.STARTED

    worker.send_signal(signal.SIGKILL)
    worker.wait()
    wait_for(lambda: not sleeping("97.31", "97.32"), 5, message="the commands killed with their worker")


def test_a_worker_killed_with_many_runs_in_flight_leaves_none_started(
    redis_url: str, redis_client: redis.Redis, procs: Procs
) -> None:
    store = Store.from_settings(Settings(key=KEY, redis_url=redis_url, allow_commands=True))
    target = Held(hold_s=60)  # not ``with Held(...) as target``: HttpSink.__enter__ is typed as a plain sink
    with target:
        spec = TaskSpec(name="slow", http_url=target.url)
        ids = [store.run(store.tasks.create(spec=spec, actor=OPERATOR)) for _ in range(200)]
        worker = [sys.executable, "-m", "unicron", "worker"]
        env = cluster_env(redis_url, UNICRON_WORKER_CONCURRENCY="200")
        first = procs.start(worker, env=env, name="first")
        wait_for(lambda: target.at_once == 200, 30, message="200 calls in flight")
        first.send_signal(signal.SIGKILL)
        first.wait()

    registry = Queue(store.queue.name, connection=redis_client).started_job_registry
    entries = registry.get_job_and_execution_ids(cleanup=False)
    assert sorted(job_id for job_id, _ in entries) == sorted(ids)
    # Their heartbeats' deadline has passed (moved back instead of waited for: 30 s).
    redis_client.zadd(registry.key, {":".join(entry): 1 for entry in entries})
    procs.start(worker, env=env, name="second")  # its maintenance runs once settled
    wait_for(
        lambda: all(_finished(store, task_id) for task_id in ids), SETTLED_S + 30, message="every task failed"
    )
    for task_id in ids:
        task = store.run(store.tasks.get(task_id=task_id))
        assert task.status == TaskStatus.FAILURE and "AbandonedJobError" in (task.error or "")
    assert registry.get_job_ids(cleanup=False) == []


def test_a_dead_workers_run_reported_twice_is_recorded_once(store: Store, worker: LocalWorker) -> None:
    """RQ's abandoned-job handling takes no lock: two workers' maintenance may both report one run.
    The second report changes nothing: one failed run, and the job's other run still in progress."""
    spec = JobSpec(name="twice", schedule="@daily", command="sleep 60", timezone="UTC")
    job_id = store.run(store.jobs.create(spec=spec, actor=OPERATOR))
    for ms in (1_800_000_000_000, 1_800_000_060_000):  # the dead worker's run; another, still running
        running = RunResult(
            success=False,
            start=time.time(),
            end=None,
            output=CommandOutput(job_id=job_id, stdout="", stderr="", exit_code=None),
            run_id=fire_id(job_id, ms),
            job_id=job_id,
            status="running",
            worker="dead",
        )
        store.run(store.runs.start(job_id=job_id, run=running, deadline_s=time.time() + 30))
    job = store.rq.job(FIRE_FUNC, (job_id, 1_800_000_000_000), fire_id(job_id, 1_800_000_000_000), 60)
    for _ in range(2):
        tasks.on_rq_failure(job, store.redis, AbandonedJobError, AbandonedJobError("the worker died"), None)
    dead, alive = (
        store.run(store.runs.find(job_id=job_id, run_id=fire_id(job_id, ms)))
        for ms in (1_800_000_000_000, 1_800_000_060_000)
    )
    assert dead is not None and alive is not None
    assert (dead.status, dead.worker, alive.status) == ("failure", "dead", "running")
    assert "AbandonedJobError: the worker died" in (dead.reason or "")
    record = store.run(store.jobs.get(job_id=job_id))
    assert (record.running, record.run_count) == (1, 1)

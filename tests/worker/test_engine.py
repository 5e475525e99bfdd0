"""The worker's engine in this process: runs claimed in batches and run at once, forgotten on RQ's
side when done, and a stop that lets runs finish within the grace and aborts the rest."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import redis
from rq import Queue

from unicron_core.apikeys import OPERATOR
from unicron_core.models import TaskSpec
from unicron_core.records import TaskStatus
from unicron_core.store import Store
from unicron_core.store.rqhash import job_key
from unicron_worker import tasks
from unicron_worker.execute import ABORTED

from helpers import Held, LocalWorker, alive


def _task(store: Store, **fields: object) -> str:
    return store.run(
        store.tasks.create(spec=TaskSpec.model_validate({"name": "t", **fields}), actor=OPERATOR)
    )


def _status(store: Store, task_id: str) -> TaskStatus:
    return store.run(store.tasks.get(task_id=task_id)).status


def test_a_burst_engine_runs_a_task_and_forgets_its_rq_job(
    store: Store, worker: LocalWorker, redis_client: redis.Redis
) -> None:
    task_id = _task(store, command="true")
    worker.run(worker.engine(burst=True).run())
    task = store.run(store.tasks.get(task_id=task_id))
    assert (task.status, task.attempts) == (TaskStatus.SUCCESS, 1)
    queue = Queue(store.queue.name, connection=redis_client)
    assert queue.started_job_registry.get_job_ids(cleanup=False) == []
    assert not redis_client.exists(job_key(task_id))  # the run's own record keeps the result


def test_run_task_starts_the_task_itself(store: Store, worker: LocalWorker) -> None:
    task_id = _task(store, command="true")
    worker.run(tasks.run_task(task_id))
    task = store.run(store.tasks.get(task_id=task_id))
    assert (task.status, task.attempts) == (TaskStatus.SUCCESS, 1)


def test_slow_calls_run_at_once_up_to_the_concurrency(store: Store, worker: LocalWorker) -> None:
    target = Held(hold_s=1.0)  # not ``with Held(...) as target``: HttpSink.__enter__ is typed as a plain sink
    with target:
        ids = [_task(store, http_url=target.url) for _ in range(60)]
        started = time.monotonic()
        worker.run(worker.engine(concurrency=50, burst=True).run())
        took_s = time.monotonic() - started
    assert target.most_at_once == 50  # never more than the concurrency, and all of it used
    assert took_s < 10, f"60 calls of 1 s with 50 at once took {took_s:.1f} s"
    assert {_status(store, task_id) for task_id in ids} == {TaskStatus.SUCCESS}


def test_a_long_command_does_not_hold_up_http_runs(store: Store, worker: LocalWorker) -> None:
    long_id = _task(store, command="sleep 30")
    with Held(hold_s=0.0) as target:
        quick = [_task(store, http_url=target.url) for _ in range(5)]

        async def scenario() -> None:
            engine = worker.engine(grace_s=0)
            running = asyncio.create_task(engine.run())
            await _until(lambda: {_status(store, i) for i in quick} == {TaskStatus.SUCCESS}, 10)
            assert _status(store, long_id) == TaskStatus.STARTED
            engine.stop()
            await running

        worker.run(scenario())


def test_a_stop_lets_runs_finish_within_the_grace_then_aborts_the_rest(
    store: Store, worker: LocalWorker, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    quick = _task(store, command="sleep 0.5")
    # A command whose child outlives its shell: the whole process group goes.
    slow = _task(store, command=f"sleep 60 & echo $! >> {pids}; echo $$ >> {pids}; wait")

    async def scenario() -> float:
        engine = worker.engine(grace_s=1.5)
        running = asyncio.create_task(engine.run())
        await _until(lambda: pids.exists() and len(pids.read_text().split()) == 2, 10)
        engine.stop()
        stopped = time.monotonic()
        await running
        return time.monotonic() - stopped

    took_s = worker.run(scenario())
    assert 1.4 < took_s < 4, took_s
    assert _status(store, quick) == TaskStatus.SUCCESS
    task = store.run(store.tasks.get(task_id=slow))
    assert (task.status, task.error) == (TaskStatus.FAILURE, ABORTED)
    assert task.result is not None and task.result.status == "aborted"
    for pid in map(int, pids.read_text().split()):
        assert not alive(pid), f"process {pid} outlived its aborted run"


async def _until(condition: Callable[[], object], timeout_s: float) -> None:
    """Polls ``condition`` (a callable, run in a thread: it may block on Redis) until true."""
    deadline = time.monotonic() + timeout_s
    while not await asyncio.to_thread(condition):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)

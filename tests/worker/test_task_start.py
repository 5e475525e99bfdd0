"""A task's start: in the worker's own start round trip, or by ``run_task`` itself without one."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import TypeVar

import pytest
import redis

from unicron_core.apikeys import OPERATOR
from unicron_core.models import TaskSpec, TaskStatus
from unicron_core.settings import Settings
from unicron_core.store import Op, Store
from unicron_worker import tasks
from unicron_worker.http_runner import HttpRunner
from unicron_worker.main import _work
from unicron_worker.notify import Notifier
from unicron_worker.shell_runner import Sandbox

T = TypeVar("T")

KEY = "task-start-test-key-0123456789abcdef"


@pytest.fixture
def store(redis_client: redis.Redis, redis_url: str) -> Iterator[Store]:
    """A store, and this process's RQ functions configured as a worker's (RQ's loop sets signal
    handlers: the test's own come back afterwards)."""
    settings = Settings(key=KEY, redis_url=redis_url, command_user="", allow_commands=True)
    store = Store.from_settings(settings)
    store.run(store.cluster.verify())
    runtime = tasks.Runtime(
        settings=settings,
        store=store,
        http=HttpRunner(limit_bytes=1024, guard=settings.egress_guard()),
        notifier=Notifier(settings),
        sandbox=Sandbox(user=None, cpu_s=10, memory_bytes=256 << 20, processes=64, file_bytes=1 << 20),
    )
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    tasks.configure(runtime)
    try:
        yield store
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        runtime.http.close()
        runtime.notifier.close()
        store.redis.close()


def test_the_worker_starts_a_task_in_its_own_round_trip(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id = store.run(store.tasks.create(spec=TaskSpec(name="t", command="true"), actor=OPERATOR))
    ran: list[str] = []
    run = store.run

    def recording(op: Op[T]) -> T:
        ran.append(op.gi_code.co_name)
        return run(op)

    monkeypatch.setattr(store, "run", recording)
    _work(store, burst=True, debug=False)
    assert "start" not in ran, "the task was started outside the worker's start round trip"
    task = store.run(store.tasks.get(task_id=task_id))
    assert (task.status, task.attempts) == (TaskStatus.SUCCESS, 1)


def test_run_task_starts_the_task_itself_without_a_worker(store: Store) -> None:
    task_id = store.run(store.tasks.create(spec=TaskSpec(name="t", command="true"), actor=OPERATOR))
    tasks.run_task(task_id)
    task = store.run(store.tasks.get(task_id=task_id))
    assert (task.status, task.attempts) == (TaskStatus.SUCCESS, 1)

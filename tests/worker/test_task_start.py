"""A task's start: in the worker's own start round trip, or by ``run_task`` itself without one."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
import redis

from unicron_core.models import TaskSpec, TaskStatus
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_worker import tasks
from unicron_worker.http_runner import HttpRunner
from unicron_worker.main import _work
from unicron_worker.notify import Notifier
from unicron_worker.shell_runner import Sandbox

KEY = "task-start-test-key-0123456789abcdef"


@pytest.fixture
def store(redis_client: redis.Redis, redis_url: str) -> Iterator[Store]:
    """A store, and this process's RQ functions configured as a worker's (RQ's loop sets signal
    handlers: the test's own come back afterwards)."""
    settings = Settings(key=KEY, redis_url=redis_url, command_user="")
    store = Store.from_settings(settings)
    store.verify_key()
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
    def no_second_round_trip(*, task_id: str) -> None:
        raise AssertionError("the task was started outside the worker's start round trip")

    task_id = store.create_task(spec=TaskSpec(name="t", command="true"))
    monkeypatch.setattr(store, "start_task", no_second_round_trip)
    _work(store, burst=True, debug=False)
    task = store.get_task(task_id=task_id)
    assert (task.status, task.attempts) == (TaskStatus.SUCCESS, 1)


def test_run_task_starts_the_task_itself_without_a_worker(store: Store) -> None:
    task_id = store.create_task(spec=TaskSpec(name="t", command="true"))
    tasks.run_task(task_id)
    task = store.get_task(task_id=task_id)
    assert (task.status, task.attempts) == (TaskStatus.SUCCESS, 1)

"""A task's start: in the worker's own start round trip, or by ``run_task`` itself without one."""

from __future__ import annotations

from typing import TypeVar

import pytest

from unicron_core.apikeys import OPERATOR
from unicron_core.models import TaskSpec
from unicron_core.records import TaskStatus
from unicron_core.store import Op, Store
from unicron_worker import tasks
from unicron_worker.main import _work

T = TypeVar("T")


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

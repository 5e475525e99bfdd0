"""The worker's functions RQ jobs name (``unicron_core.store.rqhash``, the one place that names them)."""

from __future__ import annotations

from rq.utils import import_attribute

from unicron_core.store.rqhash import FAILURE_CALLBACK, FIRE_FUNC, TASK_FUNC
from unicron_worker import tasks


def test_the_names_are_the_worker_s_functions() -> None:
    assert import_attribute(FIRE_FUNC) is tasks.run_fire
    assert import_attribute(TASK_FUNC) is tasks.run_task
    assert import_attribute(FAILURE_CALLBACK) is tasks.on_rq_failure

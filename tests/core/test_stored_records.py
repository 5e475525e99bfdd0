"""A record stored before a creation rule existed stays readable: the rules judge what is created."""

from __future__ import annotations

from typing import Any

from unicron_core.apikeys import OPERATOR
from unicron_core.httpdata import URL_MAX_CHARS
from unicron_core.models import JobSpec, TaskSpec
from unicron_core.settings import Settings
from unicron_core.store import Store


def test_data_too_long_for_a_query_string_stored_before_the_rule(
    redis_url: str, redis_client: object
) -> None:
    # Such jobs could be created until the models refused them; the scheduler, the worker and the
    # listings must still open them (a pydantic error there would stop them for every job).
    store = Store.from_settings(Settings(key="stored-records-key-0123456789", redis_url=redis_url, tz="UTC"))
    data = {"a": "x" * (URL_MAX_CHARS + 1)}
    fields: dict[str, Any] = {
        "name": "old",
        "http_url": "http://example.test/",
        "http_method": "get",
        "http_data": data,
    }
    job = JobSpec.model_construct(**fields, schedule="@daily", timezone="UTC")
    job_id = store.run(store.jobs.create(spec=job, actor=OPERATOR))
    assert store.run(store.jobs.get(job_id=job_id)).spec.http_data == data
    assert store.run(store.jobs.specs(job_ids=[job_id]))[job_id] == (job, 1)
    assert list(store.run(store.jobs.all())) == [job_id]
    task_id = store.run(store.tasks.create(spec=TaskSpec.model_construct(**fields), actor=OPERATOR))
    assert store.run(store.tasks.get(task_id=task_id)).spec.http_data == data

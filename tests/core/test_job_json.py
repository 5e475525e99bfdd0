"""``GET /api/job/``'s fast JSON of every job says exactly what ``JobView`` says of each, cached or not."""

from __future__ import annotations

import json
import time

import redis

from unicron_core import keys
from unicron_core.apikeys import OPERATOR
from unicron_core.models import JobSpec
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_core.views import JobView

KEY = "job-json-test-key-0123456789"


def _views(store: Store) -> dict[str, object]:
    return {
        job_id: JobView.of(record).model_dump(mode="json")
        for job_id, record in store.run(store.jobs.all()).items()
    }


def test_the_json_is_what_the_views_say(redis_url: str, redis_client: redis.Redis) -> None:
    store = Store.from_settings(Settings(key=KEY, redis_url=redis_url, allow_commands=True))
    plain = JobSpec(name="plain", schedule="@daily", command="true")
    rich = JobSpec(
        name='rïch "quoted" ✓',
        schedule="*/5 * * * *",
        http_url="https://example.com/x",
        http_headers={"X-Token": "secret"},
        hook_headers={"X-Hook": "secret"},
        http_data={"a": 1, "b": [1, 2]},
        tags=["b", "a"],
        managed_by="apply",
        email="ops@example.com",
        timezone="Europe/Berlin",
    )
    ids = [store.run(store.jobs.create(spec=spec, actor=OPERATOR)) for spec in (plain, rich, plain)]
    store.run(
        store.jobs.change(
            job_id=ids[1], change=lambda s: s.model_copy(update={"timeout": 5.0}), actor=OPERATOR
        )
    )
    store.run(store.lifecycle.pause(job_id=ids[2], actor=OPERATOR, reason="why", until=time.time() + 60))
    redis_client.hset(
        keys.job(ids[0]), mapping={"run_count": 3, "last_run": 1767225600.25, "missed_count": 2}
    )
    first = json.loads(store.run(store.jobjson.every()))  # everything read and cached
    assert first == _views(store)
    assert "secret" not in json.dumps(first)
    redis_client.hincrby(keys.job(ids[1]), "run_count", 1)  # a counter changes: the cache holds
    redis_client.hset(keys.job(ids[1]), mapping={"last_status": "failure", "running": 1})  # running
    store.run(store.runs.ended(job_id=ids[1]))  # then failing
    assert json.loads(store.run(store.jobjson.every()))[ids[1]]["state"] == "failing"
    store.run(store.lifecycle.resume(job_id=ids[2], actor=OPERATOR))  # a pause ends: it does not
    store.run(store.jobs.delete(job_id=ids[0], actor=OPERATOR))
    assert json.loads(store.run(store.jobjson.every())) == _views(store)


def test_no_jobs_is_an_empty_object(redis_url: str, redis_client: redis.Redis) -> None:
    store = Store.from_settings(Settings(key=KEY, redis_url=redis_url))
    assert store.run(store.jobjson.every()) == "{}"

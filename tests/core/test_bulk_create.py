"""``Jobs.create_many``: many jobs in few round trips, each the same as ``Jobs.create`` makes it."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from unicron_core import keys
from unicron_core.apikeys import OPERATOR
from unicron_core.errors import Forbidden
from unicron_core.models import JobSpec
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_core.store.jobs import CREATE_BATCH

KEY = "bulk-create-test-key-0123456789abcdef"


def _store(redis_url: str, **settings: Any) -> Store:
    store = Store.from_settings(Settings(key=KEY, redis_url=redis_url, tz="UTC", **settings))
    store.run(store.cluster.verify())
    return store


def _specs(n: int) -> list[JobSpec]:
    return [
        JobSpec(
            name=f"j{i}", schedule=f"{i % 60} * * * *", http_url=f"http://example.com/{i}", timezone="UTC"
        )
        for i in range(n)
    ]


def test_each_job_as_create_job_makes_it(redis_client: redis.Redis, redis_url: str) -> None:
    store = _store(redis_url)
    specs = _specs(CREATE_BATCH + 3)  # more than one round trip
    ids = store.run(store.jobs.create_many(specs=specs, actor=OPERATOR))
    assert len(set(ids)) == len(specs)
    assert redis_client.zcard(keys.JOBS) == len(specs)
    assert redis_client.zcard(keys.DUE) == len(specs)
    single = store.run(store.jobs.get(job_id=store.run(store.jobs.create(spec=specs[-1], actor=OPERATOR))))
    for job_id, spec in [(ids[0], specs[0]), (ids[-1], specs[-1])]:
        job = store.run(store.jobs.get(job_id=job_id))
        assert job.spec == spec
        assert job.next_run is not None
    assert set(redis_client.hkeys(keys.job(ids[-1]))) == set(redis_client.hkeys(keys.job(single.job_id)))


def test_the_cluster_maximum_holds(redis_client: redis.Redis, redis_url: str) -> None:
    store = _store(redis_url, max_jobs=5)
    with pytest.raises(Forbidden, match="UNICRON_MAX_JOBS"):
        store.run(store.jobs.create_many(specs=_specs(7), actor=OPERATOR))
    assert redis_client.zcard(keys.JOBS) == 5

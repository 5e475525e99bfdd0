"""``GET /api/job/``'s fast JSON of every job says exactly what ``JobView`` says of each, cached or not:
after every write that moves a job's view (each through its real script), a process that answered
before answers what a fresh one does."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import redis

from unicron_core import keys
from unicron_core.apikeys import OPERATOR
from unicron_core.lease import Lease
from unicron_core.models import JobSpec
from unicron_core.records import HttpOutput, RunResult
from unicron_core.settings import Settings
from unicron_core.store import Store
from unicron_core.store.firing import Fire
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
    started = _run(ids[1], time.time(), "running")
    store.run(store.runs.start(job_id=ids[1], run=started, deadline_s=time.time() + 30))
    assert json.loads(store.run(store.jobjson.every()))[ids[1]]["state"] == "running"
    store.run(
        store.runs.end(job_id=ids[1], run=started.model_copy(update={"status": "failure"}), ender="test")
    )
    assert json.loads(store.run(store.jobjson.every()))[ids[1]]["state"] == "failing"
    store.run(store.lifecycle.resume(job_id=ids[2], actor=OPERATOR))  # a pause ends: it does not
    store.run(store.jobs.delete(job_id=ids[0], actor=OPERATOR))
    assert json.loads(store.run(store.jobjson.every())) == _views(store)


def test_no_jobs_is_an_empty_object(redis_url: str, redis_client: redis.Redis) -> None:
    store = Store.from_settings(Settings(key=KEY, redis_url=redis_url))
    assert store.run(store.jobjson.every()) == "{}"


def _run(job_id: str, start: float, status: str) -> RunResult:
    return RunResult(
        success=status == "success",
        start=start,
        end=start + 0.1,
        output=HttpOutput(job_id=job_id, status_code=200, text="ok"),
        run_id=f"{job_id}-{int(start * 1000)}",
        job_id=job_id,
        status=status,
    )


def test_a_process_that_answered_before_sees_every_change(redis_url: str) -> None:
    store, other = (
        Store.from_settings(Settings(key=KEY, redis_url=redis_url, allow_commands=True)) for _ in range(2)
    )
    spec = JobSpec(name="j", schedule="* * * * *", command="true", timezone="UTC")
    a, b, c = (store.run(store.jobs.create(spec=spec, actor=OPERATOR)) for _ in range(3))
    lease = Lease(store=store, ttl_ms=30_000)
    assert lease.acquire()
    due = int(store.redis.zscore(keys.DUE, a) or 0)
    fire = Fire(job_id=a, expected_ms=due, fire_ms=[due], next_ms=due + 60_000, run_timeout_s=1, grace_ms=0)
    started = _run(b, time.time(), "running")
    writes: list[tuple[str, Callable[[], object]]] = [
        (
            "a fire moves the next one",
            lambda: store.firing.fire(lease_value=lease.value, batches=[store.firing.prepare(fires=[fire])]),
        ),
        (
            "a run starts",
            lambda: store.run(store.runs.start(job_id=b, run=started, deadline_s=time.time() + 30)),
        ),
        (
            "a run ends",
            lambda: store.run(
                store.runs.end(job_id=b, run=started.model_copy(update={"status": "failure"}), ender="t")
            ),
        ),
        (
            "a pause",
            lambda: store.run(store.lifecycle.pause(job_id=c, actor=OPERATOR, reason="r", until=None)),
        ),
        (
            "an edit",
            lambda: store.run(
                store.jobs.change(
                    job_id=c, change=lambda s: s.model_copy(update={"timeout": 5.0}), actor=OPERATOR
                )
            ),
        ),
        ("a resume", lambda: store.run(store.lifecycle.resume(job_id=c, actor=OPERATOR))),
        ("a new job", lambda: store.run(store.jobs.create(spec=spec, actor=OPERATOR))),
        ("a deletion", lambda: store.run(store.jobs.delete(job_id=a, actor=OPERATOR))),
    ]
    store.run(store.jobjson.every())
    for what, write in writes:
        write()
        cached = json.loads(store.run(store.jobjson.every()))
        fresh = json.loads(other.run(other.jobjson.every()))  # its first answer
        assert cached == fresh == _views(store), what


def test_a_process_whose_changes_were_trimmed_reads_every_job(
    redis_url: str, redis_client: redis.Redis
) -> None:
    store = Store.from_settings(Settings(key=KEY, redis_url=redis_url, allow_commands=True))
    spec = JobSpec(name="j", schedule="@daily", command="true")
    job_id = store.run(store.jobs.create(spec=spec, actor=OPERATOR))
    store.run(store.jobjson.every())
    # What the changes named after this process's position is gone (trimmed past it), and the job
    # moved meanwhile: the next answer cannot trust the changes, so it reads every job again.
    redis_client.xtrim(keys.VIEW_CHANGES, maxlen=0)
    redis_client.hset(keys.job(job_id), "run_count", 7)
    assert json.loads(store.run(store.jobjson.every()))[job_id]["run_count"] == 7

"""Key rotation under load leaves every record readable; tampered or moved records are refused."""

from __future__ import annotations

import random
import threading
import time

import pytest
import redis

from unicron.cli import main
from unicron_core import keys
from unicron_core.apikeys import OPERATOR
from unicron_core.crypto import Cipher
from unicron_core.errors import UnreadableRecord
from unicron_core.models import JobSpec, TaskSpec
from unicron_core.records import RunResult, TaskStatus
from unicron_core.settings import Settings
from unicron_core.store import Store

from helpers import raw

OLD = "old-cluster-key-0123456789abcdef"
NEW = "new-cluster-key-0123456789abcdef"


def _store(redis_url: str, key: str, old: str = "") -> Store:
    return Store.from_settings(
        Settings(key=key, old_keys=old, redis_url=redis_url, tz="UTC", allow_commands=True)
    )


def _run(run_id: str) -> RunResult:
    return RunResult.model_validate(
        {
            "success": True,
            "start": time.time(),
            "end": time.time(),
            "run_id": run_id,
            "output": {"job_id": None, "stdout": "secret output", "stderr": "", "exit_code": 0},
        }
    )


def _populate(store: Store, jobs: int = 20) -> tuple[list[str], list[str]]:
    store.run(store.cluster.verify())
    job_ids = []
    for i in range(jobs):
        spec = JobSpec(name=f"j{i}", schedule="@daily", command="echo hi", timezone="UTC")
        job_id = store.run(store.jobs.create(spec=spec, actor=OPERATOR))
        store.run(store.runs.record(job_id=job_id, run=_run(f"r{i}")))
        job_ids.append(job_id)
    task_ids = []
    for i in range(5):
        task_id = store.run(store.tasks.create(spec=TaskSpec(name=f"t{i}", command="true"), actor=OPERATOR))
        store.run(
            store.tasks.end(
                task_id=task_id, status=TaskStatus.FAILURE, result=_run(f"t{i}"), error="boom", ender="test"
            )
        )
        task_ids.append(task_id)
    return job_ids, task_ids


def _all_readable(store: Store, job_ids: list[str], task_ids: list[str]) -> None:
    store.run(store.cluster.verify())
    assert set(job_ids) <= set(store.run(store.jobs.all()))
    for job_id in job_ids:
        assert store.run(store.jobs.get(job_id=job_id)).spec.command == "echo hi"
        assert store.run(store.runs.of_job(job_id=job_id))
    for task_id in task_ids:
        task = store.run(store.tasks.get(task_id=task_id))
        assert task.result is not None and task.error == "boom"


def test_rotation_under_load_leaves_every_record_readable(redis_url: str, redis_client: redis.Redis) -> None:
    job_ids, task_ids = _populate(_store(redis_url, OLD))
    rotating = _store(redis_url, NEW, OLD)
    stop = threading.Event()
    written: list[str] = []

    def load() -> None:  # the cluster keeps working while the key rotates
        writer = _store(redis_url, NEW, OLD)
        i = 0
        while not stop.is_set():
            spec = JobSpec(name="live", schedule="@hourly", command="echo hi", timezone="UTC")
            job_id = writer.run(writer.jobs.create(spec=spec, actor=OPERATOR))
            writer.run(writer.runs.record(job_id=job_id, run=_run(f"live{i}")))
            written.append(job_id)
            writer.run(writer.runs.record(job_id=job_ids[i % len(job_ids)], run=_run(f"again{i}")))
            i += 1

    thread = threading.Thread(target=load)
    thread.start()
    try:
        first = rotating.run(rotating.cluster.rotate())
    finally:
        stop.set()
        thread.join()
    assert first.rotated > 0 and not first.unreadable
    while rotating.run(rotating.cluster.rotate()).changed_meanwhile:
        pass
    assert rotating.run(rotating.cluster.rotate()).rotated == 0  # nothing left under the old key
    _all_readable(_store(redis_url, NEW), job_ids + written, task_ids)
    with pytest.raises(UnreadableRecord):
        old = _store(redis_url, OLD)
        old.run(old.jobs.get(job_id=job_ids[0]))


def test_ten_thousand_bit_flips_are_all_refused(redis_url: str, redis_client: redis.Redis) -> None:
    store = _store(redis_url, NEW)
    job_ids, _ = _populate(store, jobs=5)
    cipher = Cipher(NEW)
    blobs = [(job_id, redis_client.hget(keys.job(job_id), "spec")) for job_id in job_ids]
    rng = random.Random(7)
    for _ in range(10_000):
        job_id, blob = rng.choice(blobs)
        assert blob is not None
        flipped = bytearray(raw(blob))
        flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
        with pytest.raises(UnreadableRecord):
            cipher.decrypt(kind="job", record_id=job_id, blob=bytes(flipped))


def test_a_record_moved_to_another_is_refused_and_the_rest_stay_readable(
    redis_url: str, redis_client: redis.Redis
) -> None:
    store = _store(redis_url, NEW)
    (a, b, c), _ = _populate(store, jobs=3)
    redis_client.hset(keys.job(b), "spec", redis_client.hget(keys.job(a), "spec") or b"")
    with pytest.raises(UnreadableRecord, match=f"job {b}: failed authentication"):
        store.run(store.jobs.get(job_id=b))
    assert set(store.run(store.jobs.all())) == {a, c}
    assert store.run(store.jobs.get(job_id=c)).spec.name == "j2"


def test_rotate_key_command(
    redis_url: str,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _populate(_store(redis_url, OLD), jobs=2)
    for name, value in {"UNICRON_KEY": NEW, "UNICRON_OLD_KEYS": OLD, "REDIS_URL": redis_url}.items():
        monkeypatch.setenv(name, value)
    assert main(["rotate-key"]) == 0
    # The canary and the index key, 2 jobs + 2 runs, 5 tasks x 3.
    assert capsys.readouterr().out.startswith("rotated 21,")
    assert main(["rotate-key"]) == 0
    assert capsys.readouterr().out.startswith("rotated 0, already current 21,")

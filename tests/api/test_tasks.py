"""The async task routes (the worker side runs in the integration tests)."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from rq import Queue

from unicron_core.store import Store

from helpers import raw


def test_submit_and_read_pending_task(client: TestClient, store: Store) -> None:
    response = client.post("/api/async/", json={"name": "t", "command": "echo $TZ"})
    assert response.status_code == 201, response.text
    task_id = response.json()["result"]
    assert uuid.UUID(task_id).version == 4
    task = client.get(f"/api/async/{task_id}").json()["result"]
    assert task == {
        "task_id": task_id,
        "status": "PENDING",
        "result": None,
        "traceback": None,
        "children": [],
    }
    assert client.get(f"/api/async/{task_id}/").status_code == 200


def test_rq_job_carries_ids_only(client: TestClient, store: Store) -> None:
    secret_cmd = "echo canary-secret-7f3a"
    task_id = client.post(
        "/api/async/", json={"name": "t", "command": secret_cmd, "http_headers": {}}
    ).json()["result"]
    queue = Queue(store.queue.name, connection=store.redis)
    (rq_job,) = queue.get_jobs()
    assert rq_job.id == task_id
    assert rq_job.args == (task_id,)
    for key in store.redis.keys("*"):
        kind = store.redis.type(key)
        if kind == b"hash":
            values = b"".join(map(raw, store.redis.hvals(key)))
        elif kind == b"string":
            values = raw(store.redis.get(key) or b"")
        else:
            continue
        assert b"canary-secret" not in values, key

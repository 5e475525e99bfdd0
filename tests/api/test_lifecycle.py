"""The job lifecycle's routes in process: each bad request is a 4xx naming the field and writes
nothing; two changes at once lose no field; names with a slash; JSON merge patch."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from unicron_core import keys
from unicron_core.apikeys import OPERATOR
from unicron_core.models import JobSpec
from unicron_core.store import Store
from unicron_testkit.waiting import wait_for

JOB = {
    "name": "n",
    "schedule": "@daily",
    "http_url": "http://example.test/",
    "http_headers": {"A": "1", "B": "2"},
}


def _create(client: TestClient, **changes: Any) -> str:
    response = client.post("/api/job/", json={**JOB, **changes})
    assert response.status_code == 201, response.text
    result: str = response.json()["result"]
    return result


def _writes(store: Store) -> tuple[int, int]:
    """What a refused request must leave as it was: the audit log's length and the jobs' versions."""
    versions = sum(int(store.redis.hget(k, "version") or 1) for k in store.redis.scan_iter(keys.job("*")))
    return int(store.redis.xlen(keys.AUDIT)), versions


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("PATCH", "/api/job/{job}", {"nope": 1}, 422, "nope"),
        ("PATCH", "/api/job/{job}", {"schedule": None}, 422, "schedule"),
        ("PATCH", "/api/job/{job}", {"schedule": "61 * * * *"}, 422, "schedule"),
        ("PATCH", "/api/job/{job}", {"http_url": "http://127.0.0.1/"}, 422, "http_url"),
        ("PUT", "/api/job/{job}", {"name": "n"}, 422, "schedule"),
        ("POST", "/api/job/{job}/versions/2/restore", None, 404, None),
        ("POST", "/api/job/{job}/resume", {}, 409, None),
        ("POST", "/api/job/{job}/pause", {"until": 1}, 422, "until"),
        ("POST", "/api/job/{job}/pause", {"until": "2001-01-01T00:00:00"}, 422, "until"),
        ("POST", "/api/job/{job}/pause", {"until": True}, 422, "until"),
        ("POST", "/api/job/{job}/pause", {"until": 1.7976931348623157e308}, 422, "until"),
        ("POST", "/api/job/{job}/pause", {"until": "9999-12-31T23:59:59"}, 422, "until"),
        ("POST", "/api/jobs/pause", {"tag": "t", "until": 1}, 422, "until"),
        ("POST", "/api/job/{gone}/run", {}, 404, None),
        ("POST", "/api/job/{gone}/pause", {}, 404, None),
        ("PUT", "/api/job/name/n", {**JOB, "name": "other"}, 422, "name"),
        ("GET", "/api/jobs?cursor=garbage!", None, 422, "cursor"),
        ("GET", "/api/jobs?state=sleepy", None, 422, "state"),
        ("GET", "/api/jobs?tag=", None, 422, "tag.0"),
        ("GET", "/api/jobs?tag=ok&tag=%0Dbad", None, 422, "tag.1"),
        ("GET", "/api/jobs?" + "&".join(f"tag=t{i}" for i in range(21)), None, 422, "tag"),
        ("GET", "/api/runs?status=great", None, 422, "status"),
        ("GET", "/api/runs?since=nan", None, 422, "since"),
        ("GET", "/api/runs?until=inf", None, 422, "until"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    client: TestClient, store: Store, method: str, path: str, body: Any, status: int, field: str | None
) -> None:
    job = _create(client)
    gone = _create(client)
    assert client.delete(f"/api/job/{gone}").status_code == 200
    before = _writes(store)
    response = client.request(method, path.format(job=job, gone=gone), json=body)
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["success"] is False
    if field is not None:
        assert field in answer["result"], answer
    assert _writes(store) == before


def test_merge_patch_merges_objects_and_clears_with_null(client: TestClient) -> None:
    job = _create(client, email="ops@example.com")
    patched = client.patch(f"/api/job/{job}", json={"http_headers": {"A": None, "C": "3"}, "email": None})
    assert patched.status_code == 200, patched.text
    assert patched.json()["msg"] == "job updated: http_headers, email"
    info = patched.json()["result"]["info"]
    assert info["http_headers"] == {"B": "***", "C": "***"} and info["email"] is None
    assert client.patch(f"/api/job/{job}", json={}).json()["msg"] == "job unchanged"


def test_two_changes_at_once_lose_no_field(client: TestClient, store: Store) -> None:
    job = _create(client)
    rounds = 25

    def change(field: str, values: list[Any]) -> None:
        for value in values:

            def update(s: JobSpec, v: Any = value) -> JobSpec:
                return s.model_copy(update={field: v})

            store.run(store.jobs.change(job_id=job, change=update, actor=OPERATOR))

    threads = [
        threading.Thread(target=change, args=("timeout", [float(i + 1) for i in range(rounds)])),
        threading.Thread(target=change, args=("email", [f"u{i}@example.com" for i in range(rounds)])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    record = store.run(store.jobs.get(job_id=job))
    assert (record.spec.timeout, record.spec.email) == (float(rounds), f"u{rounds - 1}@example.com")
    assert record.version == 1 + 2 * rounds  # every change a version of its own, none lost


def test_a_name_with_a_slash_is_upserted(client: TestClient) -> None:
    body = {**JOB, "name": "team/nightly"}
    created = client.put("/api/job/name/team%2Fnightly", json=body)
    assert created.status_code == 201, created.text
    assert client.put("/api/job/name/team%2Fnightly", json=body).json()["result"]["outcome"] == "unchanged"


def test_any_name_in_the_path_is_routed_and_the_key_checked_first(client: TestClient) -> None:
    # A line break in the name (names are free text): the route still matches, so a request without
    # a key is a 401, not a 404 answered before the key was checked; with a key, the job of that name.
    anonymous = client.put("/api/job/name/a%0Ab", json=JOB, headers={"Authorization": ""})
    assert anonymous.status_code == 401, anonymous.text
    assert client.put("/api/job/name/a%0Ab", json={**JOB, "name": "a\nb"}).status_code == 201
    again = client.put("/api/job/name/a%0Ab", json={**JOB, "name": "a\nb"})
    assert again.json()["result"]["outcome"] == "unchanged", again.text


def test_versions_keep_the_last_twenty(client: TestClient) -> None:
    job = _create(client)
    for timeout in range(1, 25):
        assert client.patch(f"/api/job/{job}", json={"timeout": timeout}).status_code == 200
    versions = client.get(f"/api/job/{job}/versions").json()["result"]
    assert [v["version"] for v in versions] == list(range(25, 5, -1))
    assert versions[0]["fields"] == ["timeout"] and versions[0]["info"]["http_headers"] == {
        "A": "***",
        "B": "***",
    }


def test_a_pause_until_resumes_by_itself_and_records_what_it_skipped(
    client: TestClient, store: Store
) -> None:
    job = _create(client, schedule="* * * * * *")
    paused = client.post(f"/api/job/{job}/pause", json={"reason": "db", "until": time.time() + 0.5})
    assert paused.json()["result"]["paused"]["reason"] == "db"
    assert [j["job_id"] for j in client.get("/api/jobs?state=paused").json()["result"]["items"]] == [job]
    # The scheduler resumes it when the pause ends (as here, by hand, once it is due).
    due = wait_for(lambda: store.run(store.lifecycle.resumes_due(now_ms=int(time.time() * 1000))), 5)
    assert due == [job]
    resumed = store.run(store.lifecycle.resume(job_id=job, actor=OPERATOR))
    assert resumed.job.paused is None and resumed.job.next_run is not None


def test_a_run_no_worker_has_started_reads_as_queued_until_aborted(client: TestClient, store: Store) -> None:
    job = _create(client)
    task = client.post("/api/async/", json={"name": "t", "http_url": "http://example.test/"})
    run_id = client.post(f"/api/job/{job}/run", json={}).json()["result"]["run_id"]
    (waiting,) = store.run(store.runs.waiting(limit=10))  # the task queued first is not a run
    assert (waiting.run_id, waiting.status, waiting.trigger) == (run_id, "queued", "manual")
    run = client.get(f"/api/runs/{run_id}").json()["result"]  # no worker here: it stays on the queue
    assert (run["status"], run["trigger"], run["version"], run["end"]) == ("queued", "manual", 1, None)
    assert run["by"] and run["output"]["status_code"] is None and abs(run["start"] - time.time()) < 60
    assert client.post(f"/api/runs/{run_id}/abort").json()["result"] == {"status": "aborted"}
    assert client.get(f"/api/runs/{run_id}").json()["result"]["status"] == "aborted"
    assert client.get(f"/api/runs/{task.json()['result']}").status_code == 404  # a task is no run
    assert store.run(store.runs.waiting(limit=10)) == []

"""The job routes: the original payloads, the envelope, masking, trailing slashes."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

from unicron_core.records import RunResult
from unicron_core.store import Store

HTTP_JOB = {
    "name": "ping",
    "schedule": "*/5 * * * *",
    "http_url": "http://example.test/hook",
    "http_method": "POST",
    "http_headers": {"Authorization": "Bearer secret-value"},
    "http_data": {"a": "1"},
}


def test_version_needs_no_token(client: TestClient) -> None:
    response = client.get("/api/", headers={"Authorization": ""})
    assert response.status_code == 200
    assert re.fullmatch(r"Unicron v\d+\.\d+\.\d+", response.json()["result"])


def test_create_get_list_delete(client: TestClient) -> None:
    created = client.post("/api/job/", json=HTTP_JOB)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["success"] is True
    job_id = body["result"]
    assert re.fullmatch(r"[A-Za-z0-9]{16}", job_id)

    job = client.get(f"/api/job/{job_id}").json()["result"]
    assert job["schedule"] == "*/5 * * * *"
    assert job["run_count"] == 0
    assert job["last_run"] is None
    assert job["timezone"] == "UTC"
    assert job["info"]["http_method"] == "post"
    assert job["next_run"] > time.time()
    assert job["next_run"] % 300 == 0

    listing = client.get("/api/job/").json()["result"]
    assert list(listing) == [job_id]

    assert client.delete(f"/api/job/{job_id}").json() == {"success": True, "msg": "job deleted", "result": 1}
    assert client.get(f"/api/job/{job_id}").status_code == 404
    assert client.delete(f"/api/job/{job_id}").status_code == 404


def test_header_values_come_back_masked(client: TestClient) -> None:
    job_id = client.post(
        "/api/job/",
        json={**HTTP_JOB, "hook_url": "http://example.test/h", "hook_headers": {"X-Secret": "hook-secret"}},
    ).json()["result"]
    for response in (client.get(f"/api/job/{job_id}"), client.get("/api/job/")):
        assert "secret-value" not in response.text
        assert "hook-secret" not in response.text
    info = client.get(f"/api/job/{job_id}").json()["result"]["info"]
    assert info["http_headers"] == {"Authorization": "***"}
    assert info["hook_headers"] == {"X-Secret": "***"}


def test_paths_answer_with_and_without_trailing_slash(client: TestClient) -> None:
    assert client.post("/api/job", json=HTTP_JOB).status_code == 201
    assert client.get("/api/job").status_code == 200
    assert client.get("/api").status_code == 200
    job_id = client.post("/api/job/", json=HTTP_JOB).json()["result"]
    assert client.get(f"/api/job/{job_id}/").status_code == 200
    assert client.get("/api/job/result/").status_code == 200


def test_results_newest_first_and_per_job(client: TestClient, store: Store) -> None:
    a = client.post("/api/job/", json=HTTP_JOB).json()["result"]
    b = client.post("/api/job/", json=HTTP_JOB).json()["result"]
    now = time.time()
    for i, job_id in enumerate([a, b, a]):
        store.run(store.runs.end(job_id=job_id, run=_run(job_id, f"r{i}", now + i), ender="test"))
    everything = client.get("/api/job/result").json()["result"]
    assert _names(everything) == ["r2", "r1", "r0"]
    mine = client.get(f"/api/job/result/{a}").json()["result"]
    assert _names(mine) == ["r2", "r0"]
    assert mine[0]["output"]["stdout"] == "out r2"
    assert client.get(f"/api/job/{a}").json()["result"]["run_count"] == 2
    assert client.get("/api/job/result/nosuchjob0000000").status_code == 404


def test_results_are_capped_per_job(client: TestClient, store: Store) -> None:
    job_id = client.post("/api/job/", json=HTTP_JOB).json()["result"]
    now = time.time()
    for i in range(105):
        store.run(store.runs.end(job_id=job_id, run=_run(job_id, f"r{i}", now + i), ender="test"))
    runs = client.get(f"/api/job/result/{job_id}").json()["result"]
    assert len(runs) == 100
    assert _names(runs)[0] == "r104"


def test_results_outside_the_window_are_not_returned(client: TestClient, store: Store) -> None:
    job_id = client.post("/api/job/", json=HTTP_JOB).json()["result"]
    store.run(store.runs.end(job_id=job_id, run=_run(job_id, "old", time.time() - 2 * 86_400), ender="test"))
    store.run(store.runs.end(job_id=job_id, run=_run(job_id, "new", time.time()), ender="test"))
    assert _names(client.get(f"/api/job/result/{job_id}").json()["result"]) == ["new"]


def test_deleting_a_job_deletes_its_results(client: TestClient, store: Store) -> None:
    job_id = client.post("/api/job/", json=HTTP_JOB).json()["result"]
    store.run(store.runs.end(job_id=job_id, run=_run(job_id, "r", time.time()), ender="test"))
    client.delete(f"/api/job/{job_id}")
    assert client.get("/api/job/result").json()["result"] == []


def test_job_timezone_and_seconds_schedule(client: TestClient) -> None:
    job = {**HTTP_JOB, "schedule": "*/10 * * * * *", "timezone": "Asia/Kolkata"}
    job_id = client.post("/api/job/", json=job).json()["result"]
    result = client.get(f"/api/job/{job_id}").json()["result"]
    assert result["timezone"] == "Asia/Kolkata"
    assert result["next_run"] - time.time() <= 10.5


def _run(job_id: str, name: str, start: float) -> RunResult:
    """A run of ``job_id`` whose id ends in ``name`` (a job's run ids start with the job's id)."""
    return RunResult.model_validate(
        {
            "success": True,
            "start": start,
            "end": start + 0.1,
            "run_id": f"{job_id}-{name}",
            "output": {"job_id": job_id, "stdout": f"out {name}", "stderr": "", "exit_code": 0},
        }
    )


def _names(runs: list[dict[str, object]]) -> list[str]:
    return [str(run["run_id"]).split("-", 1)[1] for run in runs]

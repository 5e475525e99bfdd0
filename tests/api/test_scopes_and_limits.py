"""Scoped API keys (401, 403 per scope), the admin routes, and the limits on what a key may register."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from unicron_api.app import create_app
from unicron_core.apikeys import Scope
from unicron_core.records import HttpOutput, RunResult
from unicron_core.settings import Settings
from unicron_core.store import Store

from helpers import HOSTILE

JOB = {"name": "j", "schedule": "*/5 * * * *", "http_url": "http://example.test/"}
TASK = {"name": "t", "http_url": "http://example.test/"}

# Every secured operation with the scope it needs and a request that would otherwise succeed.
OPERATIONS: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("jobs:write", "POST", "/api/job/", JOB),
    ("jobs:read", "GET", "/api/job/", None),
    ("jobs:read", "GET", "/api/job/result", None),
    ("jobs:read", "GET", "/api/job/result/{job}", None),
    ("jobs:read", "GET", "/api/job/{job}", None),
    ("jobs:write", "DELETE", "/api/job/{job}", None),
    ("tasks:write", "POST", "/api/async/", TASK),
    ("tasks:write", "GET", "/api/async/{task}", None),
    ("admin", "POST", "/api/admin/token", {"name": "new", "scopes": ["jobs:read"]}),
    ("admin", "GET", "/api/admin/token", None),
    ("admin", "DELETE", "/api/admin/token/{victim}", None),
    ("jobs:read", "POST", "/api/schedule/preview", {"schedule": "@daily"}),
    ("jobs:read", "GET", "/api/job/{job}/next", None),
    ("jobs:write", "PUT", "/api/job/{job}", JOB),
    ("jobs:write", "PATCH", "/api/job/{job}", {"schedule": "@daily"}),
    ("jobs:read", "GET", "/api/job/{job}/versions", None),
    ("jobs:write", "POST", "/api/job/{job}/versions/{first}/restore", None),
    ("jobs:write", "PUT", "/api/job/name/{name}", JOB),
    ("jobs:write", "POST", "/api/job/{job}/pause", {}),
    ("jobs:write", "POST", "/api/job/{paused}/resume", {}),
    ("jobs:write", "POST", "/api/job/{job}/run", {}),
    ("jobs:read", "GET", "/api/jobs", None),
    ("jobs:write", "POST", "/api/jobs/pause", {"tag": "t"}),
    ("jobs:write", "POST", "/api/jobs/resume", {"tag": "t"}),
    ("jobs:read", "GET", "/api/runs", None),
    ("jobs:read", "GET", "/api/runs/{run}", None),
    ("jobs:write", "POST", "/api/runs/{run}/rerun", None),
    ("jobs:write", "POST", "/api/runs/{queued}/abort", None),
    ("tasks:write", "POST", "/api/async/{task}/abort", None),
    ("admin", "GET", "/api/audit", None),
]


def _key(store: Store, *scopes: str) -> dict[str, str]:
    name = "k-" + "-".join(s.replace(":", "_") for s in scopes) if scopes else "k-none"
    token = store.run(store.access.create(name=name, scopes=frozenset(Scope(s) for s in scopes)))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def ids(client: TestClient, store: Store) -> dict[str, str]:
    store.run(store.access.create(name="victim", scopes=frozenset({Scope.JOBS_READ})))
    job = client.post("/api/job/", json=JOB).json()["result"]
    paused = client.post("/api/job/", json={**JOB, "name": "p"}).json()["result"]
    assert client.post(f"/api/job/{paused}/pause").status_code == 200
    run = RunResult(
        success=True,
        start=time.time(),
        end=time.time(),
        run_id=f"{job}-1",
        output=HttpOutput(job_id=job, status_code=200, text=""),
    )
    store.run(store.runs.record(job_id=job, run=run))
    return {
        "job": job,
        "first": "1",
        "name": JOB["name"],
        "victim": "victim",
        "paused": paused,
        "run": run.run_id,
        "task": client.post("/api/async/", json=TASK).json()["result"],
        "queued": client.post(f"/api/job/{job}/run").json()["result"]["run_id"],  # no worker: it stays queued
    }


@pytest.mark.parametrize(("scope", "method", "path", "body"), OPERATIONS)
def test_each_operation_needs_its_scope(
    client: TestClient,
    store: Store,
    ids: dict[str, str],
    scope: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    url = path.format(**ids)
    others = [s.value for s in Scope if s.value not in (scope, "admin")]
    refused = client.request(method, url, json=body, headers=_key(store, *others))
    assert refused.status_code == 403, refused.text
    assert refused.json()["msg"] == f"this API key lacks the {scope} scope"
    allowed = client.request(method, url, json=body, headers=_key(store, scope))
    assert allowed.status_code in (200, 201, 202), allowed.text
    assert client.request(method, url, json=body, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_every_secured_operation_is_checked_above(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    secured = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if "x-unicron-scope" in op
    }
    checked = {
        (method, re.sub(r"\{[^}]+\}|/1/|/victim$|/name/j$", _same, path)) for _, method, path, _ in OPERATIONS
    }
    assert secured == checked


def _same(match: re.Match[str]) -> str:
    return {"/1/": "/{}/", "/victim": "/{}", "/name/j": "/name/{}"}.get(match.group(0), "{}")


def test_admin_routes_make_list_and_revoke_keys(client: TestClient) -> None:
    made = client.post("/api/admin/token", json={"name": "ci", "scopes": ["jobs:read", "jobs:write"]})
    assert made.status_code == 201
    token = made.json()["result"]["token"]
    assert client.post("/api/admin/token", json={"name": "ci", "scopes": ["jobs:read"]}).status_code == 409
    listed = client.get("/api/admin/token").json()["result"]
    assert [(k["name"], k["scopes"]) for k in listed] == [("ci", ["jobs:read", "jobs:write"])]
    assert token not in str(listed)
    job = client.post("/api/job/", json=JOB, headers={"Authorization": f"Bearer {token}"})
    assert job.status_code == 201
    assert client.get(f"/api/job/{job.json()['result']}").json()["result"]["created_by"] == "ci"
    assert client.delete("/api/admin/token/ci").json()["result"] == 1
    assert client.get("/api/job/", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    bad = client.post("/api/admin/token", json={"name": "x", "scopes": ["root"]})
    assert bad.status_code == 422


def test_commands_need_the_commands_scope(client: TestClient, store: Store) -> None:
    command = {"name": "c", "schedule": "@daily", "command": "true"}
    refused = client.post("/api/job/", json=command, headers=_key(store, "jobs:write"))
    assert refused.status_code == 403
    assert "commands scope" in refused.json()["msg"]
    assert (
        client.post("/api/job/", json=command, headers=_key(store, "jobs:write", "commands")).status_code
        == 201
    )


# Every hostile URL of the guard's own tests whose host needs no test-only DNS name.
LITERAL_HOSTILE = [url for url in HOSTILE if ".test" not in url]


@pytest.mark.parametrize("url", LITERAL_HOSTILE)
@pytest.mark.parametrize("field", ["http_url", "hook_url"])
def test_egress_guard_at_creation(client: TestClient, url: str, field: str) -> None:
    response = client.post("/api/job/", json={**JOB, field: url})
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body["result"]) == {field}  # the model's 422 or the egress guard's, each names the field
    assert body["msg"].endswith(f"{field}: {body['result'][field]}")
    assert client.get("/api/job/").json()["result"] == {}


def _client(settings: Settings, **changes: Any) -> TestClient:
    changed = settings.model_copy(update=changes)
    return TestClient(create_app(changed), headers={"Authorization": "Bearer test-token-0123456789"})


def test_shortest_interval_and_most_jobs(settings: Settings) -> None:
    with _client(settings, min_interval_s=60, max_jobs=2) as client:
        fast = client.post("/api/job/", json={**JOB, "schedule": "*/10 * * * * *"})
        assert fast.status_code == 422
        assert "UNICRON_MIN_INTERVAL" in fast.json()["msg"]
        assert fast.json()["result"] == {
            "schedule": "it can fire every 10 s; this cluster allows at most one fire every 60 s "
            "(UNICRON_MIN_INTERVAL)"
        }
        assert client.post("/api/job/", json=JOB).status_code == 201
        assert client.post("/api/job/", json=JOB).status_code == 201
        full = client.post("/api/job/", json=JOB)
        assert full.status_code == 403
        assert "UNICRON_MAX_JOBS" in full.json()["msg"]


def test_rate_limit_per_key(settings: Settings) -> None:
    with _client(settings, rate_limit_per_minute=5) as client:
        codes = [client.get("/api/job/").status_code for _ in range(7)]
        assert codes[:5] == [200] * 5
        limited = client.get("/api/job/")
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 61
        assert limited.json()["success"] is False


def test_stored_key_revoked_and_rate_limited_on_the_hot_routes(settings: Settings, store: Store) -> None:
    """The asyncio path (POST /api/async/, /api/job/): a revoked key is refused at its next request,
    and a stored key's requests are counted against its limit."""
    headers = _key(store, "tasks:write", "jobs:write")
    with _client(settings, rate_limit_per_minute=3) as client:
        assert client.post("/api/async/", json=TASK, headers=headers).status_code == 201
        assert client.post("/api/job/", json=JOB, headers=headers).status_code == 201
        assert client.post("/api/async/", json=TASK, headers=headers).status_code == 201
        limited = client.post("/api/job/", json=JOB, headers=headers)
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 61
        store.run(store.access.revoke(name="k-tasks_write-jobs_write"))
        assert client.post("/api/async/", json=TASK, headers=headers).status_code == 401

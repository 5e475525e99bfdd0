"""OpenAPI, interactive docs and health routes."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_openapi_has_stable_operation_ids_and_bearer_auth(client: TestClient) -> None:
    spec = client.get("/api/openapi.json", headers={"Authorization": ""}).json()
    operations = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert operations == {
        "version",
        "create_job",
        "list_jobs",
        "list_results",
        "job_results",
        "get_job",
        "delete_job",
        "create_task",
        "get_task",
        "create_token",
        "list_tokens",
        "revoke_token",
        "preview_schedule",
        "job_next_times",
        "healthz",
        "readyz",
        # The job lifecycle: versions, upsert, pause, resume, run now, pages, the audit log.
        "replace_job",
        "patch_job",
        "job_versions",
        "restore_job_version",
        "upsert_job",
        "pause_job",
        "resume_job",
        "run_job",
        "page_jobs",
        "pause_jobs",
        "resume_jobs",
        "page_runs",
        "get_run",
        "rerun",
        "audit_log",
        # Execution control: aborts.
        "abort_run",
        "abort_task",
    }
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_docs_page(client: TestClient) -> None:
    response = client.get("/api/docs", headers={"Authorization": ""})
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


def test_health_routes_need_no_token(client: TestClient) -> None:
    assert client.get("/healthz", headers={"Authorization": ""}).json()["result"] == "alive"
    assert client.get("/readyz", headers={"Authorization": ""}).json()["result"] == "ready"

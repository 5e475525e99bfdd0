"""The OpenAPI contract: committed, complete, typed, and true to what the API answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from unicron_api.app import EXAMPLED, openapi_spec
from unicron_core.models import JobSpec
from unicron_core.views import JobInfo, JobView, TaskView

ROOT = Path(__file__).resolve().parents[2]
# Error answers beyond those the rules below give an operation (a body, a path id, a query).
EXTRA_ERRORS = {
    "create_token": {"409"},  # the name is taken
    "replace_job": {"409"},  # the job kept changing under the change
    "patch_job": {"409"},
    "restore_job_version": {"409"},
    "upsert_job": {"409"},  # several jobs have the name
    "resume_job": {"409"},  # not paused
    "abort_run": {"409"},  # the run has ended
    "abort_task": {"409"},
}


def _operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["operationId"]: op for path in spec["paths"].values() for op in path.values()}


def _paths(spec: dict[str, Any]) -> dict[str, str]:
    return {op["operationId"]: path for path, ops in spec["paths"].items() for op in ops.values()}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return openapi_spec()


def test_committed_openapi_json_is_what_the_app_serves(client: TestClient) -> None:
    served = client.get("/api/openapi.json").json()
    committed = json.loads((ROOT / "openapi.json").read_text())
    assert served == openapi_spec()
    assert committed == served, "openapi.json is stale: run `make client` and commit the result"


def test_every_operation_is_documented(spec: dict[str, Any]) -> None:
    paths = _paths(spec)
    for operation_id, op in _operations(spec).items():
        assert op["summary"] and op["description"] and op["tags"], operation_id
        codes = set(op["responses"])
        expected = {"503"} if operation_id == "readyz" else set()
        if paths[operation_id].startswith("/api"):
            expected.add("429")  # every /api operation: the rate limit slots in there
        if "x-unicron-scope" in op:
            expected |= {"401", "403", "429", "503"}
            assert op["security"] == [{"HTTPBearer": []}], operation_id
        else:
            assert "security" not in op, operation_id
        places = {parameter["in"] for parameter in op.get("parameters", [])}
        if "requestBody" in op:
            expected |= {"400", "413", "422"}
        if "path" in places:
            expected |= {"404", "422"}
        if "query" in places:
            expected.add("422")
        expected |= EXTRA_ERRORS.get(operation_id, set())
        errors = {code for code in codes if code[0] in "45"}
        assert errors == expected, operation_id
        for code in errors:
            response = op["responses"][code]["content"]["application/json"]
            assert response["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}, (operation_id, code)
            assert response["example"]["success"] is False


def test_every_answer_is_a_typed_envelope(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for operation_id, op in _operations(spec).items():
        oks = [code for code in op["responses"] if code.startswith("2")]
        refs = {op["responses"][ok]["content"]["application/json"]["schema"]["$ref"] for ok in oks}
        (ref,) = refs  # one envelope, whatever the success code
        envelope = schemas[ref.rsplit("/", 1)[-1]]
        assert envelope["required"] == ["success", "msg", "result"], operation_id
        result = envelope["properties"]["result"]
        assert result.get("type") or result.get("$ref") or result.get("const"), (operation_id, result)
        if result.get("type") == "object":
            assert result["additionalProperties"].get("$ref"), (operation_id, result)
        if result.get("type") == "array":
            assert result["items"].get("$ref"), (operation_id, result)


def test_every_model_has_a_description_and_examples_that_validate(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for name, schema in schemas.items():
        assert schema.get("description"), name
    models: tuple[type[BaseModel], ...] = EXAMPLED
    for model in models:
        examples = schemas[model.__name__]["examples"]
        assert examples, model.__name__
        for example in examples:
            model.model_validate(example)


def test_answers_holding_an_id_link_to_every_operation_that_takes_it(spec: dict[str, Any]) -> None:
    # The stateful tests (schemathesis) follow these links: an operation left out is never called
    # with an id that exists.
    operations = _operations(spec)

    def taking(name: str) -> set[str]:
        return {
            operation_id
            for operation_id, operation in operations.items()
            if [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"] == [name]
        }

    def links(operation_id: str, status: str) -> set[str]:
        return set(operations[operation_id]["responses"][status]["links"])

    assert links("create_job", "201") == links("upsert_job", "200") == taking("job_id")
    assert len(taking("job_id")) == 10
    assert (
        links("run_job", "202")
        == links("rerun", "202")
        == taking("run_id")
        == {"get_run", "rerun", "abort_run"}
    )
    assert links("create_task", "201") == taking("task_id") == {"get_task", "abort_task"}
    for operation_id in ("replace_job", "patch_job"):
        assert links(operation_id, "200") == {"restore_job_version"}
    assert links("pause_job", "200") == {"resume_job"}


def test_job_info_shows_every_field_of_a_job_spec_but_its_schedule() -> None:
    # A field added to JobSpec must be added to the view, or answers would silently drop it.
    assert set(JobInfo.model_fields) == set(JobSpec.model_fields) - {"schedule"}


def test_answers_validate_against_their_views(client: TestClient) -> None:
    spec = {"name": "n", "schedule": "@daily", "http_url": "http://x.test/", "http_headers": {"A": "b"}}
    job_id = client.post("/api/job/", json=spec).json()["result"]
    job = JobView.model_validate(client.get(f"/api/job/{job_id}").json()["result"])
    assert job.info.http_headers == {"A": "***"}
    task_id = client.post("/api/async/", json={"name": "t", "command": "true"}).json()["result"]
    TaskView.model_validate(client.get(f"/api/async/{task_id}").json()["result"])


def test_method_not_allowed_names_every_method_of_the_path(client: TestClient) -> None:
    response = client.request("POST", "/api/job/Hh3tS0Q2mXbGz7Lk")
    assert response.status_code == 405
    assert response.json() == {"success": False, "msg": "POST is not allowed here", "result": None}
    assert response.headers["Allow"] == "DELETE, GET, PATCH, PUT"
    # "result" is never a job id: /api/job/result lists its own methods only, and answers 405 to others.
    for method in ("OPTIONS", "DELETE"):
        for path in ("/api/job/result", "/api/job/result/"):
            response = client.request(method, path)
            assert (response.status_code, response.headers["Allow"]) == (405, "GET"), (method, path)
    assert client.request("PUT", "/api/job/").headers["Allow"] == "GET, POST"
    # FastAPI's own routes (the spec, the docs) keep Starlette's Allow: this once answered 500.
    for path in ("/api/openapi.json", "/api/docs"):
        response = client.post(path)
        assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) == {"GET", "HEAD"}

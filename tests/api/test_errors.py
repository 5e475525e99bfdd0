"""Every bad input gets the envelope, an honest status and a message naming the problem; nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import SecretStr

from unicron_api.app import create_app
from unicron_core.settings import Settings

GOOD = {"name": "n", "schedule": "* * * * *", "command": "true"}


def _refused(response: Any, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is False
    for word in words:
        assert word in body["msg"], body
    return body


def _nothing_written(client: TestClient) -> None:
    assert client.get("/api/job/").json()["result"] == {}


def test_malformed_json(client: TestClient) -> None:
    response = client.post("/api/job/", content=b'{"name": ', headers={"Content-Type": "application/json"})
    _refused(response, 400, "malformed JSON")
    _nothing_written(client)


@pytest.mark.parametrize("body", [b"[1, 2]", b'"job"', b"42", b"null"])
def test_body_that_is_not_an_object(client: TestClient, body: bytes) -> None:
    response = client.post("/api/job/", content=body, headers={"Content-Type": "application/json"})
    _refused(response, 422, "JSON object")
    _nothing_written(client)


@pytest.mark.parametrize(
    "content_type",
    [None, "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"],
)
def test_body_is_read_as_json_whatever_its_content_type(client: TestClient, content_type: str | None) -> None:
    # As the original (Flask's get_json(force=True)): `curl -d` labels a JSON body as a form.
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(
        "/api/job/", content=b'{"name": "n", "schedule": "* * * * *", "command": "true"}', headers=headers
    )
    assert response.status_code == 201, response.text
    response = client.post("/api/job/", data={"name": "x"})  # a real form is malformed JSON
    _refused(response, 400, "malformed JSON body")
    body = _refused(client.post("/api/job/", content=b"[1]", headers=headers), 422, "JSON object")
    assert body["result"] == {"body": "the body must be a JSON object"}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"name": None}, "name", ["Field required"]),
        ({"name": 5}, "name", ["valid string"]),
        ({"name": ""}, "name", ["at least 1"]),
        ({"schedule": None}, "schedule", ["Field required"]),
        ({"schedule": "61 * * * *"}, "schedule", ["61"]),
        ({"schedule": "* * *"}, "schedule", ["cron"]),
        ({"timezone": "Mars/Olympus"}, "timezone", ["Mars/Olympus"]),
        ({"http_url": "http://x.test/"}, "body", ["exactly one of http_url and command"]),
        ({"command": None}, "body", ["exactly one of http_url and command"]),
        ({"command": None, "http_url": "ftp://x.test/"}, "http_url", ["http"]),
        ({"command": None, "http_url": "http://x.test/", "http_method": "brew"}, "http_method", ["get"]),
        ({"http_headers": {"X": 5}}, "http_headers.X", ["string"]),
        ({"http_headers": ["X"]}, "http_headers", ["dictionary"]),
        ({"hook_headers": "x"}, "hook_headers", ["dictionary"]),
        ({"email": "not-an-address"}, "email", ["email"]),
        ({"timeout": -1}, "timeout", ["greater than 0"]),
        ({"catchup": "sometimes"}, "catchup", ["latest"]),
        ({"unknown_field": 1}, "unknown_field", ["unknown field"]),
    ],
)
def test_invalid_job(client: TestClient, change: dict[str, Any], field: str, words: list[str]) -> None:
    payload = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    body = _refused(client.post("/api/job/", json=payload), 422, field)
    assert field in body["result"], body
    for word in words:
        assert word in body["result"][field], body
    _nothing_written(client)


@pytest.mark.parametrize(
    ("change", "result"),
    [
        (
            {"schedule": "61 * * * *"},
            {"schedule": "invalid cron expression '61 * * * *': minute 61 is out of range 0-59"},
        ),
        (
            {"schedule": "0 0 30 2 *", "timezone": "Europe/Berlin"},
            {
                "schedule": "invalid cron expression '0 0 30 2 *': "
                "day-of-month 30 does not occur in month 2, so it never fires"
            },
        ),
        ({"timezone": "Mars/Olympus"}, {"timezone": "unknown time zone 'Mars/Olympus'"}),
        # A schedule cannot be judged without its zone: only the zone is named.
        (
            {"schedule": "61 * * * *", "timezone": "Mars/Olympus"},
            {"timezone": "unknown time zone 'Mars/Olympus'"},
        ),
    ],
)
def test_schedule_and_zone_errors_are_filed_under_their_field(
    client: TestClient, change: dict[str, Any], result: dict[str, str]
) -> None:
    body = _refused(client.post("/api/job/", json={**GOOD, **change}), 422)
    assert body["result"] == result, body
    field, message = next(iter(result.items()))
    assert body["msg"] == f"invalid request: {field}: {message}"


@pytest.mark.parametrize(("path", "extra"), [("/api/job/", {"schedule": "@daily"}), ("/api/async/", {})])
def test_data_too_long_for_the_query_string(client: TestClient, path: str, extra: dict[str, str]) -> None:
    # 900 KB passes the body limit; in a GET's query string every run of it failed with "invalid URL".
    payload = {"name": "n", "http_url": "http://example.test/", "http_data": {"a": "x" * 900_000}, **extra}
    body = _refused(client.post(path, json=payload), 422, "http_data")
    assert set(body["result"]) == {"http_data"}
    assert "the limit is 65536" in body["result"]["http_data"], body
    assert client.post(path, json={**payload, "http_method": "post"}).status_code == 201  # a body may


def test_missing_name_and_schedule_each_reported(client: TestClient) -> None:
    body = _refused(client.post("/api/job/", json={"command": "true"}), 422)
    assert set(body["result"]) == {"name", "schedule"}
    assert body["result"]["name"] == "Field required"


def test_task_with_schedule_is_refused(client: TestClient) -> None:
    body = _refused(client.post("/api/async/", json=GOOD), 422, "schedule")
    assert body["result"] == {"schedule": "unknown field"}


def test_body_over_one_mebibyte(client: TestClient) -> None:
    big = {**GOOD, "name": "x" * (1024 * 1024 + 10)}
    _refused(client.post("/api/job/", json=big), 413, "too large")
    _nothing_written(client)


def test_chunked_body_over_one_mebibyte(client: TestClient) -> None:
    # No Content-Length to refuse up front: the limit is met while the body is read (FastAPI answered
    # 400 "There was an error parsing the body"). tests/integration/test_api_wire.py does it on the wire.
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        yield b"x" * (2 * 1024 * 1024)
        yield b'", "schedule": "@daily", "command": "true"}'

    body = _refused(client.post("/api/job/", content=chunks()), 413, "the limit is 1048576 bytes")
    assert body["result"] is None
    _nothing_written(client)


@pytest.mark.parametrize(
    "path", ["/api/job/nosuchjob0000000", "/api/async/3f1d7c9e-0000-4000-8000-000000000000"]
)
def test_unknown_ids(client: TestClient, path: str) -> None:
    _refused(client.get(path), 404, "no ")


def test_unknown_route(client: TestClient) -> None:
    _refused(client.get("/api/nothing-here"), 404, "no route")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/job/"),
        ("POST", "/api/job/"),
        ("GET", "/api/job/abc"),
        ("DELETE", "/api/job/abc"),
        ("GET", "/api/job/result"),
        ("GET", "/api/job/result/abc"),
        ("POST", "/api/async/"),
        ("GET", "/api/async/abc"),
    ],
)
@pytest.mark.parametrize("auth", [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz"])
def test_missing_or_wrong_token(client: TestClient, method: str, path: str, auth: str | None) -> None:
    headers = {"Authorization": auth} if auth else {"Authorization": ""}
    response = client.request(method, path, headers=headers, json=GOOD)
    body = _refused(response, 401, "token")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert body["result"] is None


def test_commands_need_the_cluster_setting(settings: Settings) -> None:
    closed = settings.model_copy(update={"allow_commands": False})
    with TestClient(create_app(closed), headers={"Authorization": "Bearer test-token-0123456789"}) as client:
        _refused(client.post("/api/job/", json=GOOD), 403, "UNICRON_ALLOW_COMMANDS")
        _refused(
            client.post("/api/async/", json={"name": "t", "command": "true"}), 403, "UNICRON_ALLOW_COMMANDS"
        )
        _nothing_written(client)


def test_redis_down_gives_503(settings: Settings) -> None:
    dead = settings.model_copy(update={"redis_url": SecretStr("redis://127.0.0.1:1/0")})
    with TestClient(create_app(dead), headers={"Authorization": "Bearer test-token-0123456789"}) as client:
        for response in (client.get("/api/job/"), client.post("/api/job/", json=GOOD), client.get("/readyz")):
            _refused(response, 503, "Redis")
        assert client.get("/healthz").status_code == 200


def test_redis_client_fixture_is_isolated(redis_client: redis.Redis) -> None:
    assert redis_client.dbsize() == 0


# Found by fuzzing and probing the live API (tests/fuzz); each was a silent change of data or a vague answer.


_DATA = b'{"name": "n", "schedule": "@daily", "command": "true", "http_data": {"a": %s}}'


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (_DATA % b"NaN", "NaN"),
        (_DATA % b"Infinity", "Infinity"),
        (_DATA % b"-Infinity", "-Infinity"),
        (_DATA % b"1e400", "too large"),
        (_DATA % (b"1" + b"0" * 5000), "digits"),
        (b'{"name": "\xff"}', "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_body_that_is_not_strict_json(client: TestClient, body: bytes, words: str) -> None:
    # Python's json reads NaN, Infinity and 1e400; stored, they came back as null.
    response = client.post("/api/job/", content=body, headers={"Content-Type": "application/json"})
    _refused(response, 400, "malformed JSON body", words)
    _nothing_written(client)


def test_invalid_path_parameter_is_named(client: TestClient) -> None:
    body = _refused(client.get("/api/job/not-an-id"), 422, "job_id")
    assert set(body["result"]) == {"job_id"}
    body = _refused(client.get("/api/async/not-a-uuid"), 422, "task_id")
    assert set(body["result"]) == {"task_id"}


@pytest.mark.parametrize("path", ["/api/job/%0A", "/api/job/result%0A", "/api/async/%0A"])
def test_a_trailing_newline_is_part_of_the_path(client: TestClient, path: str) -> None:
    # A route pattern ending in `$` would also match before the newline (GET /api/job/ with a `\n`
    # answered the listing): the newline is the id, which is not a valid one.
    _refused(client.get(path), 422)


@pytest.mark.parametrize("body", [b'{"name": ', b"[1]", b'{"name": NaN}', b'{"unknown": 1}'])
def test_token_is_checked_before_the_body(client: TestClient, body: bytes) -> None:
    # A caller without a token learns nothing about its body, and the API parses nothing for it.
    for path in ("/api/job/", "/api/async/"):
        headers = {"Authorization": "", "Content-Type": "application/json"}
        _refused(client.post(path, content=body, headers=headers), 401, "token")

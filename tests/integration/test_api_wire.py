"""Bodies as real clients put them on the wire, against a live ``unicron api``: curl's commands from
the README (curl labels ``-d`` bodies as a form), and a chunked upload over the size limit."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from unicron_testkit.cluster import TOKEN, lone_api

README = Path(__file__).parents[2] / "README.md"
CURL_TIMEOUT_S = 15
# What curl 7.x/8.x sends with -d or --data-binary: its own User-Agent, Accept */* and this label.
CURL_FORM = "application/x-www-form-urlencoded"
# How each way of sending is spelled to curl, and the Content-Type it then sends (None: no header).
WAYS = {
    "-d": (["-d"], CURL_FORM),
    "--data-binary": (["--data-binary"], CURL_FORM),
    "no Content-Type": (["-H", "Content-Type:", "--data-binary"], None),
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[httpx.Client]:
    """One ``unicron api`` for the module, on the session's Redis (emptied first)."""
    with lone_api(tmp_path_factory.mktemp("wire-procs"), redis_url) as client:
        yield client


def readme_payloads() -> list[tuple[str, str]]:
    """The path and the body of every POST of the README's API section before its subsections (the
    original's flows), as the README writes them."""
    section = README.read_text().split("## The API", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    commands = re.findall(r"^curl -X POST (.*?)(?=^curl |^#|^```)", section, flags=re.M | re.S)
    posts = [(re.search(r"\$API(/\S*)", c), re.search(r"-d '(.*?)'", c, flags=re.S)) for c in commands]
    return [("/api" + path[1], body[1]) for path, body in posts if path and body]


def post_like_curl(api: httpx.Client, way: str, path: str, body: str) -> tuple[int, dict[str, Any]]:
    """POSTs ``body`` as ``curl -X POST <way> "$body" -H "Authorization: Bearer $TOKEN"`` does: with
    the real curl when it is installed, else the same bytes and headers with httpx."""
    options, content_type = WAYS[way]
    url = f"{api.base_url}".rstrip("/") + path
    curl = shutil.which("curl")
    if curl is None:
        headers = {"User-Agent": "curl/8.14.1", "Accept": "*/*", "Authorization": f"Bearer {TOKEN}"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        response = httpx.post(url, content=body.encode(), headers=headers, timeout=CURL_TIMEOUT_S)
        return response.status_code, response.json()
    done = subprocess.run(
        [curl, "-sS", "-X", "POST", *options, body, "-H", f"Authorization: Bearer {TOKEN}",
         "-w", "\n%{http_code}", url],
        capture_output=True, text=True, timeout=CURL_TIMEOUT_S, check=True,
    )  # fmt: skip
    answer, status = done.stdout.rsplit("\n", 1)
    return int(status), json.loads(answer)


def test_the_readme_has_two_jobs_a_task_and_a_preview_to_post() -> None:
    paths = [path for path, _ in readme_payloads()]
    assert paths == ["/api/job/", "/api/job/", "/api/async/", "/api/schedule/preview"], paths


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(
    ("path", "body"),
    [pytest.param(*post, id=f"README POST {n}") for n, post in enumerate(readme_payloads(), 1)],
)
def test_curl_bodies_are_json_whatever_their_label(api: httpx.Client, way: str, path: str, body: str) -> None:
    # The original read bodies with Flask's get_json(force=True): `curl -d "$PAYLOAD"` worked.
    status, answer = post_like_curl(api, way, path, body)
    if path == "/api/schedule/preview":  # answers, stores nothing
        assert status == 200 and answer["result"]["times"], answer
        return
    assert status == 201, answer
    kind = "job" if path == "/api/job/" else "async"
    stored = api.get(f"/api/{kind}/{answer['result']}").json()["result"]
    sent = json.loads(body)
    if kind == "job":
        assert stored["schedule"] == sent["schedule"]
        assert stored["info"]["name"] == sent["name"]
    else:
        assert stored["task_id"] == answer["result"]


@pytest.mark.parametrize("way", WAYS)
def test_a_form_that_is_not_json_is_malformed_json(api: httpx.Client, way: str) -> None:
    status, answer = post_like_curl(api, way, "/api/job/", "name=ping&schedule=@daily&command=true")
    assert status == 400, answer
    assert answer["success"] is False and str(answer["msg"]).startswith("malformed JSON body"), answer


def test_the_label_does_not_matter_without_a_token(api: httpx.Client) -> None:
    # Bearer auth is what keeps a cross-site form out: a browser form cannot send the header.
    form = {"Content-Type": CURL_FORM, "Authorization": ""}
    response = api.post("/api/job/", content=b'{"name": "x"}', headers=form)
    assert response.status_code == 401, response.text


def test_a_chunked_body_over_the_limit_is_413(api: httpx.Client) -> None:
    # No Content-Length: the size is known only as the chunks arrive.
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "big", "schedule": "@daily", "command": "true", "http_data": {"a": "'
        for _ in range(32):
            yield b"x" * 65_536  # 2 MiB in all
        yield b'"}}'

    response = api.post("/api/job/", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in response.request.headers
    assert response.status_code == 413, response.text
    body = response.json()
    assert body == {
        "success": False,
        "msg": "request body too large (the limit is 1048576 bytes)",
        "result": None,
    }
    jobs = api.get("/api/job/").json()["result"]
    assert all(job["info"]["name"] != "big" for job in jobs.values())

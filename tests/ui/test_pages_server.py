"""The dashboard's server side, in process on the real Redis: sessions, CSRF, scopes, headers, every
screen rendering, forms and their errors (the browser tests drive the same pages in Chromium)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from unicron_api.app import create_app
from unicron_core.apikeys import OPERATOR, Scope
from unicron_core.models import JobSpec
from unicron_core.records import missed_run
from unicron_core.settings import Settings
from unicron_core.store import Store

from helpers import raw

ADMIN = "ui-admin-token-0123456789"
BASE = "http://testserver"


@pytest.fixture
def settings(redis_url: str, redis_client: object) -> Settings:
    return Settings(
        key="ui-test-cluster-key-0123456789",
        redis_url=redis_url,
        admin_token=ADMIN,
        tz="UTC",
        allow_commands=True,
        egress_allow="127.0.0.0/8",
    )


@pytest.fixture
def store(settings: Settings) -> Store:
    return Store.from_settings(settings)


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url=BASE, follow_redirects=False) as client:
        yield client


def sign_in(client: TestClient, key: str = ADMIN) -> str:
    """Signs in; the session's CSRF token (read off a page)."""
    answer = client.post("/ui/login", data={"key": key, "next": "/ui/jobs"})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/ui/jobs"
    return csrf_of(client.get("/ui/").text)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def job_form(**fields: str) -> dict[str, str]:
    return {
        "name": "nightly",
        "schedule": "*/5 * * * *",
        "http_url": "http://127.0.0.1:9/x",
        "http_method": "get",
        "notify": "always",
        "overlap": "allow",
        "retries": "0",
        **fields,
    }


def test_sign_in_sets_a_strict_http_only_cookie_scoped_to_ui(app_client: TestClient) -> None:
    answer = app_client.post("/ui/login", data={"key": ADMIN})
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ui" in cookie
    assert "Secure" not in cookie  # plain http here; https sets it
    assert ADMIN not in cookie


def test_a_wrong_key_is_refused_with_the_reason(app_client: TestClient) -> None:
    answer = app_client.post("/ui/login", data={"key": "nope"})
    assert answer.status_code == 401 and "not known" in answer.text


def test_pages_need_a_session_and_say_where_to_go(app_client: TestClient) -> None:
    answer = app_client.get("/ui/jobs?state=paused")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/ui/login?next=")


def test_every_page_sends_the_security_headers(app_client: TestClient) -> None:
    sign_in(app_client)
    answer = app_client.get("/ui/")
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["cache-control"] == "no-store"
    assert "<script>" not in answer.text and " on" not in re.sub(r"<[^>]*>", "", "")


def test_the_session_never_authenticates_the_api(app_client: TestClient) -> None:
    sign_in(app_client)
    assert app_client.get("/api/job/").status_code == 401


def test_a_change_without_the_csrf_token_is_refused(app_client: TestClient, store: Store) -> None:
    sign_in(app_client)
    answer = app_client.post("/ui/jobs/new", data=job_form())
    assert answer.status_code == 403 and "reload the page" in answer.text
    assert store.run(store.overview.counts()).jobs == 0


def test_a_post_from_another_site_is_refused(app_client: TestClient) -> None:
    token = sign_in(app_client)
    answer = app_client.post(
        "/ui/jobs/new", data=job_form(csrf=token), headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403


def test_every_screen_renders(app_client: TestClient, store: Store) -> None:
    token = sign_in(app_client)
    answer = app_client.post("/ui/jobs/new", data=job_form(csrf=token, nonce="n1", tags="nightly, db"))
    assert answer.status_code == 303, answer.text
    job_url = answer.headers["location"]
    job_id = job_url.rsplit("/", 1)[1]
    assert "created" in app_client.get(job_url).text
    edited = app_client.post(f"/ui/jobs/{job_id}/edit", data=job_form(csrf=token, schedule="0 * * * *"))
    assert edited.status_code == 303, edited.text
    run = app_client.post(f"/ui/jobs/{job_id}/run", data={"csrf": token})
    assert run.status_code == 303
    (queued,) = (raw(rq_id).decode() for rq_id in store.redis.lrange(store.rq.queue_key, 0, -1))
    assert "queued" in app_client.get(f"/ui/runs/{queued}").text  # no worker here to start it
    overview = app_client.get("/ui/").text
    assert "Waiting for a worker: the first 1 of 1 queued" in overview and queued in overview
    for url in (
        f"/ui/runs/{queued}/live",
        "/ui/",
        "/ui/live",
        "/ui/jobs",
        "/ui/jobs?tag=db&state=active",
        job_url,
        f"{job_url}/edit",
        f"{job_url}/diff?a=1&b=2",
        "/ui/tasks",
        "/ui/audit",
        "/ui/keys",
        "/ui/jobs/new",
    ):
        answer = app_client.get(url)
        assert answer.status_code == 200, (url, answer.text[:2000])
    assert "0 * * * *" in app_client.get(job_url).text


def test_a_form_submitted_twice_makes_one_job(app_client: TestClient, store: Store) -> None:
    token = sign_in(app_client)
    first = app_client.post("/ui/jobs/new", data=job_form(csrf=token, nonce="same"))
    second = app_client.post("/ui/jobs/new", data=job_form(csrf=token, nonce="same"))
    assert first.headers["location"] == second.headers["location"]
    assert store.run(store.overview.counts()).jobs == 1


def test_a_bad_form_names_the_field(app_client: TestClient) -> None:
    token = sign_in(app_client)
    answer = app_client.post("/ui/jobs/new", data=job_form(csrf=token, schedule="61 * * * *"))
    assert answer.status_code == 422
    assert re.search(r'id="err-schedule"[^>]*>[^<]*minute', answer.text), answer.text
    check = app_client.post(
        "/ui/jobs/check", data=job_form(schedule="*/10 * * * *"), headers={"X-CSRF-Token": token}
    )
    assert check.status_code == 200 and "Next fires" in check.text


def test_a_read_only_key_sees_no_buttons_and_its_forged_post_is_refused(
    app_client: TestClient, store: Store
) -> None:
    reader = store.run(store.access.create(name="reader", scopes=frozenset({Scope.JOBS_READ})))
    token = sign_in(app_client, reader)
    html = app_client.get("/ui/jobs").text
    assert "Run now" not in html and "New job" not in html
    answer = app_client.post("/ui/jobs/new", data=job_form(csrf=token))
    assert answer.status_code == 403 and "jobs:write" in answer.text


def test_a_revoked_key_ends_its_sessions(app_client: TestClient, store: Store) -> None:
    key = store.run(store.access.create(name="temp", scopes=frozenset({Scope.JOBS_READ})))
    sign_in(app_client, key)
    assert app_client.get("/ui/jobs").status_code == 200
    store.run(store.access.revoke(name="temp"))
    answer = app_client.get("/ui/jobs")
    assert answer.status_code == 303 and "why=revoked" in answer.headers["location"]
    assert "was revoked" in app_client.get(answer.headers["location"]).text


def test_the_sign_in_page_says_only_its_own_words(app_client: TestClient) -> None:
    assert "Call 555" not in app_client.get("/ui/login?why=Call+555").text


def test_sign_out_ends_the_session(app_client: TestClient) -> None:
    token = sign_in(app_client)
    cookie = app_client.cookies.get("unicron_session")
    assert app_client.post("/ui/logout", data={"csrf": token}).status_code == 303
    app_client.cookies.set("unicron_session", cookie or "", path="/ui")
    assert app_client.get("/ui/").status_code == 303


def test_an_expired_session_returns_to_sign_in_and_changes_nothing(
    app_client: TestClient, store: Store, redis_client: redis.Redis
) -> None:
    token = sign_in(app_client)
    for key in redis_client.scan_iter("unicron:ui:session:*"):
        redis_client.delete(key)  # as its idle time running out does
    answer = app_client.post("/ui/jobs/new", data=job_form(csrf=token, nonce="late"))
    assert answer.status_code == 303 and answer.headers["location"].startswith("/ui/login?why=")
    assert store.run(store.overview.counts()).jobs == 0


def test_a_session_past_its_absolute_expiry_ends(app_client: TestClient, redis_client: redis.Redis) -> None:
    sign_in(app_client)
    for key in redis_client.scan_iter("unicron:ui:session:*"):
        redis_client.hset(key, "created", "1000.0")  # signed in long ago
    assert app_client.get("/ui/").status_code == 303
    assert not list(redis_client.scan_iter("unicron:ui:session:*"))


def test_the_overview_shows_the_runs_that_did_not_start(app_client: TestClient, store: Store) -> None:
    """A job that did not run is as much the overview's business as one that failed."""
    sign_in(app_client)
    spec = JobSpec(name="nightly", schedule="@daily", http_url="http://example.test/")
    job_id = store.run(store.jobs.create(spec=spec, actor=OPERATOR))
    now = time.time()
    span = (int(now * 1000) - 60_000, int(now * 1000) - 60_000)
    run = missed_run(job_id=job_id, spec=spec, count=1, span=span, grace_s=1, now=now)
    store.run(store.runs.record(job_id=job_id, run=run))
    html = app_client.get("/ui/").text
    assert "<strong>1</strong> missed in 24 h" in html
    missed = html[html.index('id="h-missed"') :]
    assert run.run_id in missed and "not fired within the misfire grace" in missed

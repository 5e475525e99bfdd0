"""The dashboard in a real browser (Debian's Chromium through Playwright) against a real cluster
(``unicron api``, ``scheduler`` and ``worker`` as subprocesses): the flows a user goes through, by
role and label as a person reads the page, with axe-core on every screen and a screenshot of each.

Screenshots go to the test's temporary folder; ``UNICRON_SCREENSHOTS=docs/ui`` (``make screenshots``)
writes the ones the README shows."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Browser, BrowserContext, Page, expect

from unicron_testkit.browser import Violation, new_context, screenshot
from unicron_testkit.cluster import TOKEN, Cluster, cluster_env
from unicron_testkit.procs import Procs
from unicron_testkit.waiting import wait_for

Axe = Callable[[Page], list[Violation]]
Shot = Callable[[Page, str], None]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Cluster]:
    """One cluster for the module's flows (each test makes its own jobs)."""
    redis.Redis.from_url(redis_url).flushall()
    procs = Procs(tmp_path_factory.mktemp("procs"))
    cluster = Cluster(procs=procs, env=cluster_env(redis_url))
    try:
        cluster.start_api()
        cluster.service("scheduler")
        cluster.service("worker")
        yield cluster
    finally:
        cluster.close()
        procs.stop_all()


@pytest.fixture
def shots(tmp_path: Path) -> Shot:
    """``shot(page, name)``: a full-page screenshot of the screen ``name``."""
    folder = Path(os.environ.get("UNICRON_SCREENSHOTS") or tmp_path / "shots")

    def shot(page: Page, name: str) -> None:
        screenshot(page, folder / f"{name}.png")

    return shot


def base(cluster: Cluster) -> str:
    assert cluster.api is not None
    return str(cluster.api.base_url).rstrip("/")


def sign_in(page: Page, cluster: Cluster, key: str = TOKEN, to: str = "/ui/") -> None:
    page.goto(base(cluster) + to)
    expect(page.get_by_role("heading", name="Sign in to Unicron")).to_be_visible()
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def no_violations(page: Page, axe: Axe) -> None:
    violations = axe(page)
    assert not violations, "\n".join(map(str, violations))


def make_job(cluster: Cluster, **fields: object) -> str:
    return cluster.post("/api/job/", {"name": "job", "schedule": "@every 1h", "command": "true", **fields})


def test_sign_in_with_the_keyboard_and_the_overview(
    page: Page, cluster: Cluster, axe: Axe, shots: Shot
) -> None:
    page.goto(base(cluster) + "/ui/jobs")
    expect(page).to_have_url(re.compile(r"/ui/login\?next="))
    no_violations(page, axe)
    shots(page, "sign-in")
    page.keyboard.press("Tab")  # the skip link first, then the key's field
    page.keyboard.press("Tab")
    expect(page.get_by_label("API key")).to_be_focused()
    page.keyboard.type(TOKEN)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()  # back where it was asked


def test_create_a_job_through_the_form_and_see_it_fire(
    page: Page, cluster: Cluster, axe: Axe, shots: Shot
) -> None:
    sign_in(page, cluster, to="/ui/jobs")
    page.get_by_role("link", name="New job").click()
    page.get_by_label("Name").fill("every second")
    page.get_by_label("Schedule").fill("61 * * * *")
    # Live validation: the API's message, next to the field it names, before any submit.
    expect(page.locator("#err-schedule")).to_contain_text("61")
    no_violations(page, axe)
    shots(page, "job-form")
    page.get_by_label("Schedule").fill("* * * * * *")
    expect(page.locator("#err-schedule")).to_be_empty()
    expect(page.get_by_text("Next fires:")).to_be_visible()
    page.get_by_label("Command").fill("echo fired")
    page.get_by_label("Tags").fill("browser")
    page.get_by_role("button", name="Create job").click()
    expect(page.get_by_role("heading", name=re.compile("every second"))).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("created")

    def fired() -> bool:
        page.reload()
        return page.get_by_role("link", name=re.compile(r"-\d{13}$")).count() > 0

    wait_for(fired, 20, "a fire on the job's screen")
    no_violations(page, axe)
    shots(page, "job")
    page.get_by_role("link", name="Jobs", exact=True).click()
    expect(page.get_by_role("link", name="every second")).to_be_visible()
    no_violations(page, axe)
    shots(page, "jobs")


def test_pause_resume_and_run_now(page: Page, cluster: Cluster) -> None:
    job_id = make_job(cluster, name="lifecycle")
    sign_in(page, cluster, to=f"/ui/jobs/{job_id}")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("status")).to_contain_text("paused")
    expect(page.get_by_role("heading", name=re.compile("lifecycle"))).to_contain_text("paused")
    page.get_by_role("button", name="Resume").click()
    expect(page.get_by_role("status")).to_contain_text("resumed")
    page.get_by_role("button", name="Run now").click()
    expect(page.get_by_role("status")).to_contain_text("queued")
    run_id = re.search(r"run (\S+) queued", page.get_by_role("status").inner_text())
    assert run_id is not None
    cluster.wait_run(run_id.group(1), "success")


def test_open_a_run_and_abort_a_running_command(page: Page, cluster: Cluster, axe: Axe, shots: Shot) -> None:
    job_id = make_job(cluster, name="sleeper", command="sleep 60")
    run_id = cluster._client().post(f"/api/job/{job_id}/run", json={}).json()["result"]["run_id"]
    cluster.wait_run(run_id, "running")
    sign_in(page, cluster, to=f"/ui/runs/{run_id}")
    expect(page.locator("#run")).to_contain_text("running")
    no_violations(page, axe)
    shots(page, "run-running")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Abort").click()
    expect(page.locator("#run")).to_contain_text("aborted", timeout=10_000)
    no_violations(page, axe)
    shots(page, "run")


def test_edit_then_restore_an_earlier_version(page: Page, cluster: Cluster, axe: Axe, shots: Shot) -> None:
    job_id = make_job(cluster, name="versioned", http_headers={"Authorization": "Bearer secret-value"})
    sign_in(page, cluster, to=f"/ui/jobs/{job_id}")
    assert "secret-value" not in page.content()
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Headers")).to_have_value("Authorization: ***")  # masked, kept as it is
    page.get_by_label("Schedule").fill("@every 2h")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("saved as version 2")
    page.get_by_role("link", name="Diff with version 2").click()
    expect(page.locator(".diff .add").last).to_contain_text("@every 2h")
    no_violations(page, axe)
    shots(page, "diff")
    page.go_back()
    page.get_by_role("button", name="Restore version 1").click()
    expect(page.get_by_role("status")).to_contain_text("version 1 restored as version 3")
    job = cluster.get(f"/api/job/{job_id}")
    assert job["schedule"] == "@every 1h" and job["version"] == 3


def test_a_read_only_key_sees_no_buttons_and_cannot_post(browser: Browser, cluster: Cluster) -> None:
    job_id = make_job(cluster, name="look only")
    key = cluster._client().post("/api/admin/token", json={"name": "viewer", "scopes": ["jobs:read"]})
    context: BrowserContext = new_context(browser)
    try:
        page = context.new_page()
        sign_in(page, cluster, key=key.json()["result"]["token"], to=f"/ui/jobs/{job_id}")
        expect(page.get_by_role("heading", name=re.compile("look only"))).to_be_visible()
        assert page.get_by_role("button").all_inner_texts() == ["Sign out"]
        page.goto(base(cluster) + "/ui/jobs")
        assert sorted(page.get_by_role("button").all_inner_texts()) == ["Filter", "Sign out"]
        forged = page.request.post(base(cluster) + f"/ui/jobs/{job_id}/pause", form={"csrf": "guess"})
        assert forged.status == 403
        assert cluster.get(f"/api/job/{job_id}")["paused"] is None
    finally:
        context.close()


def test_tasks_audit_and_keys_screens(page: Page, cluster: Cluster, axe: Axe, shots: Shot) -> None:
    sign_in(page, cluster, to="/ui/tasks")
    page.get_by_text("Submit a task").click()
    page.get_by_label("Name").fill("one-off")
    page.get_by_label("Command").fill("echo task")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_contain_text("submitted")
    expect(page.locator("#task")).to_contain_text("SUCCESS", timeout=15_000)
    no_violations(page, axe)
    shots(page, "task")
    page.get_by_role("link", name="Tasks").click()
    no_violations(page, axe)
    shots(page, "tasks")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("cell", name="job.create").first).to_be_visible()
    no_violations(page, axe)
    shots(page, "audit")
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("ci-bot")
    page.get_by_label("jobs:read").check()
    page.get_by_role("button", name="Make key").click()
    expect(page.get_by_label("The new key")).to_have_value(re.compile(r"^uc_"))
    no_violations(page, axe)
    shots(page, "keys")


def test_the_overview_after_the_flows(page: Page, cluster: Cluster, axe: Axe, shots: Shot) -> None:
    sign_in(page, cluster)
    expect(page.get_by_role("heading", name="Cluster")).to_be_visible()
    expect(page.get_by_role("cell", name="scheduler, leader")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"^worker"))).to_be_visible()
    expect(page.get_by_role("link", name="every second")).to_be_visible()  # due within 24 h
    no_violations(page, axe)
    shots(page, "overview")


def test_sign_out(page: Page, cluster: Cluster) -> None:
    sign_in(page, cluster)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Unicron")).to_be_visible()
    page.goto(base(cluster) + "/ui/")
    expect(page).to_have_url(re.compile(r"/ui/login"))

"""`unicron apply -f jobs.yaml`, a real process against real services: the plan, applying it, a second
run that changes nothing (the audit log and the versions say so), pruning, and files refused before
anything is applied."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from unicron_client import AuthenticatedClient
from unicron_client.api.admin import audit_log
from unicron_client.models import AuditEnvelope

from unicron import apply
from unicron.calls import RemoteError

if TYPE_CHECKING:
    from client.conftest import Live, Unicron  # this folder's conftest, as mypy names it; only types here

JOBS_YAML = """\
- name: nightly
  schedule: "0 3 * * *"
  command: echo nightly
  tags: [etl]
- name: backup
  schedule: "@daily"
  http_url: {url}/healthz
  http_headers:
    X-Token: first-secret
- name: ping
  schedule: "*/5 * * * *"
  command: echo ping
"""


def _managed(unicron: Unicron, owner: str = "apply") -> dict[str, dict[str, Any]]:
    jobs = json.loads(unicron.ok("job", "ls", "--managed-by", owner, "--json"))
    return {job["info"]["name"]: job for job in jobs}


def _audit_head(client: AuthenticatedClient) -> dict[str, Any]:
    """The newest entry of the audit log."""
    page = audit_log.sync_detailed(client=client, limit=1).parsed
    assert isinstance(page, AuditEnvelope), page
    return page.result.items[0].to_dict()


@pytest.fixture
def jobs_file(tmp_path: Path, live: Live) -> Path:
    path = tmp_path / "jobs.yaml"
    path.write_text(JOBS_YAML.format(url=live.url))
    return path


def test_plan_apply_again_then_change_and_prune(
    unicron: Unicron, jobs_file: Path, client: AuthenticatedClient
) -> None:
    dry = unicron.ok("apply", "-f", str(jobs_file), "--dry-run")
    assert dry.splitlines() == [
        "+ create nightly",
        "+ create backup",
        "+ create ping",
        "dry run, nothing changed: 3 to create, 0 to update, 0 unchanged, 0 to delete",
    ]
    assert _managed(unicron) == {}

    out = unicron.ok("apply", "-f", str(jobs_file))
    assert out.splitlines()[-1] == "applied: 3 created, 0 updated, 0 unchanged, 0 deleted, 0 failed"
    jobs = _managed(unicron)
    assert sorted(jobs) == ["backup", "nightly", "ping"]
    assert {job["info"]["managed_by"] for job in jobs.values()} == {"apply"}
    assert jobs["nightly"]["info"]["tags"] == ["etl"]

    audited = _audit_head(client)
    again = unicron.ok("apply", "-f", str(jobs_file))  # the same file again changes nothing
    assert again.splitlines() == [
        "= unchanged nightly",
        "= unchanged backup",
        "= unchanged ping",
        "applied: 0 created, 0 updated, 3 unchanged, 0 deleted, 0 failed",
    ]
    assert _audit_head(client) == audited, "a second apply of the same file wrote something"
    assert {job["version"] for job in _managed(unicron).values()} == {1}

    # A new schedule, a header value changed (only the server can see it), a job gone from the file.
    text = jobs_file.read_text().replace('"0 3 * * *"', '"0 4 * * *"').replace("first-secret", "second")
    jobs_file.write_text(text.split("- name: ping")[0])
    plan = unicron.ok("apply", "-f", str(jobs_file), "--dry-run")
    assert plan.splitlines()[:2] == ["~ update nightly: schedule", "~ update backup: http_headers"]
    assert (
        unicron.ok("apply", "-f", str(jobs_file), "--dry-run", "--prune").splitlines()[2] == "- delete ping"
    )
    assert sorted(_managed(unicron)) == ["backup", "nightly", "ping"]  # a dry run deletes nothing

    out = unicron.ok("apply", "-f", str(jobs_file), "--prune")
    assert out.splitlines() == [
        "~ update nightly: schedule",
        "~ update backup: http_headers",
        "- delete ping",
        "applied: 0 created, 2 updated, 0 unchanged, 1 deleted, 0 failed",
    ]
    jobs = _managed(unicron)
    assert sorted(jobs) == ["backup", "nightly"] and jobs["nightly"]["schedule"] == "0 4 * * *"
    assert jobs["backup"]["version"] == 2
    unicron.ok("job", "rm", *(job["job_id"] for job in jobs.values()))


def test_prune_keeps_what_others_own_and_json_files(unicron: Unicron, tmp_path: Path) -> None:
    by_hand = unicron.ok(
        "job", "add", "--name", "by-hand", "--schedule", "@daily", "--command", "true"
    ).strip()
    theirs = unicron.ok(
        "job", "add", "--name", "theirs", "--schedule", "@daily", "--command", "true", "--managed-by", "other"
    ).strip()
    path = tmp_path / "team.json"
    path.write_text(json.dumps([{"name": "mine", "schedule": "@hourly", "command": "true"}]))
    plan = json.loads(unicron.ok("apply", "-f", str(path), "--owner", "team", "--prune", "--json"))
    assert [(step["name"], step["action"], step["done"]) for step in plan] == [("mine", "create", "created")]
    assert sorted(_managed(unicron, "team")) == ["mine"]

    path.write_text("[]")  # an empty list: every job of the owner goes, and only those
    out = unicron.ok("apply", "-f", str(path), "--owner", "team", "--prune")
    assert out.splitlines() == [
        "- delete mine",
        "applied: 0 created, 0 updated, 0 unchanged, 1 deleted, 0 failed",
    ]
    assert json.loads(unicron.ok("job", "show", by_hand, "--json"))["info"]["managed_by"] is None
    assert _managed(unicron, "other")["theirs"]["job_id"] == theirs

    # A job another owner manages is not taken over; one made by hand is, and the plan says so.
    path.write_text(json.dumps([{"name": "theirs", "schedule": "@daily", "command": "true"}]))
    err = unicron.refused_lines(1, "apply", "-f", str(path), "--owner", "team")
    assert err[0] == f"unicron: theirs: job {theirs} is managed by 'other', not 'team'"
    path.write_text(json.dumps([{"name": "by-hand", "schedule": "@daily", "command": "true"}]))
    assert unicron.ok("apply", "-f", str(path), "--owner", "team").startswith(
        "~ update by-hand: managed_by\n"
    )
    unicron.ok("job", "rm", by_hand, theirs)


def test_an_invalid_job_anywhere_applies_nothing(unicron: Unicron, tmp_path: Path) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "- {name: good, schedule: '@daily', command: 'true'}\n"
        "- {name: bad, schedule: '61 * * * *', command: 'true'}\n"
        "- {name: worse, schedule: '@daily', command: 'true', timeout: -1}\n"
    )
    done = unicron("apply", "-f", str(path))
    assert done.code == 1 and done.out == ""
    lines = done.err.splitlines()
    assert lines[0].startswith("unicron: bad: invalid request: schedule: ") and "(HTTP 422)" in lines[0]
    assert lines[1].startswith("unicron: worse: invalid request: timeout: ")
    assert lines[2] == f"unicron: nothing applied: 2 job(s) of {path} refused (see above)"
    assert _managed(unicron) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {name: a, schedule: '@daily', command: 'true'}\n"
         "- {name: a, schedule: '@hourly', command: 'true'}\n", "names more than one job 'a'"),
        ("- {schedule: '@daily', command: 'true'}\n", "job 1 has no name"),
        ("{name: a}\n", "must hold a list of jobs"),
        ("- {name: a, schedule: '@daily', command: 'true', managed_by: x}\n", "managed_by is 'x'"),
        ("- {name: a, schedule: '@daily', command: 'true', timezon: UTC}\n", "unknown field 'timezon'"),
        ("- {name: a, command: 'true'}\n", "invalid job 'a' in"),
        ("- name: a\n  schedule: */5 * * * *\n", "quote a value that starts with *"),
        ("- {name: a/b, schedule: '@daily', command: 'true'}\n", "whose name has a '/'"),
    ],
    ids=["twice", "no-name", "not-a-list", "other-owner", "unknown-field", "no-schedule", "unquoted-star",
         "slash"],
)  # fmt: skip
def test_a_bad_file_is_refused_before_any_request(
    unicron: Unicron, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_text(text)
    assert message in unicron.refused(2, "apply", "-f", str(path))
    assert _managed(unicron) == {}


def test_a_name_several_jobs_share_stops_the_plan(unicron: Unicron, tmp_path: Path) -> None:
    twins = [
        unicron.ok("job", "add", "--name", "twin", "--schedule", "@daily", "--command", "true").strip()
        for _ in range(2)
    ]
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "- {name: fresh, schedule: '@daily', command: 'true'}\n"
        "- {name: twin, schedule: '@daily', command: 'true'}\n"
    )
    err = unicron.refused_lines(1, "apply", "-f", str(path))
    assert err[0].startswith("unicron: twin: 2 jobs are named 'twin'") and "(HTTP 409)" in err[0]
    assert _managed(unicron) == {}  # not even the job that was fine
    unicron.ok("job", "rm", *twins)


def test_a_step_that_fails_while_applying_is_counted() -> None:
    class Refusing:  # an API that refuses every write, as when a job went away after the plan
        def call(self, request: object) -> object:
            raise RemoteError("no job with id 'gone0000gone0000' (HTTP 404)", 404)

    plan = [apply.Step("old", "delete", "gone0000gone0000"), apply.Step("same", "unchanged", "x" * 16)]
    for step in plan:
        apply._apply(Refusing(), step)  # type: ignore[arg-type]
    assert (plan[0].error, plan[1].error) == ("no job with id 'gone0000gone0000' (HTTP 404)", None)
    assert (
        apply._summary(plan, dry_run=False)
        == "applied: 0 created, 0 updated, 1 unchanged, 0 deleted, 1 failed"
    )

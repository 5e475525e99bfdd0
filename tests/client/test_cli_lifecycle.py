"""`unicron job edit|pause|resume|run|versions|restore|next|ls` and `unicron runs ...`, each a real
process against real services (api, scheduler, worker): what they print, their exit codes, and one
line on stderr for what the API refuses."""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from unicron_client.models import BulkResult

from unicron import lifecycle
from unicron_testkit.waiting import wait_for

if TYPE_CHECKING:
    from client.conftest import Live, Unicron  # this folder's conftest, as mypy names it; only types here

RUN_TIMEOUT_S = 20
UNKNOWN_JOB = "nosuchjob0000000"


def _add(unicron: Unicron, name: str, *options: str) -> str:
    return unicron.ok("job", "add", "--name", name, *options).strip()


def _job(unicron: Unicron, job_id: str) -> dict[str, Any]:
    job: dict[str, Any] = json.loads(unicron.ok("job", "show", job_id, "--json"))
    return job


def test_edit_changes_only_the_fields_given_and_says_which(unicron: Unicron, tmp_path: Path) -> None:
    job_id = _add(unicron, "edited", "--schedule", "@daily", "--command", "echo hi", "--tag", "etl")
    assert _job(unicron, job_id)["info"]["tags"] == ["etl"]

    out = unicron.ok("job", "edit", job_id, "--schedule", "0 3 * * *", "--tag", "etl", "--tag", "nightly")
    assert out.startswith(f"job {job_id} is now version 2; changed: ")
    assert set(out.strip().split("changed: ")[1].split(", ")) == {"schedule", "tags"}
    job = _job(unicron, job_id)
    assert (job["schedule"], job["info"]["tags"], job["info"]["command"]) == (
        "0 3 * * *", ["etl", "nightly"], "echo hi",
    )  # fmt: skip
    assert (
        unicron.ok("job", "edit", job_id, "--schedule", "0 3 * * *")
        == f"job {job_id} unchanged (version 2)\n"
    )

    patch = tmp_path / "patch.yaml"  # a merge patch in YAML; the options go on top of it
    patch.write_text("timeout: 30\nemail: ops@example.com\n")
    out = unicron.ok("job", "edit", job_id, "--file", str(patch), "--timeout", "45")
    assert out.startswith(f"job {job_id} is now version 3; changed: ")
    job = _job(unicron, job_id)
    assert (job["info"]["timeout"], job["info"]["email"]) == (45, "ops@example.com")
    out = unicron.ok("job", "edit", job_id, "--clear", "email", "--clear", "misfire-grace")
    assert out == f"job {job_id} is now version 4; changed: email\n"
    assert _job(unicron, job_id)["info"]["email"] is None

    # --url makes it an HTTP job: the command is cleared with it, or the job would have both.
    out = unicron.ok("job", "edit", job_id, "--url", "https://example.com/ping", "--header", "X-Token: s3")
    job = _job(unicron, job_id)
    assert (job["info"]["command"], job["info"]["http_headers"]) == (None, {"X-Token": "***"})
    edited = json.loads(unicron.ok("job", "edit", job_id, "--header", "X-Other: 2", "--json"))
    assert edited["info"]["http_headers"] == {"X-Token": "***", "X-Other": "***"}  # merged, not replaced
    assert edited["version"] == 6


def test_edit_refuses_with_one_line(unicron: Unicron) -> None:
    job_id = _add(unicron, "refused", "--schedule", "@daily", "--command", "true")
    err = unicron.refused(1, "job", "edit", job_id, "--schedule", "61 * * * *")
    assert "schedule" in err and "(HTTP 422)" in err
    err = unicron.refused(1, "job", "edit", UNKNOWN_JOB, "--schedule", "@hourly")
    assert err == f"unicron: no job with id '{UNKNOWN_JOB}' (HTTP 404)"
    assert "nothing to change" in unicron.refused(2, "job", "edit", job_id)
    assert "both --clear and a value" in unicron.refused(2, "job", "edit", job_id, "--clear", "email",
                                                         "--email", "a@example.com")  # fmt: skip
    done = unicron("job", "edit", job_id, "--clear", "name")  # required: argparse says which may be
    assert done.code == 2 and "invalid choice: 'name'" in done.err
    assert _job(unicron, job_id)["version"] == 1


def test_versions_and_restore(unicron: Unicron) -> None:
    job_id = _add(unicron, "versioned", "--schedule", "@daily", "--command", "true")
    unicron.ok("job", "edit", job_id, "--schedule", "@hourly")
    unicron.ok("job", "edit", job_id, "--timeout", "5", "--email", "a@example.com")
    header, *rows = unicron.ok("job", "versions", job_id).splitlines()
    assert header.split() == ["VERSION", "CHANGED_AT", "BY", "FIELDS"]
    assert [row.split()[0] for row in rows] == ["3", "2", "1"]
    assert rows[1].endswith("schedule") and rows[2].endswith("(created)") and " env " in rows[0]
    versions = json.loads(unicron.ok("job", "versions", job_id, "--json"))
    assert [v["version"] for v in versions] == [3, 2, 1]

    out = unicron.ok("job", "restore", job_id, "1")
    assert out.startswith(f"job {job_id} is now version 4; changed: ")
    job = _job(unicron, job_id)
    assert (job["schedule"], job["info"]["timeout"], job["version"]) == ("@daily", None, 4)
    err = unicron.refused(1, "job", "restore", job_id, "99")
    assert "no version 99" in err and "(HTTP 404)" in err
    assert "no job" in unicron.refused(1, "job", "versions", UNKNOWN_JOB)


def test_pause_resume_and_the_state_column(unicron: Unicron) -> None:
    job_id = _add(unicron, "pausable", "--schedule", "* * * * * *", "--command", "true", "--tag", "pz")
    until = datetime.now() + timedelta(hours=1)  # naive: local time, as the CLI reads it
    out = unicron.ok(
        "job", "pause", job_id, "--reason", "db migration", "--until", until.isoformat("T", "seconds")
    )
    assert out.startswith(f"paused {job_id} until ")
    paused = _job(unicron, job_id)["paused"]
    assert paused["reason"] == "db migration" and abs(paused["until"] - until.timestamp()) < 1
    shown = unicron.ok("job", "show", job_id)
    assert "paused since" in shown and "by env" in shown and ": db migration" in shown

    table = unicron.ok("job", "ls", "--tag", "pz")
    header, row = table.splitlines()
    assert header.split() == ["ID", "NAME", "STATE", "SCHEDULE", "TZ", "NEXT", "LAST", "RUNS", "TAGS", "WHAT"]
    assert row.split()[:3] == [job_id, "pausable", "paused"] and " pz " in row
    assert unicron.ok("job", "ls", "--tag", "pz", "--state", "active") == "no jobs\n"

    out = unicron.ok("job", "resume", job_id, "--catchup", "none")
    assert out.startswith(f"resumed {job_id} (job resumed; ") and "skipped" in out
    assert _job(unicron, job_id)["paused"] is None
    err = unicron.refused(1, "job", "resume", job_id)
    assert err.startswith(f"unicron: {job_id}: ") and "not paused" in err and "(HTTP 409)" in err
    err = unicron.refused(1, "job", "pause", UNKNOWN_JOB)
    assert err == f"unicron: {UNKNOWN_JOB}: no job with id '{UNKNOWN_JOB}' (HTTP 404)"
    assert "in the future" in unicron.refused(1, "job", "pause", job_id, "--until", "1")
    assert "job ids or --tag" in unicron.refused(2, "job", "pause")
    done = unicron("job", "pause", job_id, "--until", "next tuesday")
    assert done.code == 2 and "neither epoch seconds nor an ISO 8601 time" in done.err
    unicron.ok("job", "rm", job_id)


def test_pause_and_resume_by_tag(unicron: Unicron) -> None:
    ids = [
        _add(unicron, f"bulk-{i}", "--schedule", "@daily", "--command", "true", "--tag", "bk")
        for i in range(3)
    ]
    assert sorted(unicron.ok("job", "pause", "--tag", "bk", "--reason", "freeze").split()) == sorted(
        ["paused", "paused", "paused", *ids]
    )
    assert json.loads(unicron.ok("job", "ls", "--tag", "bk", "--state", "paused", "--json")) != []
    result = json.loads(unicron.ok("job", "resume", "--tag", "bk", "--json"))
    assert sorted(result["done"]) == sorted(ids) and result["failed"] == {}
    done = unicron("job", "resume", "--tag", "bk")  # none of them is paused now
    assert (done.code, done.out) == (0, "") and "no job with tag bk to be resumed" in done.err


def test_a_bulk_failure_is_named_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(json=False, tag="bk")
    result = BulkResult.from_dict({"done": ["a" * 16], "failed": {"b" * 16: "no job with id"}})
    assert lifecycle._bulk(args, result, "paused") == 1
    out, err = capsys.readouterr()
    assert out == f"paused {'a' * 16}\n" and err == f"unicron: {'b' * 16}: not paused: no job with id\n"


def test_run_now_wait_next_and_the_runs(unicron: Unicron) -> None:
    job_id = _add(
        unicron, "manual", "--schedule", "@yearly", "--command", "echo $UNICRON_RUN_ID", "--tag", "rn"
    )
    run_id = unicron.ok("job", "run", job_id).strip()
    assert run_id.startswith(f"{job_id}-")
    done = unicron("job", "run", job_id, "--wait")
    assert done.code == 0, done
    assert "queued" in done.err
    waited = dict(line.split(None, 1) for line in done.out.split("\n---")[0].splitlines())
    assert (waited["status"], waited["trigger"], waited["job"]) == ("success", "manual by env", job_id)
    assert done.out.endswith(f"--- stdout\n{waited['run']}\n")

    failing = _add(
        unicron, "failing", "--schedule", "@yearly", "--command", "echo oops >&2; exit 3", "--tag", "rn"
    )
    done = unicron("job", "run", failing, "--wait", "--json")
    assert done.code == 1, done
    failed_run = json.loads(done.out)
    assert (failed_run["status"], failed_run["output"]["exit_code"]) == ("failure", 3)
    states = {
        row.split()[1]: row.split()[2] for row in unicron.ok("job", "ls", "--tag", "rn").splitlines()[1:]
    }
    assert states == {"manual": "active", "failing": "failing"}

    wait_for(
        lambda: unicron.ok("job", "results", job_id, "--json") != "[]\n",
        RUN_TIMEOUT_S,
        message="the first run",
    )
    table = unicron.ok("runs", "ls", "--job", job_id)
    header, *rows = table.splitlines()
    assert header.split() == ["START", "RUN", "JOB", "STATUS", "TRIGGER", "TOOK", "CODE", "OUTPUT"]
    assert len(rows) == 2 and all(f" {job_id} " in row and " manual " in row for row in rows)
    assert (
        rows[1].split()[2] == run_id
    )  # START is a date and a time; newest first: the first run is the older one
    listed = json.loads(unicron.ok("runs", "ls", "--tag", "rn", "--status", "failure", "--json"))
    assert [run["run_id"] for run in listed] == [failed_run["run_id"]]
    assert len(json.loads(unicron.ok("runs", "ls", "--job", job_id, "--limit", "1", "--json"))) == 1
    assert "--limit N for more" in unicron.ok("runs", "ls", "--job", job_id, "--limit", "1")
    tomorrow = str(time.time() + 86_400)
    assert unicron.ok("runs", "ls", "--job", job_id, "--since", tomorrow) == "no runs\n"
    assert unicron.ok("runs", "ls", "--job", job_id, "--trigger", "schedule") == "no runs\n"

    shown = unicron.ok("runs", "show", failed_run["run_id"])
    assert "status     failure" in shown and "exit code  3" in shown and shown.endswith("--- stderr\noops\n")
    again = unicron("runs", "rerun", run_id, "--wait")
    assert again.code == 0 and "status     success" in again.out, again
    new_id = unicron.ok("runs", "rerun", run_id).strip()
    assert new_id.startswith(f"{job_id}-") and new_id != run_id
    assert "no run" in unicron.refused(1, "runs", "show", f"{job_id}-1")
    assert "no job" in unicron.refused(1, "job", "run", UNKNOWN_JOB)

    done = unicron("job", "next", job_id, "--count", "3")
    assert done.code == 0 and done.err.startswith("at 00:00 on 1 January")  # the schedule in words
    times = done.out.splitlines()
    assert len(times) == 3 and all(datetime.fromisoformat(t).month == 1 for t in times)
    assert "no job" in unicron.refused(1, "job", "next", UNKNOWN_JOB)


def test_ls_pages_filters_and_json(unicron: Unicron) -> None:
    ids = [
        _add(unicron, f"paged-{i}", "--schedule", "@daily", "--command", "true", "--tag", "pg")
        for i in range(5)
    ]
    rows = unicron.ok("job", "ls", "--tag", "pg").splitlines()[1:]
    assert [row.split()[0] for row in rows] == ids  # the order they were created, every page
    limited = unicron.ok("job", "ls", "--tag", "pg", "--limit", "3").splitlines()
    assert [row.split()[0] for row in limited[1:-1]] == ids[:3] and "--limit" in limited[-1]
    items = json.loads(unicron.ok("job", "ls", "--tag", "pg", "--json"))
    assert [job["job_id"] for job in items] == ids and items[0]["info"]["name"] == "paged-0"
    assert [j["job_id"] for j in json.loads(unicron.ok("job", "ls", "--q", "PAGED-3", "--json"))] == [ids[3]]
    managed = _add(unicron, "owned", "--schedule", "@daily", "--command", "true", "--managed-by", "team-a")
    owned = json.loads(unicron.ok("job", "ls", "--managed-by", "team-a", "--json"))
    assert [job["job_id"] for job in owned] == [managed]
    unicron.ok("job", "rm", *ids, managed)


def test_the_new_commands_answer_json(unicron: Unicron, live: Live) -> None:
    job_id = _add(unicron, "jsoned", "--schedule", "@daily", "--command", "true")
    upcoming = json.loads(unicron.ok("job", "next", job_id, "--json", "--count", "2"))
    assert len(upcoming["times"]) == 2 and upcoming["description"]
    assert json.loads(unicron.ok("job", "pause", job_id, "--json"))[0]["paused"]["by"] == "env"
    assert json.loads(unicron.ok("job", "resume", job_id, "--json"))[0]["paused"] is None
    assert json.loads(unicron.ok("job", "run", job_id, "--json"))["run_id"].startswith(job_id)
    assert json.loads(unicron.ok("job", "restore", job_id, "1", "--json"))["version"] == 1
    assert live.url  # the module's cluster served them all


def _status(unicron: Unicron, kind: str, an_id: str) -> str | None:
    done = unicron(kind, "show" if kind == "runs" else "status", an_id, "--json")
    return json.loads(done.out)["status"] if done.code == 0 else None  # a run: 404 until it starts


def test_abort_a_running_run_and_task_and_force_a_run(unicron: Unicron) -> None:
    job_id = _add(unicron, "held", "--schedule", "@yearly", "--command", "sleep 61.91", "--overlap", "forbid")
    run_id = unicron.ok("job", "run", job_id).strip()
    wait_for(lambda: _status(unicron, "runs", run_id) == "running", RUN_TIMEOUT_S, "the run to start")
    time.sleep(0.002)  # run ids are per millisecond
    forced = json.loads(unicron.ok("job", "run", job_id, "--force", "--json"))["run_id"]
    wait_for(lambda: _status(unicron, "runs", forced) == "running", RUN_TIMEOUT_S, "the forced run beside it")
    assert unicron.ok("runs", "abort", run_id) == f"run {run_id} aborting\n"
    wait_for(lambda: _status(unicron, "runs", run_id) == "aborted", RUN_TIMEOUT_S, "the run to be aborted")
    unicron.ok("runs", "abort", forced)
    task_id = unicron.ok("task", "run", "--name", "t", "--command", "sleep 61.92").strip()
    wait_for(lambda: _status(unicron, "task", task_id) == "STARTED", RUN_TIMEOUT_S, "the task to start")
    assert unicron.ok("task", "abort", task_id) == f"task {task_id} aborting\n"
    done = unicron("task", "status", task_id, "--wait", "--json")
    assert (done.code, json.loads(done.out)["status"]) == (1, "REVOKED")
    assert "has ended" in unicron.refused(1, "task", "abort", task_id)

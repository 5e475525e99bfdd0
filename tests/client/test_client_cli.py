"""`unicron job ...` and `unicron task ...` against real processes: tables, --json, one-line errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from unicron import waiting
from unicron.cli import main
from unicron_testkit.ports import free_port
from unicron_testkit.waiting import wait_for

if TYPE_CHECKING:
    from client.conftest import Live  # this folder's conftest, as mypy names it; only a type here

RUN_TIMEOUT_S = 15
CLI_TIMEOUT_S = 30


@pytest.fixture
def cli(live: Live, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    monkeypatch.setenv("UNICRON_API_URL", live.url)
    monkeypatch.setenv("UNICRON_API_TOKEN", live.token)
    return Cli(capsys)


class Cli:
    """Runs ``unicron`` in this process; returns the exit code, stdout and stderr."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self._capsys.readouterr()
        code = main(list(args))
        out, err = self._capsys.readouterr()
        return code, out, err

    def ok(self, *args: str) -> str:
        code, out, err = self(*args)
        assert code == 0, (args, out, err)
        return out

    def refused(self, code: int, *args: str) -> str:
        """The one line on stderr of a command that must exit with ``code``."""
        got, out, err = self(*args)
        assert got == code, (args, out, err)
        assert err.startswith("unicron: ") and len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err
        return err.strip()


def test_job_add_ls_show_results_rm(cli: Cli, live: Live) -> None:
    job_id = cli.ok(
        "job", "add", "--name", "probe", "--schedule", "* * * * * *", "--url", f"{live.url}/healthz",
        "--method", "GET", "--header", "X-Secret: s3cret", "--data", "a=1", "--timezone", "Asia/Tokyo",
    ).strip()  # fmt: skip
    assert len(job_id) == 16 and job_id.isalnum()
    command_id = cli.ok("job", "add", "--name", "echo", "--schedule", "@daily", "--command", "echo hi")
    command_id = command_id.strip()

    table = cli.ok("job", "ls")
    header, *rows = table.splitlines()
    assert header.split() == ["ID", "NAME", "STATE", "SCHEDULE", "TZ", "NEXT", "LAST", "RUNS", "TAGS", "WHAT"]
    assert any(row.startswith(job_id) and "probe" in row and "Asia/Tokyo" in row for row in rows), table
    assert any(row.startswith(command_id) and "echo hi" in row for row in rows), table
    listing = {job["job_id"]: job for job in json.loads(cli.ok("job", "ls", "--json"))}  # the page's items
    assert listing[job_id]["info"]["http_headers"] == {"X-Secret": "***"}

    shown = cli.ok("job", "show", job_id)
    assert f"GET {live.url}/healthz" in shown
    assert "header X-Secret" in shown and "***" in shown and "s3cret" not in shown
    assert json.loads(cli.ok("job", "show", job_id, "--json"))["info"]["http_data"] == {"a": "1"}

    wait_for(lambda: json.loads(cli.ok("job", "results", job_id, "--json")), RUN_TIMEOUT_S, message="a run")
    runs = cli.ok("job", "results", job_id)
    assert runs.splitlines()[0].split() == ["START", "JOB", "OK", "TOOK", "CODE", "OUTPUT"]
    assert job_id in runs and " 200 " in runs
    assert len(json.loads(cli.ok("job", "results", "--json", "--limit", "1"))) == 1

    assert cli.ok("job", "rm", job_id, command_id).split() == ["deleted", job_id, "deleted", command_id]
    err = cli.refused(1, "job", "show", job_id)
    assert err == f"unicron: no job with id '{job_id}' (HTTP 404)"
    err = cli.refused(1, "job", "rm", job_id)
    assert job_id in err and "404" in err


def test_job_add_reports_every_invalid_field(cli: Cli) -> None:
    err = cli.refused(1, "job", "add", "--name", "x", "--schedule", "61 * * * *", "--command", "true")
    assert "minute 61 is out of range" in err and "(HTTP 422)" in err
    err = cli.refused(2, "job", "add", "--schedule", "@daily", "--command", "true")
    assert "name is required" in err
    err = cli.refused(2, "job", "add", "--name", "x", "--schedule", "@daily", "--header", "no-colon")
    assert "NAME:VALUE" in err


def test_job_add_from_a_file(cli: Cli, tmp_path: Path) -> None:
    spec = tmp_path / "job.json"
    spec.write_text(json.dumps({"name": "from-file", "schedule": "@hourly", "command": "true"}))
    job_id = cli.ok("job", "add", "--file", str(spec), "--name", "renamed").strip()
    assert json.loads(cli.ok("job", "show", job_id, "--json"))["info"]["name"] == "renamed"
    cli.ok("job", "rm", job_id)
    spec.write_text(json.dumps({"name": "typo", "schedule": "@hourly", "command": "true", "timezon": "UTC"}))
    assert "unknown field 'timezon'" in cli.refused(2, "job", "add", "--file", str(spec))


def test_task_run_wait_shows_progress_and_outcome(cli: Cli) -> None:
    code, out, err = cli("task", "run", "--name", "t", "--command", "sleep 0.3; echo done", "--wait")
    assert code == 0, (out, err)
    assert "submitted" in err and ("STARTED" in err or "PENDING" in err), err
    assert "status     SUCCESS" in out and "--- stdout\ndone" in out
    failing = ("--name", "t", "--command", "echo oops >&2; exit 3")
    code, out, err = cli("task", "run", *failing, "--wait", "--json")
    assert code == 1, (out, err)
    task = json.loads(out)
    assert task["status"] == "FAILURE" and task["result"]["output"]["exit_code"] == 3


def test_task_status_and_wait_timeout(cli: Cli) -> None:
    task_id = cli.ok("task", "run", "--name", "slow", "--command", "sleep 5").strip()
    status = json.loads(cli.ok("task", "status", task_id, "--json"))
    assert status["task_id"] == task_id and status["status"] in ("PENDING", "STARTED")
    code, _, err = cli("task", "status", task_id, "--wait", "--wait-timeout", "0.5")
    assert code == 124, err
    progress, last = err.strip().splitlines()  # not a terminal: a line per status seen, then why it stopped
    assert progress.startswith(f"task {task_id}: ")
    assert last.startswith(f"unicron: task {task_id} is still ")
    assert "no task" in cli.refused(1, "task", "status", "3f1d7c9e-5b8a-4c2e-9f0a-1b2c3d4e5f60")
    # Aborted, so that the module's worker does not wait for it to end as it stops (~4 s).
    assert cli.ok("task", "abort", task_id) in (f"task {task_id} aborting\n", f"task {task_id} aborted\n")


def test_where_the_api_and_token_come_from(
    cli: Cli, live: Live, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("UNICRON_API_TOKEN")
    assert "no API token" in cli.refused(2, "job", "ls")
    data_dir = tmp_path / ".unicron"  # as `unicron up` leaves it
    data_dir.mkdir()
    (data_dir / "api-token").write_text(live.token + "\n")
    monkeypatch.setenv("UNICRON_API_URL", live.url + "/api/")  # as `unicron up` prints it
    cli.ok("job", "ls")
    (data_dir / "api-token").write_text("not-the-token\n")
    assert cli.refused(1, "job", "ls") == "unicron: unknown API token (HTTP 401)"
    monkeypatch.setenv("UNICRON_API_TOKEN", live.token)
    err = cli.refused(1, "job", "ls", "--api-url", f"http://127.0.0.1:{free_port()}")
    assert "cannot reach the API" in err


def test_exit_codes_of_the_real_command(live: Live) -> None:
    env = {**os.environ, "UNICRON_API_URL": live.url, "UNICRON_API_TOKEN": live.token}
    done = subprocess.run(
        [sys.executable, "-m", "unicron", "job", "show", "nosuchjob0000000"],
        env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT_S, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == "unicron: no job with id 'nosuchjob0000000' (HTTP 404)\n"
    done = subprocess.run(
        [sys.executable, "-m", "unicron", "job", "ls", "--json"],
        env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT_S, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and isinstance(json.loads(done.stdout), list)


def test_progress_on_a_terminal_updates_one_line() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with waiting.progress("task t1", screen) as show:
        show("PENDING", 0.1)
        show("STARTED", 0.6)
    lines = ["| task t1: PENDING, 0.1 s", "- task t1: STARTED, 0.6 s", ""]
    assert screen.getvalue() == "".join(f"\r{line}\x1b[K" for line in lines)

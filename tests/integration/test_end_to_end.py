"""The whole system as real processes: the original project's own tests and more.

The tests share the module's cluster (its processes take ~2.5 s to start): none stops or restarts a
process of it, each makes its own jobs and tasks, and the jobs a test made are deleted after it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs

import pytest

from unicron_testkit.cluster import TZ, Cluster, cluster_on
from unicron_testkit.ports import free_port
from unicron_testkit.sinks import HttpSink, SmtpSink
from unicron_testkit.waiting import wait_for

MINUTE_JOB_S = 91  # an every-minute job's first result comes at most this long after it was made


@dataclass(frozen=True)
class Shared:
    """The module's cluster, the SMTP sink its worker mails to, and its every-minute job."""

    cluster: Cluster
    smtp: SmtpSink
    minute_job: str
    minute_deadline: float  # time.monotonic() by which the every-minute job has a result


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Shared]:
    """An API, two schedulers (one leads, the other stands by) and a worker that mails to the
    module's SMTP sink, on the session's Redis emptied first. The every-minute job is made as the
    module starts, so that its wait for a minute boundary goes on while the other tests run."""
    with SmtpSink() as smtp, cluster_on(tmp_path_factory.mktemp("e2e-procs"), redis_url) as cluster:
        cluster.start_api()
        cluster.service("scheduler")
        cluster.service("scheduler")
        cluster.service(
            "worker",
            env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "EMAIL_FROM": "unicron@test.example"},
        )
        job_id = cluster.post("/api/job/", {"name": "tz", "schedule": "* * * * *", "command": "echo $TZ"})
        yield Shared(cluster, smtp, job_id, time.monotonic() + MINUTE_JOB_S)


@pytest.fixture
def cluster(shared: Shared) -> Iterator[Cluster]:
    """The module's cluster; the jobs a test made are deleted after it (one firing every second
    would keep the worker busy through the tests after it)."""
    cluster = shared.cluster
    before = set(cluster.get("/api/job/"))  # the jobs by id
    yield cluster
    assert cluster.api is not None
    for job_id in set(cluster.get("/api/job/")) - before:
        cluster.api.delete(f"/api/job/{job_id}")


def test_async_task_echo_tz(cluster: Cluster) -> None:
    task_id = cluster.post("/api/async/", {"name": "tz", "command": "echo $TZ"})
    task = cluster.wait_task(task_id)
    assert task["status"] == "SUCCESS", task
    assert task["result"]["output"]["stdout"] == f"{TZ}\n"
    assert task["result"]["output"]["exit_code"] == 0
    assert task["result"]["output"]["job_id"] is None


def test_failing_task_retries_then_fails(cluster: Cluster) -> None:
    task_id = cluster.post(
        "/api/async/",
        {
            "name": "bad",
            "command": "echo $UNICRON_RUN_ID; exit 3",
            "retries": 1,
            "retry_backoff": {"initial_s": 1, "max_s": 1},
        },
    )
    waiting = cluster.wait_task(task_id, done=("RETRY", "FAILURE"))
    assert waiting["status"] == "RETRY", "the wait for the next attempt is seen"
    assert waiting["result"]["next_attempt"] is not None
    task = cluster.wait_task(task_id, done=("FAILURE",))
    result = task["result"]
    assert (result["output"]["exit_code"], result["success"], result["attempt"]) == (3, False, 2)
    assert result["output"]["stdout"] == f"{task_id}-2\n"
    (first,) = result["attempts"]
    assert (first["attempt"], first["status"], first["exit_code"]) == (1, "failure", 3)
    assert result["start"] - first["end"] >= 1  # the backoff's floor


def test_seconds_job_runs_and_delete_returns_1(cluster: Cluster) -> None:
    job_id = cluster.post(
        "/api/job/",
        {"name": "tz", "schedule": "*/2 * * * * *", "command": "echo $TZ $UNICRON_JOB_ID $UNICRON_FIRE_TIME"},
    )
    (run, *_) = cluster.wait_runs(job_id, timeout_s=10)
    tz, env_job_id, fire_ms = run["output"]["stdout"].split()
    assert (tz, env_job_id) == (TZ, job_id)
    assert int(fire_ms) % 2000 == 0
    assert run["scheduled"] == int(fire_ms) / 1000
    assert run["start"] >= run["scheduled"]
    job = cluster.get(f"/api/job/{job_id}")
    assert job["run_count"] >= 1
    assert job["last_run"] is not None
    assert cluster.api is not None
    assert cluster.api.delete(f"/api/job/{job_id}").json()["result"] == 1


def test_job_command_sees_its_own_time_zone(cluster: Cluster) -> None:
    job_id = cluster.post(
        "/api/job/",
        {"name": "tz", "schedule": "* * * * * *", "command": "echo $TZ", "timezone": "Asia/Kolkata"},
    )
    (run, *_) = cluster.wait_runs(job_id, timeout_s=10)
    assert run["output"]["stdout"] == "Asia/Kolkata\n"


def test_http_job_email_and_webhook(cluster: Cluster, shared: Shared) -> None:
    smtp = shared.smtp  # the module's worker mails there; only this test's job has an email
    with HttpSink() as target, HttpSink() as hook:
        job_id = cluster.post(
            "/api/job/",
            {
                "name": "call",
                "schedule": "* * * * * *",
                "http_url": target.url + "/do?x=1",
                "http_method": "put",
                "http_headers": {"X-Secret": "s3cret"},
                "http_data": {"a": "1", "b": "two"},
                "email": "ops@test.example",
                "hook_url": hook.url + "/result",
                "hook_headers": {"X-Hook": "h"},
            },
        )
        (run, *_) = cluster.wait_runs(job_id, timeout_s=10)
        request = target.requests[0]
        assert request.method == "PUT"
        assert (request.path, request.query) == ("/do", {"x": ["1"]})
        assert request.headers["x-secret"] == "s3cret"
        assert parse_qs(request.body.decode()) == {"a": ["1"], "b": ["two"]}
        key = request.headers["idempotency-key"]
        assert key.startswith(job_id + "-") and int(key.rsplit("-", 1)[1]) % 1000 == 0
        assert run["success"] is True
        assert run["output"] == {"job_id": job_id, "status_code": 200, "text": "ok", "truncated": False}
        assert run["notifications"] == {"email": "sent", "hook": "sent"}

        wait_for(lambda: hook.requests and smtp.envelopes, 5, message="the webhook and the email")
        delivered = json.loads(hook.requests[0].body)
        assert delivered["job_id"] == job_id
        assert delivered["output"]["status_code"] == 200
        assert hook.requests[0].headers["x-hook"] == "h"
        mail = smtp.messages[0]  # a job every second: more may follow
        assert mail["To"] == "ops@test.example"
        assert "call" in mail["Subject"]


def test_wrong_cluster_key_is_refused(cluster: Cluster) -> None:
    wrong = {"UNICRON_KEY": "another-cluster-key-0123456789"}  # the module's API wrote the canary
    commands = (["api", "--host", "127.0.0.1", "--port", str(free_port())], ["scheduler"], ["worker"])
    started = [cluster.service(*args, env=wrong) for args in commands]  # side by side
    for proc in started:
        assert proc.wait(timeout=20) == 2
        err = cluster.procs.stderr(proc).strip()
        assert err.startswith("unicron: UNICRON_KEY does not match"), err
        assert "Traceback" not in err
        assert len(err.splitlines()) == 1


def test_missing_key_is_one_clear_line(cluster: Cluster) -> None:
    proc = cluster.service("scheduler", env={"UNICRON_KEY": ""})
    assert proc.wait(timeout=20) == 2
    err = cluster.procs.stderr(proc).strip()
    assert err.startswith("unicron: invalid configuration: UNICRON_KEY"), err
    assert len(err.splitlines()) == 1


def test_two_schedulers_fire_each_tick_once(cluster: Cluster) -> None:
    job_id = cluster.post("/api/job/", {"name": "tick", "schedule": "* * * * * *", "command": "true"})
    runs = cluster.wait_runs(job_id, count=5, timeout_s=15)
    fired = [r["scheduled"] for r in runs]
    assert len(fired) == len(set(fired)), fired
    start = time.time()
    wait_for(lambda: time.time() - start > 2, 3)  # let a few more ticks pass with both running
    runs = cluster.get(f"/api/job/result/{job_id}")
    fired = sorted(r["scheduled"] for r in runs)
    assert len(fired) == len(set(fired)), fired
    assert fired[-1] - fired[0] == len(fired) - 1  # one run per second, none missing


# Last: its job was made as the module started, so that its wait overlaps the tests above.
@pytest.mark.slow
def test_every_minute_job_has_a_result_within_91_s(shared: Shared) -> None:
    cluster, job_id = shared.cluster, shared.minute_job
    (run, *_) = cluster.wait_runs(job_id, timeout_s=max(0.0, shared.minute_deadline - time.monotonic()))
    assert run["output"]["stdout"] == f"{TZ}\n"
    assert cluster.api is not None
    assert cluster.api.delete(f"/api/job/{job_id}").json()["result"] == 1

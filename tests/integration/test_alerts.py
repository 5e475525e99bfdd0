"""Alerts through real API, scheduler and worker processes, to a real SMTP sink and webhook: one
alert a change of the job's health (notify: change), none before alert_after failures in a row,
missed runs recorded and alerted once, an overrun alerted while the run goes on; a webhook and an
email that fail leave the result intact."""

from __future__ import annotations

import json
import time
from typing import Any

from unicron_testkit.cluster import Cluster
from unicron_testkit.ports import free_port
from unicron_testkit.sinks import HttpSink, Reply, Request, SmtpSink
from unicron_testkit.waiting import wait_for

RUN_S = 20


class Scripted(HttpSink):
    """Answers each call with the next status of ``statuses`` (the last one from then on), each
    after ``hold_s``."""

    def __init__(self, *statuses: int, hold_s: float = 0) -> None:
        super().__init__()
        self.statuses = statuses
        self.hold_s = hold_s

    def answer(self, request: Request) -> Reply:
        self.closing.wait(self.hold_s)
        return Reply(self.statuses[min(len(self.requests), len(self.statuses)) - 1])


def _smtp_env(smtp: SmtpSink) -> dict[str, str]:
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "EMAIL_FROM": "unicron@test.example"}


def _run_to_end(cluster: Cluster, job_id: str) -> Any:
    assert cluster.api is not None
    run_id = cluster.api.post(f"/api/job/{job_id}/run").json()["result"]["run_id"]
    run = cluster.wait_run(run_id, "success", "failure", "skipped", "aborted", "missed")
    time.sleep(0.002)  # run ids are per millisecond: the next run now is another run
    return run


def _events(hook: HttpSink) -> list[str]:
    return [json.loads(request.body)["event"] for request in hook.requests]


def test_change_alerts_once_as_the_job_fails_and_once_as_it_recovers(cluster: Cluster) -> None:
    with Scripted(500, 500, 200) as target, HttpSink() as hook, SmtpSink() as smtp:
        cluster.start_api()
        cluster.service("worker", env=_smtp_env(smtp))
        job = {"name": "flaky", "schedule": "@yearly", "http_url": target.url, "notify": "change"}
        job_id = cluster.post("/api/job/", {**job, "email": "ops@test.example", "hook_url": hook.url})
        statuses = [_run_to_end(cluster, job_id)["status"] for _ in range(3)]
        assert statuses == ["failure", "failure", "success"]
        wait_for(lambda: len(smtp.messages) >= 2 and len(hook.requests) >= 2, 5, "the alerts")
        time.sleep(0.3)  # nothing more is coming (each run's alert would be sent as it ended)
        assert [m["Subject"] for m in smtp.messages] == [
            "[unicron] flaky: failure",
            "[unicron] flaky: recovery",
        ]
        assert _events(hook) == ["failure", "recovery"]


def test_alert_after_three_sends_nothing_for_two_failures(cluster: Cluster) -> None:
    with Scripted(500) as target, HttpSink() as hook, SmtpSink() as smtp:
        cluster.start_api()
        cluster.service("worker", env=_smtp_env(smtp))
        job = {"name": "patient", "schedule": "@yearly", "http_url": target.url, "alert_after": 3}
        for notify in ("change", "failure"):
            job_id = cluster.post(
                "/api/job/", {**job, "notify": notify, "email": "ops@test.example", "hook_url": hook.url}
            )
            assert [_run_to_end(cluster, job_id)["status"] for _ in range(2)] == ["failure", "failure"]
        time.sleep(0.3)
        assert (smtp.messages, hook.requests) == ([], [])
        assert _run_to_end(cluster, job_id)["status"] == "failure"  # the third, with notify: failure
        wait_for(lambda: _events(hook) == ["failure"], 5, "the failure alert")
        assert cluster.get(f"/api/job/{job_id}")["state"] == "failing"


def test_a_run_that_could_not_start_in_time_is_missed_and_alerted_once(cluster: Cluster) -> None:
    with HttpSink() as target, HttpSink() as hook:
        cluster.start_api()
        cluster.service("scheduler")
        cluster.service("worker")
        job = {"name": "strict", "schedule": "* * * * * *", "http_url": target.url, "start_deadline": 0}
        job_id = cluster.post("/api/job/", {**job, "notify": "change", "hook_url": hook.url})

        def missed_runs() -> list[Any] | None:
            runs = cluster.get(f"/api/runs?job_id={job_id}&status=missed")["items"]
            return runs if len(runs) >= 3 else None

        runs = wait_for(missed_runs, RUN_S, "three missed runs")
        assert all(r["reason"].startswith("missed: not started within 0 s") for r in runs)
        assert target.requests == [], "a missed run is not run"
        assert _events(hook) == ["missed"], "one alert when the job goes missing, not one a run"
        job = cluster.get(f"/api/job/{job_id}")
        assert (job["run_count"], job["state"]) == (0, "active")


def test_an_overrun_is_alerted_while_the_run_goes_on(cluster: Cluster) -> None:
    with Scripted(200, hold_s=2) as target, HttpSink() as hook:
        cluster.start_api()
        cluster.service("worker")
        job = {"name": "slow", "schedule": "@yearly", "http_url": target.url, "max_duration": 0.5}
        job_id = cluster.post("/api/job/", {**job, "notify": "failure", "hook_url": hook.url})
        run = _run_to_end(cluster, job_id)
        assert run["status"] == "success"
        (alert,) = [json.loads(request.body) for request in hook.requests]
        assert alert["event"] == "overrun" and alert["status"] == "running"
        assert alert["reason"] == "overrun: still running after 0.5 s (max_duration)"


def test_failing_webhook_and_email_leave_the_result_intact(cluster: Cluster) -> None:
    with HttpSink(status=500) as hook:
        cluster.start_api()
        cluster.service("worker", env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port())})
        task_id = cluster.post(
            "/api/async/",
            {"name": "t", "command": "echo hi", "email": "a@test.example", "hook_url": hook.url},
        )
        task = cluster.wait_task(task_id)
        wait_for(
            lambda: cluster.get(f"/api/async/{task_id}")["result"]["notifications"],
            10,
            message="the notification outcomes",
        )
        task = cluster.get(f"/api/async/{task_id}")
        assert task["status"] == "SUCCESS"
        assert task["result"]["output"]["stdout"] == "hi\n"
        notes = task["result"]["notifications"]
        assert notes["hook"].startswith("failed") and "500" in notes["hook"]
        assert notes["email"].startswith("failed")

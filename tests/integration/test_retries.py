"""Runs tried again, and runs in progress, through real API, scheduler and worker processes: every
attempt kept on its run, the backoff's floor kept between them, a run seen while it runs, and a
run whose worker was killed mid-call finished by another worker."""

from __future__ import annotations

import signal
from typing import Any

import redis
from rq import Queue

from unicron_core.settings import Settings
from unicron_testkit.cluster import KEY, Cluster
from unicron_testkit.sinks import HttpSink, Reply, Request
from unicron_testkit.waiting import wait_for
from unicron_worker.engine import SETTLED_S

from helpers import HoldingFirst

BACKOFF = {"initial_s": 1, "max_s": 1}
RUN_S = 20  # a few seconds each, with the backoff; generous on a loaded machine


class FailingFirst(HttpSink):
    """Answers 500 to the first ``failures`` calls, then 200."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def answer(self, request: Request) -> Reply:
        return Reply(500 if len(self.requests) <= self.failures else 200)


def _job(cluster: Cluster, url: str, **fields: Any) -> str:
    return cluster.post("/api/job/", {"name": "r", "schedule": "@yearly", "http_url": url, **fields})


def _run_now(cluster: Cluster, job_id: str) -> str:
    assert cluster.api is not None
    response = cluster.api.post(f"/api/job/{job_id}/run")
    assert response.status_code == 202, response.text
    run_id: str = response.json()["result"]["run_id"]
    return run_id


def test_a_run_failing_twice_then_succeeding_is_one_run_of_three_attempts(cluster: Cluster) -> None:
    cluster.start_api()
    cluster.service("scheduler")
    cluster.service("worker")
    with FailingFirst(failures=2) as target:
        job_id = _job(cluster, target.url, retries=2, retry_backoff=BACKOFF)
        run_id = _run_now(cluster, job_id)

        def between_attempts() -> Any:
            run = cluster.get(f"/api/runs/{run_id}")
            return run if run["status"] == "success" or run["next_attempt"] else None

        waiting = wait_for(between_attempts, RUN_S, "the wait for the next attempt")
        assert waiting["status"] == "queued", "the wait for the next attempt is seen"
        assert waiting["next_attempt"] is not None and "attempt 1 failure" in waiting["reason"]
        run = cluster.wait_run(run_id, "success")
    assert (run["attempt"], run["trigger"], run["output"]["status_code"]) == (3, "retry", 200)
    first, second = run["attempts"]
    assert [(a["attempt"], a["status"], a["status_code"]) for a in (first, second)] == [
        (1, "failure", 500),
        (2, "failure", 500),
    ]
    assert second["start"] - first["end"] >= BACKOFF["initial_s"]
    assert run["start"] - second["end"] >= BACKOFF["initial_s"]
    # One run, one idempotency key: the target can tell the attempts are of the same run.
    assert {request.headers["idempotency-key"] for request in target.requests} == {run_id}
    job = cluster.get(f"/api/job/{job_id}")
    assert (job["run_count"], job["state"]) == (1, "active")
    assert [r["run_id"] for r in cluster.get(f"/api/job/result/{job_id}")] == [run_id]


def test_a_run_in_progress_is_seen_with_its_worker(cluster: Cluster) -> None:
    cluster.start_api()
    cluster.service("worker")
    target = HoldingFirst()  # not ``with ... as target``: HttpSink.__enter__ is typed as a plain sink
    with target:
        job_id = _job(cluster, target.url)
        run_id = _run_now(cluster, job_id)
        running = cluster.wait_run(run_id, "running")
        assert running["worker"] and running["end"] is None and running["attempt"] == 1
        page = cluster.get(f"/api/runs?status=running&job_id={job_id}")
        assert [r["run_id"] for r in page["items"]] == [run_id]
        assert cluster.get(f"/api/job/{job_id}")["state"] == "running"
        assert cluster.get(f"/api/job/result/{job_id}") == [], "a result is a run that ended"
        target.release()
        cluster.wait_run(run_id, "success")
    assert cluster.get(f"/api/job/{job_id}")["state"] == "active"


def test_a_worker_killed_mid_run_leaves_it_to_another_that_succeeds(
    cluster: Cluster, redis_client: redis.Redis
) -> None:
    cluster.start_api()
    cluster.service("scheduler")
    first = cluster.service("worker")
    with HoldingFirst() as target:
        job_id = _job(cluster, target.url, retries=1, retry_backoff={"initial_s": 0.1, "max_s": 0.1})
        run_id = _run_now(cluster, job_id)
        cluster.wait_run(run_id, "running")
        wait_for(lambda: target.requests, RUN_S, "the call to reach the target")
        first.send_signal(signal.SIGKILL)
        first.wait()
        # Its heartbeats' deadline passed (moved back rather than waited for: 30 s, then found by
        # a maintenance within 15 s, so within 60 s in all).
        registry = Queue(Settings(key=KEY).queue, connection=redis_client).started_job_registry
        redis_client.zadd(
            registry.key, {":".join(e): 1 for e in registry.get_job_and_execution_ids(cleanup=False)}
        )
        cluster.service("worker")  # its maintenance runs once settled
        run = cluster.wait_run(run_id, "success", timeout_s=SETTLED_S + 20)
    (dead,) = run["attempts"]
    assert (dead["status"], run["attempt"], run["output"]["status_code"]) == ("failure", 2, 200)
    assert "AbandonedJobError" in dead["reason"] and dead["worker"] != run["worker"]
    assert len(target.requests) == 2

"""Overlap rules and aborts through real API, scheduler and worker processes: a forbidden run is a
skipped run with its reason, a replacing run aborts the one it replaces, an abort ends a running
command at once with its process group and is never tried again, and a queued run or task is
dropped."""

from __future__ import annotations

import time
from typing import Any

from unicron_testkit.cluster import Cluster
from unicron_testkit.sinks import HttpSink
from unicron_testkit.waiting import wait_for

from helpers import HoldingFirst, sleeping

RUN_S = 20


def _post(cluster: Cluster, path: str, payload: dict[str, Any] | None = None) -> Any:
    assert cluster.api is not None
    response = cluster.api.post(path, json=payload or {})
    assert response.status_code in (200, 202), response.text
    return response.json()["result"]


def _held_job(cluster: Cluster, target: HttpSink, overlap: str) -> str:
    return cluster.post(
        "/api/job/", {"name": "o", "schedule": "@yearly", "http_url": target.url, "overlap": overlap}
    )


def test_forbid_skips_a_run_while_another_runs_and_force_starts_it(cluster: Cluster) -> None:
    cluster.start_api()
    cluster.service("worker")
    with HoldingFirst() as target:
        job_id = _held_job(cluster, target, "forbid")
        first = _post(cluster, f"/api/job/{job_id}/run")["run_id"]
        cluster.wait_run(first, "running")
        time.sleep(0.002)  # run ids are per millisecond: the next run now is another run
        second = _post(cluster, f"/api/job/{job_id}/run")["run_id"]
        skipped = cluster.wait_run(second, "skipped")
        assert first in skipped["reason"] and "overlap: forbid" in skipped["reason"]
        time.sleep(0.002)
        forced = _post(cluster, f"/api/job/{job_id}/run", {"force": True})["run_id"]
        assert cluster.wait_run(forced, "success")["output"]["status_code"] == 200
        assert cluster.wait_run(first, "running"), "the first still runs beside the forced one"


def test_replace_aborts_the_running_run_then_starts(cluster: Cluster) -> None:
    cluster.start_api()
    cluster.service("worker")
    with HoldingFirst() as target:
        job_id = _held_job(cluster, target, "replace")
        first = _post(cluster, f"/api/job/{job_id}/run")["run_id"]
        cluster.wait_run(first, "running")
        wait_for(lambda: target.requests, RUN_S, "the first call to reach the target")
        time.sleep(0.002)
        second = _post(cluster, f"/api/job/{job_id}/run")["run_id"]
        assert cluster.wait_run(second, "success")["output"]["status_code"] == 200
        replaced = cluster.wait_run(first, "aborted")
    assert (
        f"run {second}" in replaced["reason"]
        and replaced["end"] <= cluster.get(f"/api/runs/{second}")["start"]
    )


def test_aborting_a_running_command_ends_it_at_once_and_for_good(cluster: Cluster) -> None:
    cluster.start_api()
    cluster.service("scheduler")
    cluster.service("worker")
    job = {"name": "long", "schedule": "@yearly", "command": "sleep 61.83", "retries": 1}
    job_id = cluster.post("/api/job/", {**job, "retry_backoff": {"initial_s": 0.1, "max_s": 0.1}})
    run_id = _post(cluster, f"/api/job/{job_id}/run")["run_id"]
    wait_for(lambda: sleeping("61.83"), RUN_S, "the command to run")
    asked = time.monotonic()
    assert _post(cluster, f"/api/runs/{run_id}/abort") == {"status": "aborting"}
    run = cluster.wait_run(run_id, "aborted")
    assert time.monotonic() - asked < 2, "an abort ends a running command within 2 s"
    assert not sleeping("61.83"), "its process group is gone"
    assert run["reason"] == "aborted by integration" or run["reason"].startswith("aborted by ")
    assert run["output"]["exit_code"] == -15  # SIGTERM
    assert cluster.api is not None
    again = cluster.api.post(f"/api/runs/{run_id}/abort")
    assert again.status_code == 409 and "has ended" in again.json()["msg"]
    time.sleep(0.5)  # the backoff is 0.1 s: a retry would have started by now
    assert cluster.get(f"/api/runs/{run_id}")["status"] == "aborted" and not sleeping("61.83")


def test_aborting_queued_runs_and_tasks_drops_them(cluster: Cluster) -> None:
    cluster.start_api()  # no worker: what is queued stays queued
    job_id = cluster.post("/api/job/", {"name": "q", "schedule": "@yearly", "command": "sleep 61.84"})
    run_id = _post(cluster, f"/api/job/{job_id}/run")["run_id"]
    assert _post(cluster, f"/api/runs/{run_id}/abort") == {"status": "aborted"}
    run = cluster.get(f"/api/runs/{run_id}")
    assert (run["status"], run["trigger"], run["reason"]) == ("aborted", "manual", run["reason"])
    assert run["reason"].startswith("aborted by ")
    task_id = cluster.post("/api/async/", {"name": "q", "command": "sleep 61.85"})
    assert _post(cluster, f"/api/async/{task_id}/abort") == {"status": "aborted"}
    assert cluster.get(f"/api/async/{task_id}")["status"] == "REVOKED"
    cluster.service("worker")
    task_id2 = cluster.post("/api/async/", {"name": "after", "command": "true"})
    assert cluster.wait_task(task_id2)["status"] == "SUCCESS"  # the worker works, and ran neither
    assert not sleeping("61.84", "61.85")
    assert cluster.get(f"/api/job/{job_id}")["run_count"] == 0


def test_aborting_a_running_task_revokes_it(cluster: Cluster) -> None:
    cluster.start_api()
    cluster.service("worker")
    task_id = cluster.post("/api/async/", {"name": "long", "command": "sleep 61.86", "retries": 2})
    wait_for(lambda: sleeping("61.86"), RUN_S, "the command to run")
    assert _post(cluster, f"/api/async/{task_id}/abort") == {"status": "aborting"}
    task = cluster.wait_task(task_id, done=("REVOKED",), timeout_s=5)
    assert task["result"]["status"] == "aborted" and not sleeping("61.86")

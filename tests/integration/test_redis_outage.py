"""Redis going away: the API answers 503; every service recovers without a restart; nothing is lost;
a run that ends while it is away is recorded once, as it ended; a worker or scheduler stops at once
though Redis hangs."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis as redis_py

from unicron_core.keys import LEASE
from unicron_core.store.claims import RUN_DEADLINE_S
from unicron_scheduler.main import STOP_GRACE_S
from unicron_testkit.cluster import Cluster, cluster_env
from unicron_testkit.procs import Procs
from unicron_testkit.redis import start_redis
from unicron_testkit.waiting import wait_for
from unicron_worker.engine import STOP_WAIT_S

from helpers import Held


def test_redis_stopped_then_back(procs: Procs, tmp_path: Path) -> None:
    redis = start_redis(tmp_path / "redis", appendonly=True)
    try:
        cluster = Cluster(procs=procs, env=cluster_env(redis.url))
        api = cluster.start_api()
        cluster.service("worker")
        cluster.service("scheduler")
        job_id = cluster.post("/api/job/", {"name": "j", "schedule": "* * * * * *", "command": "true"})
        cluster.wait_runs(job_id)

        redis.stop()
        for response in (
            api.get("/api/job/"),
            api.post("/api/async/", json={"name": "t", "command": "true"}),
            api.get("/readyz"),
        ):
            assert response.status_code == 503, response.text
            assert response.json()["success"] is False
            assert "Redis" in response.json()["msg"]
        assert api.get("/healthz").status_code == 200

        redis.start()
        back = time.time()
        wait_for(lambda: api.get("/readyz").status_code == 200, 10, message="the API to recover")
        assert job_id in cluster.get("/api/job/")
        # The scheduler and the worker reconnect on their own: the job fires again.
        wait_for(
            lambda: any(r["start"] > back for r in cluster.get(f"/api/job/result/{job_id}")),
            15,
            message="a run after Redis came back",
        )
        task_id = cluster.post("/api/async/", {"name": "t", "command": "echo back"})
        assert cluster.wait_task(task_id, timeout_s=20)["result"]["output"]["stdout"] == "back\n"
        api.close()
    finally:
        redis.stop()


def test_runs_in_flight_through_a_long_outage_are_recorded_once_and_keep_their_overlap_rule(
    procs: Procs, tmp_path: Path
) -> None:
    """Redis away longer than a run's registry deadline. A run that ends meanwhile waits for Redis to
    record its end, and its worker's heartbeat renews its entry before any maintenance cleans: it is
    recorded as it ended, once, never taken for a dead worker's and tried again. A run still going
    when Redis is back still holds its job's `forbid` rule, though its deadline passed."""
    redis = start_redis(tmp_path / "redis", appendonly=True)
    try:
        cluster = Cluster(procs=procs, env=cluster_env(redis.url))
        api = cluster.start_api()
        cluster.service("worker")
        with Held(hold_s=2) as short, Held(hold_s=RUN_DEADLINE_S + 10) as long:
            backoff = {"initial_s": 0.1, "max_s": 0.1}
            ends = _job(cluster, short.url, retries=1, retry_backoff=backoff)
            goes_on = _job(cluster, long.url, overlap="forbid", timeout=120)
            ended, going = _run_now(api, ends), _run_now(api, goes_on)
            cluster.wait_run(ended, "running")
            cluster.wait_run(going, "running")
            redis.stop()
            # The outage is the scenario: every deadline set before it (at most RUN_DEADLINE_S ahead) passes.
            time.sleep(RUN_DEADLINE_S + 2)
            redis.start()
            wait_for(lambda: api.get("/readyz").status_code == 200, 10, message="the API to recover")
            beside = cluster.wait_run(_run_now(api, goes_on), "skipped", "running", "success")
            assert (beside["status"], going in (beside["reason"] or "")) == ("skipped", True), beside
            run = cluster.wait_run(ended, "success", "failure", "queued", timeout_s=30)
            assert (run["status"], run["attempt"], run["attempts"]) == ("success", 1, []), run
            assert cluster.wait_run(going, "success", timeout_s=30)["attempt"] == 1
            assert (len(short.requests), len(long.requests)) == (1, 1)
    finally:
        redis.stop()


def _job(cluster: Cluster, url: str, **fields: Any) -> str:
    return cluster.post("/api/job/", {"name": "o", "schedule": "@yearly", "http_url": url, **fields})


def _run_now(api: httpx.Client, job_id: str) -> str:
    started = api.post(f"/api/job/{job_id}/run", json={})
    assert started.status_code == 202, started.text
    run_id: str = started.json()["result"]["run_id"]
    return run_id


@pytest.mark.parametrize(("service", "bound_s"), [("worker", 2 * STOP_WAIT_S), ("scheduler", STOP_GRACE_S)])
def test_a_service_whose_redis_stopped_answering_stops_at_once(
    procs: Procs, tmp_path: Path, service: str, bound_s: float
) -> None:
    """SIGTERM while Redis hangs (stopped, not gone: each call waits out its socket timeout, three
    tries, about 30 s): the service stops within its bound on the stop's Redis calls."""
    redis = start_redis(tmp_path / "redis")
    try:
        proc = procs.start(
            [sys.executable, "-m", "unicron", service], env=cluster_env(redis.url), name=service
        )
        client = redis_py.Redis.from_url(redis.url)
        there = (
            (lambda: client.scard("rq:workers") == 1) if service == "worker" else (lambda: client.get(LEASE))
        )
        wait_for(there, 20, message=f"the {service} to be at work")
        client.close()
        assert redis.pid is not None
        os.kill(redis.pid, signal.SIGSTOP)
        try:
            asked = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0
            assert time.monotonic() - asked < bound_s + 3
        finally:
            os.kill(redis.pid, signal.SIGCONT)
    finally:
        redis.stop()
